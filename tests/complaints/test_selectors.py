"""Complaint reads: who may be assigned tickets, and the staff queue's scope and filters."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.filters import ComplaintQueueFilter
from complaints.models import Complaint
from complaints.selectors import assignable_staff, complaint_queue_queryset
from complaints.services import complaint_assign, complaint_submit, complaint_transition
from owners.models import Role, StaffMembership
from owners.services import staff_roles_sync
from tests.factories import EstateFactory, owner_with_account, staff_member

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


# ---- The queue: scope and the one filter behind the page and the API -------------------------

@pytest.fixture
def tickets(owner, noise, service, manager):
    """Three tickets of the owner's estate (one assigned to `service`, one urgent and overdue,
    one resolved) and one of another estate."""
    unit = owner.resident.occupancies.get().unit
    mine = complaint_submit(resident=owner.resident, category=noise, description="楼上漏水", unit=unit)
    complaint_assign(mine, assignee=service, actor=manager)
    late = complaint_submit(resident=owner.resident, category=noise, description="电梯困人", unit=unit, priority="urgent")
    Complaint.objects.filter(pk=late.pk).update(response_due_at=timezone.now() - timedelta(hours=1))
    done = complaint_submit(resident=owner.resident, category=noise, description="路灯不亮", unit=unit)
    complaint_transition(done, "acknowledge", actor=service)
    complaint_transition(done, "resolve", actor=service, text="已更换")
    neighbour = owner_with_account()
    foreign = complaint_submit(resident=neighbour.resident, category=noise, description="外小区", unit=neighbour.resident.occupancies.get().unit)
    return {"mine": mine, "late": late, "done": done, "foreign": foreign}


def _numbers(user, params=None):
    return {c.number for c in complaint_queue_queryset(user, params)}


def test_the_queue_shows_staff_their_estates_and_owners_their_own(tickets, owner, service):
    in_estate = {tickets[k].number for k in ("mine", "late", "done")}
    assert _numbers(service) == in_estate
    assert _numbers(owner) == in_estate
    assert _numbers(tickets["foreign"].resident.user) == {tickets["foreign"].number}
    assert _numbers(owner_with_account()) == set()
    assert _numbers(staff_member(None, role=Role.COMPANY_ADMIN)) == in_estate | {tickets["foreign"].number}


def test_the_queue_filter_applies_each_parameter(tickets, service, noise):
    t = {k: v.number for k, v in tickets.items()}
    assert _numbers(service, {"status": "open"}) == {t["mine"], t["late"]}
    assert _numbers(service, {"status": "resolved"}) == {t["done"]}
    assert _numbers(service, {"overdue": "on"}) == _numbers(service, {"overdue": "1"}) == {t["late"]}
    assert _numbers(service, {"overdue": "0"}) == {t["mine"], t["late"], t["done"]}
    assert _numbers(service, {"priority": "urgent"}) == {t["late"]}
    assert _numbers(service, {"assignee": "me"}) == _numbers(service, {"assignee": str(service.pk)}) == {t["mine"]}
    assert _numbers(service, {"assignee": "none"}) == {t["late"], t["done"]}
    assert _numbers(service, {"q": t["late"].lower()}) == {t["late"]}
    assert _numbers(service, {"q": "漏水"}) == {t["mine"]}
    assert _numbers(service, {"q": tickets["mine"].resident.mobile}) == {t["mine"], t["late"], t["done"]}
    assert _numbers(service, {"category": str(noise.pk), "building": str(tickets["mine"].building_id)}) == {t["mine"], t["late"], t["done"]}
    newest_first = [c.number for c in complaint_queue_queryset(service, {"order": "new"})]
    assert newest_first == [t["done"], t["late"], t["mine"]]


@pytest.mark.parametrize("params", [
    {"category": "99999999999999999999"}, {"building": "²"}, {"assignee": "-3"}, {"status": "lost"},
    {"priority": "asap"}, {"order": "random"}, {"estate": "0"},
])
def test_values_that_do_not_validate_are_ignored(tickets, service, params):
    assert _numbers(service, params) == _numbers(service)
    values = ComplaintQueueFilter(params, user=service).values
    assert values[next(iter(params))] in ("", None, "due")


def test_another_estates_id_is_ignored_not_applied(tickets, service):
    foreign_estate = tickets["foreign"].estate_id
    assert _numbers(service, {"estate": str(foreign_estate)}) == _numbers(service)
    assert ComplaintQueueFilter({"estate": str(foreign_estate)}, user=service).values["estate"] is None
    assert ComplaintQueueFilter({"estate": str(tickets["mine"].estate_id)}, user=service).values["estate"] == tickets["mine"].estate_id


@pytest.mark.parametrize("query", [
    {}, {"overdue": "on"}, {"status": "open", "order": "new"}, {"assignee": "me"}, {"estate": "FOREIGN"},
    {"category": "99999999999999999999"}, {"q": "漏水"},
])
def test_the_page_and_the_api_answer_the_same_rows_for_the_same_query(client, tickets, service, query):
    """The API used to apply another estate's id (and answer nothing) where the page ignored it."""
    query = {k: (str(tickets["foreign"].estate_id) if v == "FOREIGN" else v) for k, v in query.items()}
    client.force_login(service)
    page = [c.number for c in client.get(reverse("dashboard:complaint_queue"), query).context["rows"]]
    api = APIClient()
    api.force_authenticate(service)
    listed = [c["number"] for c in api.get("/api/v1/complaints/", query).json()["results"]]
    assert page == listed and page
