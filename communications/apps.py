from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_MEDIA = ["statement", "mediamention", "mediainquiry", "stakeholder", "contactlog"]
_VIEW = ["communications.view_announcement", "communications.view_delivery", "communications.view_savedaudience"] + [
    f"communications.view_{m}" for m in _MEDIA
]
# Service staff write announcements and their saved lists; the media desk they only read.
_ANNOUNCE = _VIEW + [f"communications.{a}_{m}" for a in ("add", "change") for m in ("announcement", "savedaudience")] + [
    "communications.change_acknowledgement",  # mark an "I need help" answer handled
]
_MEDIA_DESK = _ANNOUNCE + [f"communications.{a}_{m}" for a in ("add", "change") for m in _MEDIA] + [
    "communications.answer_mediainquiry",
]
_MANAGE = _MEDIA_DESK + ["communications.approve_statement", "communications.approve_announcement"]


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communications")

    # Read by owners.roles.role_groups_sync. communications.permissions adds the estate scope to these.
    role_permissions = {
        "service": _ANNOUNCE, "engineer": _VIEW, "spokesperson": _MEDIA_DESK, "estate_manager": _MANAGE, "company_admin": _MANAGE,
    }

    def ready(self):
        from owners import signals as owner_signals
        from owners.panels import resident_panel_register

        from . import panels, receivers

        owner_signals.invitation_created.connect(receivers.on_invitation_created, dispatch_uid="comms.invitation")
        owner_signals.password_reset_requested.connect(receivers.on_password_reset, dispatch_uid="comms.password_reset")
        resident_panel_register("communications.messages", panels.resident_messages_panel)
