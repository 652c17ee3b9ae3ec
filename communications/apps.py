from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communications")

    def ready(self):
        from owners import signals as owner_signals

        from . import receivers

        owner_signals.invitation_created.connect(receivers.on_invitation_created, dispatch_uid="comms.invitation")
        owner_signals.password_reset_requested.connect(receivers.on_password_reset, dispatch_uid="comms.password_reset")
