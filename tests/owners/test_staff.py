"""Estate assignments: the one rule for who may grant what, enforced by the service itself."""

import pytest
from django.core.exceptions import PermissionDenied

from owners.models import Role, StaffMembership, User
from owners.permissions import membership_can_assign_user, membership_can_grant
from owners.selectors import membership_assignable_users_for
from owners.services import staff_membership_revoke, staff_membership_save
from tests.factories import EstateFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    sunny, lake = EstateFactory(name="阳光花园"), EstateFactory(name="翠湖苑")
    return {
        "sunny": sunny, "lake": lake,
        "manager": staff_member(sunny, role=Role.ESTATE_MANAGER),
        "service": staff_member(sunny, role=Role.SERVICE),
        "manager2": staff_member(lake, role=Role.ESTATE_MANAGER),
        "lake_service": staff_member(lake, role=Role.SERVICE),
        "spokesperson": staff_member(None, role=Role.SPOKESPERSON),
        "admin": staff_member(None, role=Role.COMPANY_ADMIN),
    }


def test_estate_manager_grants_only_their_estate_and_roles_up_to_their_own(people):
    manager2, lake, sunny = people["manager2"], people["lake"].pk, people["sunny"].pk
    assert membership_can_grant(manager2, lake, Role.ESTATE_MANAGER)
    assert membership_can_grant(manager2, lake, Role.SERVICE)
    assert not membership_can_grant(manager2, None, Role.SERVICE)
    assert not membership_can_grant(manager2, None, Role.COMPANY_ADMIN)
    assert not membership_can_grant(manager2, sunny, Role.SERVICE)
    assert not membership_can_grant(people["lake_service"], lake, Role.SERVICE)
    assert not membership_can_grant(people["spokesperson"], lake, Role.SERVICE)
    assert membership_can_grant(people["admin"], None, Role.COMPANY_ADMIN)


def test_service_refuses_a_company_wide_grant_and_saves_nothing(people):
    manager2 = people["manager2"]
    with pytest.raises(PermissionDenied):
        staff_membership_save(actor=manager2, membership=StaffMembership(user=manager2, estate=None, role=Role.ESTATE_MANAGER))
    own = StaffMembership.objects.get(user=manager2)
    own.estate = None
    with pytest.raises(PermissionDenied):
        staff_membership_save(actor=manager2, membership=own)
    assert list(StaffMembership.objects.filter(user=manager2).values_list("estate_id", flat=True)) == [people["lake"].pk]


def test_a_colleague_of_another_estate_cannot_be_attached(people):
    manager2, service = people["manager2"], people["service"]
    assert not membership_can_assign_user(manager2, service)
    with pytest.raises(PermissionDenied):
        staff_membership_save(actor=manager2, membership=StaffMembership(user=service, estate=people["lake"], role=Role.SERVICE))
    assert not StaffMembership.objects.filter(user=service, estate=people["lake"]).exists()


def test_who_may_be_assigned(people):
    newcomer = UserFactory()
    superuser = UserFactory(is_superuser=True)
    resident = UserFactory(kind=User.Kind.RESIDENT)
    choices = set(membership_assignable_users_for(people["manager2"]))
    assert newcomer in choices and people["lake_service"] in choices and people["manager2"] in choices
    # Staff of another estate, company-wide staff (estate = NULL), superusers and residents are not.
    assert not choices & {people["service"], people["manager"], people["spokesperson"], people["admin"], superuser, resident}
    assert {membership_can_assign_user(people["manager2"], u) for u in choices} == {True}
    assert people["service"] in set(membership_assignable_users_for(people["admin"]))


def test_manager_grants_within_their_estate_and_groups_follow(people):
    newcomer = UserFactory()
    staff_membership_save(actor=people["manager2"], membership=StaffMembership(user=newcomer, estate=people["lake"], role=Role.ENGINEER))
    newcomer = User.objects.get(pk=newcomer.pk)
    assert newcomer.has_perm("owners.view_unit") and not newcomer.has_perm("owners.add_resident")


def test_revoking_is_limited_to_what_one_could_grant(people):
    sunny_membership = StaffMembership.objects.get(user=people["service"])
    with pytest.raises(PermissionDenied):
        staff_membership_revoke(actor=people["manager2"], membership=sunny_membership)
    assert StaffMembership.objects.filter(pk=sunny_membership.pk).exists()
    staff_membership_revoke(actor=people["manager"], membership=sunny_membership)
    assert not StaffMembership.objects.filter(pk=sunny_membership.pk).exists()
    assert not User.objects.get(pk=people["service"].pk).has_perm("owners.view_unit")
