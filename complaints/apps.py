from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["complaints.view_complaint", "complaints.view_category"]
_WORK = _VIEW + ["complaints.add_complaint", "complaints.change_complaint"]


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and arrears")

    # Read by owners.roles.role_groups_sync: what each role may do with complaints.
    role_permissions = {
        "service": _WORK,
        "engineer": _WORK,
        "spokesperson": _VIEW,
        "estate_manager": _WORK + [
            f"complaints.{a}_{m}" for a in ("view", "add", "change", "delete") for m in ("category", "slapolicy")
        ],
        "company_admin": _WORK + [
            f"complaints.{a}_{m}" for a in ("view", "add", "change", "delete") for m in ("category", "slapolicy")
        ],
    }
