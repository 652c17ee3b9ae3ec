from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The top floor: cross-app pages (dashboard, portal home) and commands (seed_demo, benchmark)."""

    name = "config"
    verbose_name = "Lighthouse"
