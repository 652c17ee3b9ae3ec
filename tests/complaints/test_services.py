"""Complaint services: the lifecycle, SLAs, ratings, follow-ups and what the owner is told."""

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from communications.models import Delivery
from complaints.models import Complaint, ComplaintEvent, FollowUp, SlaAlert, SlaPolicy, Status
from complaints.services import (
    complaint_assign,
    complaint_link,
    complaint_note,
    complaint_rate,
    complaint_reply,
    complaint_submit,
    complaint_transition,
    complaint_triage,
    follow_up_record,
    sla_sweep,
)
from owners.models import Role, StaffMembership
from tests.factories import EstateFactory, OccupancyFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


def _submit(owner, noise, **kw):
    return complaint_submit(resident=owner.resident, category=noise, description="楼上每晚装修到十一点", unit=owner.resident.occupancies.get().unit, **kw)


def test_submission_numbers_ticket_sets_deadlines_and_tells_the_owner(owner, noise, django_capture_on_commit_callbacks):
    SlaPolicy.objects.create(category=noise, priority="normal", first_response=timedelta(hours=2), resolution=timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        complaint = _submit(owner, noise)
    today = timezone.localdate().strftime("%Y%m%d")
    assert complaint.number == f"TS-{today}-0001"
    assert _submit(owner, noise).number == f"TS-{today}-0002"
    assert complaint.response_due_at - complaint.created_at == timedelta(hours=2)
    assert complaint.resolution_due_at - complaint.created_at == timedelta(days=1)
    notice = Delivery.objects.get(topic="complaint.received", body__contains=complaint.number)
    assert complaint.number in notice.body and notice.status == "sent"


def test_owner_cannot_complain_about_someone_elses_unit(owner, noise):
    stranger_unit = UnitFactory()
    with pytest.raises(ValidationError):
        complaint_submit(resident=owner.resident, category=noise, description="x", unit=stranger_unit)
    with pytest.raises(ValidationError):
        complaint_submit(resident=owner.resident, category=noise, description="x", estate=EstateFactory())
    assert not Complaint.objects.exists()


def test_common_area_complaint_needs_no_unit(owner, noise, estate):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="地库灯坏了", estate=estate, location="B1 车库")
    assert complaint.unit is None and complaint.estate == estate and "B1" in complaint.where


def test_full_lifecycle_writes_the_timeline(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "start", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已与楼上业主沟通，装修改为白天")
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED and complaint.first_response_at and complaint.resolved_at
    kinds = list(complaint.events.values_list("kind", "to_status"))
    assert kinds == [("submitted", "submitted"), ("transition", "acknowledged"), ("transition", "in_progress"), ("transition", "resolved")]
    assert all(e.actor == service for e in complaint.events.exclude(kind="submitted"))
    follow_up = FollowUp.objects.get(complaint=complaint)
    assert follow_up.due_at.date() == (complaint.resolved_at + timedelta(days=noise.follow_up_days)).date()


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_illegal_transition_is_refused_and_changes_nothing(owner, noise, service, action):
    complaint = _submit(owner, noise)
    with pytest.raises(ValidationError) as caught:
        complaint_transition(complaint, action, actor=service)
    assert caught.value.code == "illegal_transition"
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED and complaint.events.count() == 1


def test_reject_needs_a_reason_the_owner_sees(owner, noise, service):
    complaint = _submit(owner, noise)
    with pytest.raises(ValidationError):
        complaint_transition(complaint, "reject", actor=service, text="  ")
    complaint_transition(complaint, "reject", actor=service, text="不属于物业管理范围，请联系社区居委会")
    complaint.refresh_from_db()
    assert complaint.status == Status.REJECTED and "居委会" in complaint.rejection_reason
    assert complaint.events.filter(public=True, to_status="rejected", body__contains="居委会").exists()


def test_staff_of_another_estate_cannot_act(owner, noise):
    outsider = staff_member(EstateFactory(), role=Role.SERVICE)
    complaint = _submit(owner, noise)
    with pytest.raises(PermissionDenied):
        complaint_transition(complaint, "acknowledge", actor=outsider)
    spokesperson = staff_member(complaint.estate, role=Role.SPOKESPERSON)
    with pytest.raises(PermissionDenied):
        complaint_note(complaint, actor=spokesperson, text="x")


def test_internal_notes_are_not_public_and_replies_are(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_note(complaint, actor=service, text="业主情绪激动，注意沟通方式")
    complaint_reply(complaint, actor=service, text="您好，我们今晚会上门查看")
    public = list(complaint.events.filter(public=True).values_list("body", flat=True))
    assert any("我们今晚会上门查看" in b for b in public) and not any("情绪激动" in b for b in public)
    complaint.refresh_from_db()
    assert complaint.first_response_at is not None  # a reply is a first response


def test_priority_change_recomputes_deadlines_from_submission(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_triage(complaint, actor=service, priority="urgent")
    complaint.refresh_from_db()
    assert complaint.response_due_at - complaint.created_at == SlaPolicy.DEFAULTS["urgent"][0]
    assert complaint.events.filter(kind="triaged").exists()


def test_assignment_only_to_staff_of_the_estate(owner, noise, service):
    complaint = _submit(owner, noise)
    engineer = staff_member(complaint.estate, role=Role.ENGINEER)
    complaint_assign(complaint, assignee=engineer, actor=service)
    complaint.refresh_from_db()
    assert complaint.assignee == engineer
    # The owner sees the role, never the name.
    assert complaint.events.filter(kind="assigned", public=True).get().text.count(engineer.first_name) == 0
    with pytest.raises(ValidationError):
        complaint_assign(complaint, assignee=staff_member(EstateFactory(), role=Role.ENGINEER), actor=service)


def test_low_rating_reopens_and_flags_to_manager(owner, noise, service, manager, django_capture_on_commit_callbacks):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    with django_capture_on_commit_callbacks(execute=True):
        complaint_rate(complaint, user=owner, rating=2, comment="还是很吵")
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED and complaint.flagged and complaint.rating == 2
    assert Delivery.objects.filter(user=manager, topic="complaint.reopened").exists()
    with pytest.raises(ValidationError):
        complaint_rate(complaint, user=owner, rating=5)


def test_satisfied_rating_closes(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    complaint_rate(complaint, user=owner, rating=5, comment="很及时")
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.rating == 5


def test_not_solved_reopens_even_with_good_stars(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    complaint_rate(complaint, user=owner, rating=4, solved=False)
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED and complaint.flagged


def test_owner_cannot_rate_another_owners_ticket(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    from tests.factories import owner_with_account

    neighbour = owner_with_account(unit=UnitFactory(building=complaint.unit.building))
    with pytest.raises(PermissionDenied):
        complaint_rate(complaint, user=neighbour, rating=1)
    complaint.refresh_from_db()
    assert complaint.rating is None


def test_unsatisfied_follow_up_reopens(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    follow_up_record(complaint, actor=service, outcome="unsatisfied", notes="业主说晚上仍有噪音")
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED and complaint.flagged
    with pytest.raises(ValidationError):
        follow_up_record(complaint, actor=service, outcome="satisfied")


def test_linking_only_within_an_estate(owner, noise, service):
    a, b = _submit(owner, noise), _submit(owner, noise)
    complaint_link(a, b, actor=service, kind="dispute")
    complaint_link(b, a, actor=service)  # the same pair again: no second link
    assert a.events.filter(kind="linked").count() == 1
    elsewhere = OccupancyFactory()
    other = complaint_submit(resident=elsewhere.resident, category=noise, description="x", unit=elsewhere.unit)
    with pytest.raises(ValidationError):
        complaint_link(a, other, actor=service)


def test_sla_breach_escalates_once_even_when_the_sweep_runs_twice(owner, noise, service, manager, django_capture_on_commit_callbacks):
    complaint = _submit(owner, noise)
    complaint_assign(complaint, assignee=service, actor=manager)
    later = complaint.response_due_at + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = sla_sweep(now=later)
        second = sla_sweep(now=later)
    assert first["breaches"] == 1 and second["breaches"] == 0
    complaint.refresh_from_db()
    assert complaint.response_breached
    assert Delivery.objects.filter(user=manager, topic="complaint.sla_breach").count() == 1
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="sla_breach", public=False).count() == 1


def test_sla_warning_goes_to_the_assignee_before_the_deadline(owner, noise, service, manager):
    complaint = _submit(owner, noise)
    complaint_assign(complaint, assignee=service, actor=manager)
    almost = complaint.response_due_at - timedelta(minutes=5)
    assert sla_sweep(now=almost)["warnings"] == 1
    assert sla_sweep(now=almost)["warnings"] == 0
    assert SlaAlert.objects.filter(complaint=complaint, kind="response_warning").count() == 1
    assert Delivery.objects.filter(user=service, topic="complaint.sla_warning").count() == 1


def test_a_new_deadline_after_triage_gets_its_own_alerts(owner, noise, service, manager):
    complaint = _submit(owner, noise)
    sla_sweep(now=complaint.response_due_at + timedelta(minutes=1))
    complaint_triage(complaint, actor=service, priority="low")
    complaint.refresh_from_db()
    assert sla_sweep(now=complaint.response_due_at + timedelta(minutes=1))["breaches"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_once(owner, noise, service, manager):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    complaint = _submit(owner, noise)
    later = complaint.response_due_at + timedelta(minutes=1)
    results, barrier = [], threading.Barrier(2)

    def sweep():
        barrier.wait()
        results.append(sla_sweep(now=later)["breaches"])
        connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [0, 1]
    assert Delivery.objects.filter(user=manager, topic="complaint.sla_breach").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_resolving_and_rejecting_at_once_leave_one_consistent_state(owner, noise, service, manager):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to race two transactions")
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    outcomes, barrier = [], threading.Barrier(2)

    def act(action, who, text):
        barrier.wait()
        try:
            complaint_transition(Complaint.objects.get(pk=complaint.pk), action, actor=who, text=text)
            outcomes.append(action)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=("resolve", service, "修好了")), threading.Thread(target=act, args=("reject", manager, "重复工单"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) in (["refused", "resolve"], ["refused", "reject"])
    complaint.refresh_from_db()
    assert complaint.status in (Status.RESOLVED, Status.REJECTED)
    assert complaint.events.filter(kind="transition", to_status__in=["resolved", "rejected"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_complaint_survives_a_broker_outage_and_is_acknowledged_afterwards(owner, noise, gateway):
    """A second app process whose Redis is down takes a complaint: it is saved, and the
    acknowledgement waits in the outbox until the sweeper sends it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a second process submits against the test database")
    from tests.conftest import ROOT, test_database_url

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DATABASE_URL": test_database_url(),
           "REDIS_URL": "redis://127.0.0.1:9/0", "CACHE_URL": "", "NOTIFY_GATEWAY_URL": gateway.url}
    script = (
        "from complaints.models import Category; from owners.models import Resident; "
        "from complaints.services import complaint_submit; "
        f"r = Resident.objects.get(pk={owner.resident.pk}); "
        f"c = complaint_submit(resident=r, category=Category.objects.get(pk={noise.pk}), description='停电了', unit=r.occupancies.get().unit); "
        "print(c.number)"
    )
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    number = result.stdout.strip().splitlines()[-1]
    assert Complaint.objects.filter(number=number).exists()
    notice = Delivery.objects.get(topic="complaint.received")
    assert notice.status == "queued" and gateway.received == []
    # The broker is back: the periodic sweeper finds the notice and sends it once.
    from communications.services.deliveries import delivery_sweep, sweep_grace

    Delivery.objects.filter(pk=notice.pk).update(created_at=timezone.now() - sweep_grace())
    assert delivery_sweep() == 1
    [text] = gateway.texts_to(owner.resident.mobile)
    assert number in text


def test_a_failure_while_announcing_a_breach_leaves_no_alert_and_the_next_sweep_announces_it(
        owner, noise, service, manager, monkeypatch, django_capture_on_commit_callbacks):
    from complaints.services import notify

    complaint = _submit(owner, noise)
    complaint_assign(complaint, assignee=service, actor=manager)
    later = complaint.response_due_at + timedelta(minutes=1)
    real = notify.notice_send

    def notice_recording_fails(**kwargs):
        raise RuntimeError("the process died while recording the notice")

    monkeypatch.setattr(notify, "notice_send", notice_recording_fails)
    with django_capture_on_commit_callbacks(execute=True):
        failed = sla_sweep(now=later)
    assert failed["breaches"] == 0 and failed["failed"] == 1
    complaint.refresh_from_db()
    assert not complaint.response_breached
    assert not SlaAlert.objects.filter(complaint=complaint).exists()
    assert not ComplaintEvent.objects.filter(complaint=complaint, kind="sla_breach").exists()

    monkeypatch.setattr(notify, "notice_send", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(now=later)["breaches"] == 1
    complaint.refresh_from_db()
    assert complaint.response_breached
    assert Delivery.objects.filter(user=manager, topic="complaint.sla_breach").count() == 1
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="sla_breach").count() == 1


def test_the_owner_is_told_the_role_the_assignee_holds_at_this_estate(owner, noise, manager):
    complaint = _submit(owner, noise)
    person = staff_member(complaint.estate, role=Role.SERVICE)
    StaffMembership.objects.create(user=person, estate=EstateFactory(), role=Role.ENGINEER)
    complaint_assign(complaint, assignee=person, actor=manager)
    body = complaint.events.get(kind="assigned").text
    assert "客服" in body or "Service staff" in body
    assert "Engineer" not in body and "工程" not in body


def test_an_estate_without_a_manager_escalates_to_the_company_administrators(noise, service, django_capture_on_commit_callbacks):
    from tests.factories import owner_with_account

    resident = owner_with_account(unit=UnitFactory(building__estate=service.memberships.get().estate))
    head_office = staff_member(None, role=Role.COMPANY_ADMIN, email="hq@example.com")
    complaint = complaint_submit(resident=resident.resident, category=noise, description="x", unit=resident.resident.occupancies.get().unit)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    with django_capture_on_commit_callbacks(execute=True):
        complaint_rate(complaint, user=resident, rating=1)
    assert Delivery.objects.filter(user=head_office, topic="complaint.reopened").exists()


def test_the_home_check_is_one_rule_for_every_door(owner, noise, estate):
    from complaints.services import complaint_submit_check

    unit = owner.resident.occupancies.get().unit
    assert complaint_submit_check(resident=owner.resident, unit=unit.pk).unit == unit
    assert complaint_submit_check(resident=owner.resident, estate=estate.pk).estate_id == estate.pk
    assert complaint_submit_check(resident=owner.resident).estate_id == estate.pk  # the one estate they live in
    with pytest.raises(ValidationError) as caught:
        complaint_submit_check(resident=owner.resident, unit=UnitFactory().pk)
    assert "unit" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        complaint_submit_check(resident=owner.resident, estate=EstateFactory())
    assert "estate" in caught.value.message_dict


def test_staff_log_for_an_owner_only_with_a_role_that_logs_and_in_their_estates(owner, noise, service):
    from complaints.services import complaint_log_for_owner

    unit = owner.resident.occupancies.get().unit
    for refused in (staff_member(None, role=Role.SPOKESPERSON), staff_member(EstateFactory(), role=Role.SERVICE)):
        with pytest.raises(PermissionDenied):
            complaint_log_for_owner(actor=refused, resident=owner.resident, category=noise, description="来电", unit=unit)
    assert not Complaint.objects.exists()
    complaint = complaint_log_for_owner(actor=service, resident=owner.resident, category=noise, description="来电",
                                        unit=unit, channel="in_person", priority="high")
    assert (complaint.logged_by, complaint.channel, complaint.priority) == (service, "in_person", "high")
    assert complaint.events.get().actor == service


def _resolved(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    return complaint


def test_a_satisfied_rating_is_the_owners_accept_move_and_staff_cannot_take_it(owner, noise, service):
    complaint = _resolved(owner, noise, service)
    with pytest.raises(PermissionDenied):
        complaint_transition(complaint, "accept", actor=service)
    complaint_rate(complaint, user=owner, rating=4)
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.closed_at
    last = complaint.events.order_by("-id").first()
    assert (last.kind, last.actor, last.from_status, last.to_status) == ("transition", owner, "resolved", "closed")


def test_the_owner_reopens_a_closed_ticket_only_within_a_week_and_never_a_rejected_one(owner, noise, service):
    from complaints.lifecycle import OWNER_REOPEN_DAYS

    complaint = _resolved(owner, noise, service)
    complaint_transition(complaint, "close", actor=service)
    complaint_transition(complaint, "reopen", actor=owner, owner=True, text="又漏了")
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED and complaint.flagged
    complaint_transition(complaint, "resolve", actor=service, text="再次处理")
    complaint_transition(complaint, "close", actor=service)
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - timedelta(days=OWNER_REOPEN_DAYS, hours=1))
    with pytest.raises(ValidationError) as caught:
        complaint_transition(complaint, "reopen", actor=owner, owner=True)
    assert caught.value.code == "illegal_transition"
    rejected = _submit(owner, noise)
    complaint_transition(rejected, "reject", actor=service, text="不属于物业管理范围")
    with pytest.raises(ValidationError):
        complaint_transition(rejected, "reopen", actor=owner, owner=True)
    complaint.refresh_from_db()
    rejected.refresh_from_db()
    assert (complaint.status, rejected.status) == (Status.CLOSED, Status.REJECTED)
    complaint_transition(complaint, "reopen", actor=service)  # staff are not bound by the owner's week
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED


def test_the_owners_sms_about_a_complaint_is_chinese_to_the_end(owner, noise, django_capture_on_commit_callbacks):
    """The link line used to read "Details:" in English: gettext sat inside an f-string makemessages cannot read."""
    with django_capture_on_commit_callbacks(execute=True):
        complaint = _submit(owner, noise)
    body = Delivery.objects.get(topic="complaint.received", body__contains=complaint.number).body
    assert "Details" not in body
    assert "详情：http" in body and body.endswith(f"/portal/complaints/{complaint.number}/")
