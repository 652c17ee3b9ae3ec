"""The queue's search as staff use it (the page and the API share it): each way of matching —
words of the text, part of a ticket number, an owner's name or mobile, a unit — finds its
tickets, one search can match in several ways at once, and the results keep the queue's order
and scope. (Built as one OR over plain conditions so PostgreSQL plans it with the page's order
and limit: complaints/filters.py.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint
from complaints.selectors import complaint_queue, complaint_queue_queryset
from complaints.services import complaint_submit
from owners.models import Role
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


def _ticket(occupancy, noise, text, due_in_hours):
    ticket = complaint_submit(resident=occupancy.resident, category=noise, description=text, unit=occupancy.unit)
    Complaint.objects.filter(pk=ticket.pk).update(response_due_at=timezone.now() + timedelta(hours=due_in_hours))
    return Complaint.objects.get(pk=ticket.pk)


def _home(estate, building, room):
    return OccupancyFactory(unit=UnitFactory(building=BuildingFactory(estate=estate, name=building), number=room, entrance="1"))


def _found(user, q, **params):
    return [c.number for c in complaint_queue_queryset(user, {"q": q, **params}, open_by_default=True)]


def test_a_phrase_in_many_tickets_lists_them_soonest_due_first_and_pages(estate, noise, service):
    home = _home(estate, "3号楼", "501")
    made = [_ticket(home, noise, f"楼道灯坏了，再不处理的话我们只能自己修了（{i}）", due_in_hours=10 - i) for i in range(6)]
    _ticket(home, noise, "电梯异响", due_in_hours=0.5)
    assert _found(service, "再不处理") == [t.number for t in sorted(made, key=lambda t: (t.due_at, t.pk))]
    rows, more = complaint_queue(service, {"q": "再不处理"}, limit=4)
    assert len(rows) == 4 and more


def test_one_search_matches_text_owner_unit_and_number_together(estate, noise, service):
    home, other = _home(estate, "3号楼", "501"), _home(estate, "5号楼", "802")
    by_unit = _ticket(home, noise, "水压低", 5)
    by_text = _ticket(other, noise, "我家在3-501对面，门口堆了垃圾", 6)
    unrelated = _ticket(other, noise, "噪音", 7)
    assert set(_found(service, "3-501")) == {by_unit.number, by_text.number}
    assert set(_found(service, other.resident.mobile)) == {by_text.number, unrelated.number}
    assert _found(service, by_unit.number[-5:]) == [by_unit.number]
    assert _found(service, "电梯困人") == []


def test_a_company_wide_unit_search_finds_that_unit_in_every_estate_and_an_estate_user_only_theirs(estate, noise, service):
    here = _ticket(_home(estate, "6号楼", "901"), noise, "漏水", 5)
    there = _ticket(_home(EstateFactory(), "6号楼", "901"), noise, "漏水", 6)
    head_office = staff_member(None, role=Role.COMPANY_ADMIN)
    assert set(_found(head_office, "6-901")) == {here.number, there.number}
    assert _found(service, "6-901") == [here.number]
    assert set(_found(head_office, "6号楼901")) == {here.number, there.number}


def test_searching_open_tickets_leaves_out_closed_ones_unless_asked(estate, noise, service):
    from complaints.services import complaint_transition

    home = _home(estate, "2号楼", "301")
    done = _ticket(home, noise, "再不处理就来不及了", 5)
    complaint_transition(done, "acknowledge", actor=service)
    complaint_transition(done, "resolve", actor=service, text="已处理")
    assert _found(service, "2-301") == []
    assert _found(service, "2-301", status="all") == [done.number]
