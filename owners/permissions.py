"""Who may see what: the one place that decides a user's estate scope.

Selectors, views, the API and the admin all ask here; nobody filters by estate on their own.
"""

from .models import Occupancy, Resident, Role, StaffMembership, User

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


def resident_can_edit(actor, resident) -> bool:
    """May staff `actor` change this resident's details (or delete them)?

    Only when every home the resident has, or had, is in the actor's estates: otherwise a change
    of mobile or e-mail would redirect another estate's notices and sign-in links (finding E3).
    Company-wide roles may edit anyone.
    """
    scope = staff_estate_ids(actor)
    if scope is ALL:
        return True
    if not scope:
        return False
    return not Occupancy.objects.filter(resident=resident).exclude(unit__building__estate_id__in=scope).exists()


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
