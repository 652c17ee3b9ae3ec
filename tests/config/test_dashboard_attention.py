"""The dashboard home's needs-attention panels (issue 14): my queue with its SLA timers, sends in
progress with their progress bars, and the arrears actions due — each only what the signed-in
person may see, and nothing when there is nothing to do."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import Announcement, Delivery
from complaints.services import complaint_assign, complaint_submit
from complaints.services.arrears import arrears_case_open
from owners.models import Role
from tests.complaints.arrears_helpers import ledger_recent
from tests.factories import EstateFactory, OccupancyFactory, owner_with_account, staff_member

# The desk's usual world (an estate, a unit in 3号楼, its service staff, the noise category), read in English.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    return response.content.decode()


def _ticket(unit, noise, text):
    owner = owner_with_account(unit)
    return complaint_submit(resident=owner.resident, category=noise, description=text, unit=unit)


def test_my_queue_lists_my_open_tickets_soonest_deadline_first_with_overdue_in_red(client, estate, unit, noise, service):
    later = _ticket(unit, noise, "电梯异响已经三天")
    sooner = _ticket(unit, noise, "楼上漏水到客厅")
    not_mine = _ticket(unit, noise, "车位被占")
    for ticket in (later, sooner):
        complaint_assign(ticket, actor=service, assignee=service)
    complaint_assign(not_mine, actor=service, assignee=staff_member(estate, role=Role.SERVICE))
    type(sooner).objects.filter(pk=sooner.pk).update(response_due_at=timezone.now() - datetime.timedelta(hours=1))

    page = _home(client, service)

    assert 'id="my-queue"' in page
    section = page[page.index('id="my-queue"'):]
    assert sooner.number in section and later.number in section and not_mine.number not in section
    assert section.index(sooner.number) < section.index(later.number)
    overdue_row = section[section.index(sooner.number):section.index(later.number)]
    assert "text-danger" in overdue_row
    assert reverse("dashboard:complaint_queue") + "?status=open&amp;assignee=me" in section


def test_my_queue_is_not_shown_to_someone_with_no_tickets(client, service):
    assert 'id="my-queue"' not in _home(client, service)


def test_sends_in_progress_show_a_progress_bar_of_sent_and_failed(client, estate, unit, service):
    residents = [OccupancyFactory(unit=unit).resident for _ in range(4)]
    announcement = Announcement.objects.create(title="明日停水通知", body="明日9点至12点停水", kind="outage",
                                               author=service, status=Announcement.Status.SENDING, channels=["sms"],
                                               audience="estates")
    announcement.estates.add(estate)
    for resident, status in zip(residents, ["sent", "failed", "queued", "queued"], strict=True):
        Delivery.objects.create(announcement=announcement, resident=resident, channel="sms", status=status,
                                address=resident.mobile or "13800000000",
                                dedupe_key=f"a{announcement.pk}:{resident.pk}:sms:r0")

    page = _home(client, service)

    assert 'id="sends-in-progress"' in page
    section = page[page.index('id="sends-in-progress"'):]
    assert "明日停水通知" in section
    assert reverse("dashboard:announcement_detail", args=[announcement.pk]) in section
    assert 'aria-valuenow="50"' in section  # 1 sent + 1 failed of 4 are done
    assert "1 failed" in section


def test_sends_of_another_estate_are_not_shown(client, service):
    other = EstateFactory(name="翠湖苑")
    announcement = Announcement.objects.create(title="翠湖苑停电", body="停电", kind="outage",
                                               author=staff_member(other, role=Role.SERVICE),
                                               status=Announcement.Status.SENDING, channels=["sms"],
                                               audience="estates")
    announcement.estates.add(other)
    page = _home(client, service)
    assert "翠湖苑停电" not in page and 'id="sends-in-progress"' not in page


def test_arrears_actions_due_are_listed_for_staff_of_the_estate_only(client, estate, unit, service):
    owner_with_account(unit)
    ledger_recent(unit)
    case = arrears_case_open(unit=unit, actor=service)
    type(case).objects.filter(pk=case.pk).update(step_due_on=timezone.localdate() - datetime.timedelta(days=1))

    page = _home(client, service)
    assert 'id="arrears-due"' in page
    section = page[page.index('id="arrears-due"'):]
    assert reverse("dashboard:arrears_case", args=[case.pk]) in section

    engineer = staff_member(estate, role=Role.ENGINEER)  # no arrears permission: never sees one
    assert 'id="arrears-due"' not in _home(client, engineer)
    elsewhere = staff_member(EstateFactory(name="翠湖苑"), role=Role.SERVICE)
    assert 'id="arrears-due"' not in _home(client, elsewhere)
