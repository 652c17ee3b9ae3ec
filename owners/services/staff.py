"""Estate assignments: who works where, in which role. The only door for granting access."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import StaffMembership, User
from ..permissions import membership_can_assign_user, membership_can_grant
from .accounts import staff_roles_sync


def staff_membership_check(*, actor: User, membership: StaffMembership) -> None:
    """Raise PermissionDenied unless `actor` may save `membership` as it now stands.

    The assignment as it was (for a change) and as it will be must both lie within what the actor
    manages, and a new or re-pointed assignment may only go to an account the actor administers.
    """
    before = StaffMembership.objects.filter(pk=membership.pk).first() if membership.pk else None
    if before is not None and not membership_can_grant(actor, before.estate_id, before.role):
        raise PermissionDenied(_("You may not change this assignment."))
    if not membership_can_grant(actor, membership.estate_id, membership.role):
        raise PermissionDenied(_("You may only assign roles up to your own, in the estates you manage."))
    # A membership formed on the page that creates its account has no user yet: a new account.
    if membership.user_id is not None and not membership_can_assign_user(actor, membership.user):
        raise PermissionDenied(_("You may only assign staff who work only in the estates you manage."))


@transaction.atomic
def staff_membership_save(*, actor: User, membership: StaffMembership) -> StaffMembership:
    """Create or change an estate assignment on behalf of `actor` (see staff_membership_check);
    the groups and admin access of everyone affected follow at once."""
    staff_membership_check(actor=actor, membership=membership)
    before_user_id = (
        StaffMembership.objects.filter(pk=membership.pk).values_list("user_id", flat=True).first() if membership.pk else None
    )
    membership.full_clean()
    membership.save()
    staff_roles_sync(membership.user)
    if before_user_id and before_user_id != membership.user_id:
        staff_roles_sync(User.objects.get(pk=before_user_id))
    return membership


@transaction.atomic
def staff_membership_revoke(*, actor: User, membership: StaffMembership) -> None:
    """Remove an assignment the actor could have granted. Taking back access never widens it, so
    the account may also work elsewhere."""
    membership = StaffMembership.objects.select_related("user").get(pk=membership.pk)
    if not membership_can_grant(actor, membership.estate_id, membership.role):
        raise PermissionDenied(_("You may not change this assignment."))
    user = membership.user
    membership.delete()
    staff_roles_sync(user)
