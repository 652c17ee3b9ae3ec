from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OwnersConfig(AppConfig):
    name = "owners"
    verbose_name = _("Estates and residents")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import receivers  # noqa: F401  (connects API token revocation)
        from .roles import role_groups_sync

        # After the last app's post_migrate, when every app's permissions exist.
        post_migrate.connect(role_groups_sync, dispatch_uid="owners.role_groups_sync")
