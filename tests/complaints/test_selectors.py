"""Complaint reads: who may be assigned tickets, and the staff queue's scope and filters."""

import pytest

from complaints.selectors import assignable_staff
from owners.models import Role, StaffMembership
from owners.services import staff_roles_sync
from tests.factories import EstateFactory, staff_member

pytestmark = pytest.mark.django_db


def test_assignable_staff_are_the_estates_ticket_workers_and_company_wide_ones(estate, service, manager):
    engineer = staff_member(estate, role=Role.ENGINEER)
    head_office = staff_member(None, role=Role.COMPANY_ADMIN)
    spokesperson = staff_member(estate, role=Role.SPOKESPERSON)
    elsewhere = staff_member(EstateFactory(), role=Role.SERVICE)
    left = staff_member(estate, role=Role.SERVICE, is_active=False)
    assignable = set(assignable_staff(estate.pk))
    assert {service, manager, engineer, head_office} <= assignable
    assert not {spokesperson, elsewhere, left} & assignable


def test_a_role_counts_only_at_the_estate_where_it_is_held(estate):
    """An engineer of another estate who is only the spokesperson here must not be offered here,
    though their account carries the engineer's permissions."""
    person = staff_member(EstateFactory(), role=Role.ENGINEER)
    StaffMembership.objects.create(user=person, estate=estate, role=Role.SPOKESPERSON)
    staff_roles_sync(person)
    assert person not in assignable_staff(estate.pk)
    other = person.memberships.exclude(estate=estate).get().estate_id
    assert list(assignable_staff(other)) == [person]


def test_assignable_staff_lists_each_person_once(estate):
    person = staff_member(estate, role=Role.SERVICE)
    StaffMembership.objects.create(user=person, estate=None, role=Role.ENGINEER)
    staff_roles_sync(person)
    assert list(assignable_staff(estate.pk)).count(person) == 1
