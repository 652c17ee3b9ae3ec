"""Ticket events land in the staff inbox (the bell and "my work"), once, with their event."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import InboxItem
from complaints.models import FollowUp
from complaints.services import complaint_assign, complaint_rate, complaint_submit, complaint_transition
from complaints.services.notify import follow_ups_overdue_inbox
from owners.models import Role
from tests.factories import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(owner, noise):
    return complaint_submit(resident=owner.resident, category=noise, description="楼上装修噪音", unit=owner.resident.occupancies.get().unit)


def _items(user, kind=None):
    qs = InboxItem.objects.filter(recipient=user)
    return list(qs.filter(kind=kind) if kind else qs)


def _resolved(ticket, service):
    complaint_assign(ticket, assignee=service, actor=service)
    for action in ("acknowledge", "start", "resolve"):
        ticket = complaint_transition(ticket, action, actor=service, text="已处理" if action == "resolve" else "")
    return ticket


def test_a_ticket_assigned_to_me_waits_in_my_inbox_and_links_to_it(ticket, service, manager):
    complaint_assign(ticket, assignee=service, actor=manager)
    [item] = _items(service)
    assert item.kind == InboxItem.Kind.ASSIGNED and item.read_at is None
    assert item.target_url == reverse("dashboard:complaint_detail", args=[ticket.number])
    assert ticket.number in item.title
    assert _items(manager) == []  # who assigned it is not told


def test_assigning_myself_puts_nothing_in_my_inbox(ticket, service):
    complaint_assign(ticket, assignee=service, actor=service)
    assert _items(service) == []


def test_a_low_rating_reaches_the_assignee_and_the_manager(ticket, service, manager, owner):
    ticket = _resolved(ticket, service)
    complaint_rate(ticket, user=owner, rating=1, comment="根本没解决", solved=False)
    for person in (service, manager):
        [item] = _items(person, InboxItem.Kind.LOW_RATED)
        assert ticket.number in item.title and "1" in item.title


def test_an_owner_reopening_a_closed_ticket_reaches_the_assignee(ticket, service, manager, owner):
    ticket = _resolved(ticket, service)
    ticket = complaint_rate(ticket, user=owner, rating=5)  # satisfied: closed
    complaint_transition(ticket, "reopen", actor=owner, owner=True)
    assert [i.kind for i in _items(service, InboxItem.Kind.REOPENED)] == ["reopened"]
    assert len(_items(manager, InboxItem.Kind.REOPENED)) == 1


def test_an_overdue_follow_up_waits_once_in_its_assignees_inbox(ticket, service):
    _resolved(ticket, service)
    FollowUp.objects.filter(complaint=ticket).update(due_at=timezone.now() - timedelta(hours=2))
    assert follow_ups_overdue_inbox() == 1
    follow_ups_overdue_inbox()  # the next sweep adds nothing
    [item] = _items(service, InboxItem.Kind.FOLLOW_UP_OVERDUE)
    assert ticket.number in item.title


def test_a_follow_up_not_yet_due_or_done_stays_out(ticket, service):
    _resolved(ticket, service)
    follow_ups_overdue_inbox()
    assert _items(service, InboxItem.Kind.FOLLOW_UP_OVERDUE) == []


def test_an_engineer_of_another_estate_gets_nothing(ticket, service, manager):
    from tests.factories import EstateFactory

    stranger = staff_member(EstateFactory(), role=Role.ESTATE_MANAGER)
    complaint_assign(ticket, assignee=service, actor=manager)
    assert _items(stranger) == []


def test_the_sla_sweep_task_also_sweeps_overdue_follow_ups(ticket, service):
    from complaints.tasks import complaints_sla_sweep

    _resolved(ticket, service)
    FollowUp.objects.filter(complaint=ticket).update(due_at=timezone.now() - timedelta(hours=2))
    complaints_sla_sweep()
    assert len(_items(service, InboxItem.Kind.FOLLOW_UP_OVERDUE)) == 1


def test_the_home_lists_an_overdue_follow_up_with_what_the_ticket_was_about(client, ticket, service):
    _resolved(ticket, service)
    FollowUp.objects.filter(complaint=ticket).update(due_at=timezone.now() - timedelta(hours=2))
    client.force_login(service)
    home = client.get(reverse("dashboard:home")).content.decode()
    assert ticket.number in home and "楼上装修噪音" in home  # not a bare number to open one by one
