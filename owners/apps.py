from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OwnersConfig(AppConfig):
    name = "owners"
    verbose_name = _("Estates and residents")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import role_groups_sync

        post_migrate.connect(role_groups_sync, sender=self, dispatch_uid="owners.role_groups_sync")
