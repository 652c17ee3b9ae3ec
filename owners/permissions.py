"""Who may see what: the one place that decides a user's estate scope.

Selectors, views, the API and the admin all ask here; nobody filters by estate on their own.
"""

from .models import Role, StaffMembership, User

ALL = None  # scope value meaning "every estate"


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
    for estate_id in StaffMembership.objects.filter(user=user).values_list("estate_id", flat=True):
        if estate_id is None:
            scope = ALL
            break
        scope.add(estate_id)
    user._lighthouse_estate_scope = scope
    return scope


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
    return set(StaffMembership.objects.filter(user=user).values_list("role", flat=True))


def managed_estate_ids(user) -> set[int] | None:
    """Estates whose staff assignments this user may change: company admins all, managers their own."""
    if getattr(user, "is_superuser", False):
        return ALL
    rows = StaffMembership.objects.filter(user=user, role__in=[Role.ESTATE_MANAGER, Role.COMPANY_ADMIN])
    ids: set[int] = set()
    for estate_id, role in rows.values_list("estate_id", "role"):
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
