from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


_MEDIA = ["statement", "mediamention", "mediainquiry", "stakeholder", "contactlog", "savedaudience"]
_VIEW = ["communications.view_announcement", "communications.view_delivery"] + [f"communications.view_{m}" for m in _MEDIA]
_WRITE = _VIEW + ["communications.add_announcement", "communications.change_announcement"] + [
    f"communications.{a}_{m}" for a in ("add", "change") for m in _MEDIA
]


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communications")

    # Read by owners.roles.role_groups_sync. Approval is decided by role in services, not here.
    role_permissions = {
        "service": _WRITE, "engineer": _VIEW, "spokesperson": _WRITE, "estate_manager": _WRITE, "company_admin": _WRITE,
    }

    def ready(self):
        from owners import signals as owner_signals

        from . import receivers

        owner_signals.invitation_created.connect(receivers.on_invitation_created, dispatch_uid="comms.invitation")
        owner_signals.password_reset_requested.connect(receivers.on_password_reset, dispatch_uid="comms.password_reset")
