"""Who may see what and do what where: the one place that decides a user's estate scope.

Selectors, views, the API and the admin all ask here; nobody filters by estate on their own.

Roles are Django groups, and a group's permissions are global; but a role is held at one estate
(or company-wide). So "may this person change a building of estate B?" is never
`user.has_perm(...)` plus "can they see B": someone who manages estate A and is service staff at B
would carry the manager's rights into B. Ask `has_perm_at(user, perm, estate_id)`, which counts a
permission only at the estates where the user holds a role that carries it.
"""

from functools import cache

from .models import Building, Estate, Occupancy, Resident, Role, StaffMembership, Unit, User

ALL = None  # scope value meaning "every estate"

# Everything kept on a user object for the length of a request; staff_roles_sync clears it.
_CACHE_ATTRS = ("_lighthouse_memberships", "_lighthouse_estate_scope", "_lighthouse_perm_scopes")


def scope_cache_clear(user) -> None:
    """Forget what was kept on `user` about their assignments (after they changed)."""
    for attr in _CACHE_ATTRS:
        if hasattr(user, attr):  # getattr/delattr, not __dict__: request.user is a lazy proxy
            delattr(user, attr)


def _memberships(user) -> list[tuple[int | None, str]]:
    """(estate id or None for company-wide, role) of each of a staff user's assignments; one query
    per request."""
    cached = getattr(user, "_lighthouse_memberships", None)
    if cached is None:
        cached = list(StaffMembership.objects.filter(user=user).values_list("estate_id", "role"))
        user._lighthouse_memberships = cached
    return cached


def _is_active_staff(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and user.kind == User.Kind.STAFF


def staff_estate_ids(user) -> set[int] | None:
    """The estate ids a staff user may see, or ALL for company-wide roles and superusers.

    Residents and anonymous users get an empty set: their scope is their own units, not estates.
    Memoised on the user object for the length of a request.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return ALL
    if user.kind != User.Kind.STAFF:
        return set()
    cached = getattr(user, "_lighthouse_estate_scope", False)
    if cached is not False:
        return cached
    scope: set[int] | None = set()
    for estate_id, _role in _memberships(user):
        if estate_id is None:
            scope = ALL
            break
        scope.add(estate_id)
    user._lighthouse_estate_scope = scope
    return scope


@cache
def _roles_carrying(perm: str) -> frozenset[str]:
    from .roles import role_permissions  # roles reads every app's AppConfig: ask it once the registry is ready

    return frozenset(role for role, codes in role_permissions().items() if perm in codes)


def estate_ids_with_perm(user, perm: str) -> set[int] | None:
    """The estates where `user` may use `perm` ("app.codename"), or ALL.

    Counted from the user's assignments: an estate counts when the role held there declares the
    permission (roles.role_permissions); a company-wide assignment whose role declares it, or a
    superuser, gives ALL. It is never wider than Django's own `user.has_perm`, so a group that was
    not (yet) synced grants nothing. Residents, inactive and anonymous users: an empty set.
    Memoised on the user object for the length of a request.
    """
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return ALL
    if not _is_active_staff(user):
        return set()
    kept = getattr(user, "_lighthouse_perm_scopes", None)
    if kept is None:
        kept = user._lighthouse_perm_scopes = {}
    if perm in kept:
        return kept[perm]
    scope: set[int] | None = set()
    if user.has_perm(perm):
        roles = _roles_carrying(perm)
        for estate_id, role in _memberships(user):
            if role not in roles:
                continue
            if estate_id is None:
                scope = ALL
                break
            scope.add(estate_id)
    kept[perm] = scope
    return scope


def has_perm_at(user, perm: str, estate_id: int | None) -> bool:
    """May `user` use `perm` at `estate_id`? None is a company-wide record: company-wide roles only."""
    scope = estate_ids_with_perm(user, perm)
    return scope is ALL or (estate_id is not None and estate_id in scope)


def estate_id_of(record) -> int | None:
    """The estate an estate, building, unit or occupancy belongs to."""
    if isinstance(record, Estate):
        return record.pk
    if isinstance(record, Building):
        return record.estate_id
    if isinstance(record, Unit):
        return record.building.estate_id
    if isinstance(record, Occupancy):
        return record.unit.building.estate_id
    raise TypeError(f"{type(record).__name__} belongs to no single estate")


def registry_can(user, action: str, record) -> bool:
    """May `user` `action` ("add", "change", "delete") this estate, building, unit or occupancy —
    as it stands, so a new or moved record is asked about its new estate? Residents belong to
    every estate they live in: ask resident_can_edit."""
    return has_perm_at(user, f"owners.{action}_{record._meta.model_name}", estate_id_of(record))


def estate_can_import(user, estate, kind: str) -> bool:
    """May `user` import a file of `kind` ("units" or "residents") into `estate`? The page and
    the API both ask here; the import services check it again."""
    perms = ["owners.add_unit"] if kind == "units" else ["owners.add_resident", "owners.add_occupancy"]
    return all(has_perm_at(user, perm, estate.pk) for perm in perms)


def is_staff_member(user) -> bool:
    scope = staff_estate_ids(user)
    return scope is ALL or bool(scope)


def can_see_estate(user, estate_id: int) -> bool:
    scope = staff_estate_ids(user)
    return scope is ALL or estate_id in scope


def roles_of(user) -> set[str]:
    if getattr(user, "is_superuser", False):
        return {Role.COMPANY_ADMIN}
    if not getattr(user, "is_authenticated", False):
        return set()
    return {role for _estate_id, role in _memberships(user)}  # the assignments already read for this request


def managed_estate_ids(user) -> set[int] | None:
    """Estates whose staff assignments this user may change: company admins all, managers their own."""
    if getattr(user, "is_superuser", False):
        return ALL
    rows = StaffMembership.objects.filter(user=user, role__in=[Role.ESTATE_MANAGER, Role.COMPANY_ADMIN])
    ids: set[int] = set()
    for estate_id, _role in rows.values_list("estate_id", "role"):
        if estate_id is None:
            return ALL
        ids.add(estate_id)
    return ids


def assignable_roles(user) -> list[str]:
    """Roles this user may hand out: a company admin any, an estate manager any below company level,
    anyone else none."""
    managed = managed_estate_ids(user)
    if managed is ALL:
        return list(Role.values)
    if not managed:
        return []
    return [r for r in Role.values if r != Role.COMPANY_ADMIN]


def membership_can_grant(actor, estate_id: int | None, role: str) -> bool:
    """May `actor` hold out (or take back) `role` at `estate_id` (None = company-wide)?

    Only within what the actor manages: an estate manager never grants a company-wide assignment,
    another estate, or a role above their own. The admin, forms and services all ask here.
    """
    managed = managed_estate_ids(actor)
    if managed is ALL:
        return True
    return estate_id is not None and estate_id in managed and role in assignable_roles(actor)


def membership_can_assign_user(actor, user) -> bool:
    """May `actor` give `user` assignments or change theirs? Only staff accounts wholly inside the
    estates the actor manages, or with no assignment yet; never a superuser or a resident account.

    Otherwise a manager could attach a colleague of another estate to their own estate and then
    administer that account (finding E2).
    """
    managed = managed_estate_ids(actor)
    if getattr(actor, "is_superuser", False):
        return True
    if managed is ALL:
        return user.kind == User.Kind.STAFF and not user.is_superuser
    if user.is_superuser or user.kind != User.Kind.STAFF or not managed:
        return False
    estates = set(StaffMembership.objects.filter(user=user).values_list("estate_id", flat=True))
    return None not in estates and estates <= managed


def resident_can_edit(actor, resident, action: str = "change") -> bool:
    """May staff `actor` change (`action` "delete": delete) this resident?

    Only when every home the resident has, or had, is in an estate where the actor's role carries
    the permission: otherwise a change of mobile or e-mail would redirect another estate's notices
    and sign-in links (finding E3), or the rights of a role held at one estate would reach another.
    Company-wide roles carrying it may edit anyone.
    """
    scope = estate_ids_with_perm(actor, f"owners.{action}_resident")
    if scope is ALL:
        return True
    if not scope:
        return False
    return not Occupancy.objects.filter(resident=resident).exclude(unit__building__estate_id__in=scope).exists()


def resident_can_move_in(actor, unit) -> bool:
    """May staff `actor` register a resident in `unit` (a new resident, or a home for one)?"""
    estate_id = estate_id_of(unit)
    return has_perm_at(actor, "owners.add_resident", estate_id) and has_perm_at(actor, "owners.add_occupancy", estate_id)


def resident_can_invite(actor, resident) -> bool:
    """May staff `actor` invite this resident to the owner portal? Their role must carry the
    permission at an estate where the resident has (or had) a home."""
    scope = estate_ids_with_perm(actor, "owners.add_invitation")
    if scope is ALL:
        return True
    return bool(scope) and Occupancy.objects.filter(resident=resident, unit__building__estate_id__in=scope).exists()


MOBILE_PERMISSION = "owners.view_full_mobile"


def resident_mobile_estates(user) -> set[int] | None:
    """The estates where `user`'s role shows residents' mobiles whole (ALL: every estate). Asked
    once per page; resident_mobile_visible then decides each row without a query."""
    return estate_ids_with_perm(user, MOBILE_PERMISSION)


def resident_mobile_visible(user, estate_ids, *, scope=None) -> bool:
    """May `user` see whole the mobile of a resident living at `estate_ids` (the estates of the
    homes the page shows)? Elsewhere a list shows it masked, one recorded click away."""
    scope = resident_mobile_estates(user) if scope is None else scope
    return scope is ALL or bool(scope and set(estate_ids) & scope)


def user_can_administer(actor, target) -> bool:
    """May `actor` change `target`'s account in the admin (any field, assignments included)?

    Oneself, yes. Company administrators: everyone but superusers. Estate managers: staff who work
    only in the estates they manage (never another manager), and residents within their estates.
    """
    if target.pk == actor.pk or getattr(actor, "is_superuser", False):
        return True
    if target.is_superuser:
        return False
    managed = managed_estate_ids(actor)
    if target.kind == User.Kind.RESIDENT:
        resident = Resident.objects.filter(user=target).first()
        return (managed is ALL or bool(managed)) and resident is not None and resident_can_edit(actor, resident)
    if managed is ALL:
        return True
    if StaffMembership.objects.filter(user=target, role__in=[Role.ESTATE_MANAGER, Role.COMPANY_ADMIN]).exists():
        return False
    return membership_can_assign_user(actor, target)


def user_password_can_set(actor, target) -> bool:
    """May `actor` type a new password for `target`? Staff their own; superusers other staff's.

    Nobody sets a resident's password: owners choose their own through a reset link, which goes to
    their own mobile or e-mail (services.user_password_reset_request).
    """
    if target.kind == User.Kind.RESIDENT:
        return False
    return target.pk == actor.pk or getattr(actor, "is_superuser", False)
