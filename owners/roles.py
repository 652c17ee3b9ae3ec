"""Roles as Django groups: the permissions each role carries, declared once.

Groups are (re)built after every migrate, so a role's permissions change here and nowhere else.
A staff member's groups follow their estate assignments (see services.staff_roles_sync).
"""

from .models import Role

_OWNERS_MODELS = ("estate", "building", "unit", "resident", "occupancy", "invitation", "staffmembership", "user",
                  "feeledgerentry", "feepayment")
_VIEW_ALL = [f"owners.view_{m}" for m in ("estate", "building", "unit", "resident", "occupancy")]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SERVICE: _VIEW_ALL + [
        "owners.add_resident", "owners.change_resident", "owners.add_occupancy", "owners.change_occupancy",
        "owners.add_invitation", "owners.view_invitation", "owners.view_full_mobile",
        "owners.view_feeledgerentry", "owners.view_feepayment", "owners.add_feepayment",
    ],
    Role.ENGINEER: list(_VIEW_ALL),
    Role.SPOKESPERSON: list(_VIEW_ALL),
    Role.ESTATE_MANAGER: _VIEW_ALL + [
        "owners.change_estate", "owners.view_full_mobile",
        *(f"owners.{a}_{m}" for a in ("add", "change", "delete") for m in ("building", "unit", "resident", "occupancy")),
        "owners.add_invitation", "owners.view_invitation", "owners.change_invitation",
        "owners.view_staffmembership", "owners.add_staffmembership", "owners.change_staffmembership",
        "owners.delete_staffmembership",
        "owners.view_user", "owners.add_user", "owners.change_user",
        "owners.view_feeledgerentry", "owners.add_feeledgerentry", "owners.view_feepayment", "owners.add_feepayment",
    ],
    Role.COMPANY_ADMIN: [f"owners.{a}_{m}" for a in ("view", "add", "change", "delete") for m in _OWNERS_MODELS]
    + [f"django_celery_beat.{a}_{m}" for a in ("view", "add", "change", "delete")
       for m in ("periodictask", "crontabschedule", "intervalschedule")]
    # Service staff and managers ring owners all day: they see mobiles whole in lists. Engineers
    # and spokespeople see 139****0185 and open a number with a click that is recorded.
    + ["owners.view_full_mobile", "owners.view_mobilereveal", "owners.view_exportrecord"],
}

# Roles that may use the Django admin (the managers' configuration desk).
ADMIN_ROLES = {Role.ESTATE_MANAGER, Role.COMPANY_ADMIN}


def role_group_name(role: str) -> str:
    return f"role:{role}"


def role_permissions() -> dict[str, list[str]]:
    """ROLE_PERMISSIONS plus what each app above adds for its own models.

    An app declares `role_permissions = {role: [codes]}` on its AppConfig; this floor reads the
    attribute without importing the app, so the dependency still points downwards.
    """
    from django.apps import apps

    merged = {role: list(codes) for role, codes in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        for role, codes in getattr(config, "role_permissions", {}).items():
            merged.setdefault(role, []).extend(codes)
    return merged


def role_groups_sync(**kwargs):
    """Create or update one group per role with exactly the permissions declared."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app with models; act on the last, when all permissions exist.
    app_config = kwargs.get("app_config")
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if app_config is not None and app_config is not with_models[-1]:
        return
    declared = role_permissions()
    all_codes = {code for codes in declared.values() for code in codes}
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={c.split(".")[0] for c in all_codes}
        )
    }
    for role, codes in declared.items():
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        group.permissions.set([perms[c] for c in codes if c in perms])
