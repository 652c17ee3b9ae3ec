from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["complaints.view_complaint", "complaints.view_category"]
_WORK = _VIEW + ["complaints.add_complaint", "complaints.change_complaint"]
# Arrears are private: service staff work the cases, managers also approve legal steps, decide
# relief and set the ladders and thresholds; engineers and spokespeople see none of it.
_ARREARS_WORK = [
    "complaints.view_arrearscase", "complaints.add_arrearscase", "complaints.change_arrearscase",
    "complaints.view_reliefrequest",
]
_ARREARS_MANAGE = _ARREARS_WORK + [
    "complaints.approve_arrears_legal", "complaints.change_reliefrequest",
    *(f"complaints.{a}_{m}" for a in ("view", "add", "change", "delete") for m in ("arrearsladderstep", "arrearspolicy")),
]


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and arrears")

    # Read by owners.roles.role_groups_sync: what each role may do with complaints.
    role_permissions = {
        "service": _WORK + _ARREARS_WORK,
        "engineer": _WORK,
        "spokesperson": _VIEW,
        "estate_manager": _WORK + _ARREARS_MANAGE + [
            f"complaints.{a}_{m}" for a in ("view", "add", "change", "delete") for m in ("category", "slapolicy")
        ],
        "company_admin": _WORK + _ARREARS_MANAGE + [
            f"complaints.{a}_{m}" for a in ("view", "add", "change", "delete") for m in ("category", "slapolicy", "cannedreply")
        ],
    }

    def ready(self):
        from owners.panels import resident_panel_register

        from . import panels

        # The resident page lists the resident's complaints (owners imports nothing of ours).
        resident_panel_register("complaints.complaints", panels.resident_complaints_panel, order=10)
        from core.slots import slot_register

        from . import arrears_panels

        # Arrears on owners' pages, for staff who may see them: the resident's case, the unit's history.
        resident_panel_register("complaints.arrears", arrears_panels.resident_arrears_panel, order=20)
        slot_register("owners.unit_panels", "complaints.arrears", arrears_panels.unit_arrears_panel)
        from owners.signals import arrears_cleared, fees_collected

        from . import arrears_tasks  # noqa: F401  (registers the arrears periodic tasks)
        from .services.arrears import arrears_cleared_receive
        from .services.arrears.instalments import fees_collected_receive

        # Paying the balance closes the unit's arrears case, in the paying transaction.
        arrears_cleared.connect(arrears_cleared_receive, dispatch_uid="complaints.arrears_close_paid")
        # A payment fills the instalments of the unit's plan, in the paying transaction.
        fees_collected.connect(fees_collected_receive, dispatch_uid="complaints.instalments_mark_paid")
