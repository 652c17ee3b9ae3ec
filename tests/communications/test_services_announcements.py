"""Announcement services: every move follows lifecycle.ANNOUNCEMENT and leaves a history entry
saying who did it, when, from which status, and with what note; a send reaches its audience once,
minds opt-outs and quiet hours (emergencies excepted), stops when cancelled and falls back to
e-mail when a number is invalid."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communications.lifecycle import ANNOUNCEMENT
from communications.models import Announcement, AnnouncementEvent, Delivery, SavedAudience
from communications.services import announcements as svc
from communications.services import delivery_sweep
from communications.services.audience import fan_out
from owners.models import Role
from tests.communications.conftest import notice_draft
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_residents(estate):
    """Three residents of the estate with every channel open."""
    building = BuildingFactory(estate=estate)
    people = [ResidentFactory() for _ in range(3)]
    for resident in people:
        OccupancyFactory(resident=resident, unit=UnitFactory(building=building))
    return people


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"


def _draft(writer, estate, **fields):
    values = dict(kind="emergency", title="燃气泄漏，请立即撤离", body="3号楼燃气泄漏，请立即撤离。", channels=["portal"], audience="estates")
    values.update(fields)
    return svc.announcement_create(author=writer, estates=[estate], **values)


def _history(announcement):
    return [(e.kind, e.actor, e.from_status, e.to_status, e.note) for e in AnnouncementEvent.objects.filter(announcement=announcement)]


def test_history_says_who_drafted_asked_returned_approved_and_sent(writer, manager, estate, three_residents,
                                                                   django_capture_on_commit_callbacks):
    draft = _draft(writer, estate)
    svc.announcement_request_approval(draft, actor=writer)
    svc.announcement_return(draft, actor=manager, note="写明撤离集合点")
    svc.announcement_edit(draft, actor=writer, body="3号楼燃气泄漏，请立即撤离到南门广场。")
    svc.announcement_request_approval(draft, actor=writer)
    svc.announcement_approve(draft, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        svc.announcement_publish(draft, actor=writer)
    assert Announcement.objects.get(pk=draft.pk).status == "sent"
    assert _history(draft) == [
        ("drafted", writer, "", "draft", ""),
        ("submitted", writer, "draft", "pending_approval", ""),
        ("returned", manager, "pending_approval", "draft", "写明撤离集合点"),
        ("edited", writer, "draft", "draft", ""),
        ("submitted", writer, "draft", "pending_approval", ""),
        ("approved", manager, "pending_approval", "approved", ""),
        ("sending", writer, "approved", "sending", ""),
        ("sent", None, "sending", "sent", ""),
    ]


def test_only_an_approver_returns_and_only_with_a_note(writer, manager, estate):
    draft = _draft(writer, estate)
    svc.announcement_request_approval(draft, actor=writer)
    with pytest.raises(PermissionDenied):
        svc.announcement_return(draft, actor=writer, note="我自己退回")
    with pytest.raises(ValidationError) as empty:
        svc.announcement_return(draft, actor=manager, note="  ")
    assert "note" in empty.value.message_dict
    assert Announcement.objects.get(pk=draft.pk).status == "pending_approval"
    assert [kind for kind, *_ in _history(draft)] == ["drafted", "submitted"]  # refusals leave no trace


def test_a_refused_move_changes_nothing_and_says_why(writer, manager, estate):
    draft = _draft(writer, estate)
    with pytest.raises(ValidationError) as unapproved:
        svc.announcement_publish(draft, actor=writer)
    assert unapproved.value.code == "needs_approval"
    with pytest.raises(ValidationError) as not_waiting:
        svc.announcement_return(draft, actor=manager, note="?")
    assert not_waiting.value.code == "illegal_transition"
    with pytest.raises(PermissionDenied):
        svc.announcement_approve(draft, actor=writer)
    assert Announcement.objects.get(pk=draft.pk).status == "draft"
    assert len(_history(draft)) == 1


def test_cancel_records_who_and_how_many_messages_stopped(writer, estate, three_residents):
    announcement = svc.announcement_publish(_draft(writer, estate, kind="general", channels=["portal", "sms"]), actor=writer)
    stopped = svc.announcement_cancel(announcement, actor=writer)
    assert stopped == Delivery.objects.filter(announcement=announcement, status="cancelled").count() == 3  # the SMS
    kind, actor, before, after, note = _history(announcement)[-1]
    assert (kind, actor, before, after) == ("cancelled", writer, "sending", "cancelled") and "3" in note
    with pytest.raises(ValidationError):
        svc.announcement_cancel(announcement, actor=writer)
    assert len(_history(announcement)) == 3


def test_a_scheduled_announcement_is_released_by_the_scheduler(writer, estate, three_residents):
    later = timezone.now() + timedelta(hours=2)
    announcement = svc.announcement_publish(_draft(writer, estate, kind="general", scheduled_at=later), actor=writer)
    assert announcement.status == "scheduled"
    assert svc.announcements_release_due(now=later + timedelta(minutes=1)) == 1
    assert svc.announcements_release_due(now=later + timedelta(minutes=2)) == 0  # released once
    assert [(k, a, f, t) for k, a, f, t, _ in _history(announcement)][1:] == [
        ("scheduled", writer, "draft", "scheduled"), ("sending", None, "scheduled", "sending")]


def test_marking_sent_twice_records_it_once(writer, estate, three_residents):
    announcement = svc.announcement_publish(_draft(writer, estate, kind="general"), actor=writer)
    Delivery.objects.filter(announcement=announcement).update(status="sent")
    svc.announcements_mark_sent([announcement.pk])
    svc.announcements_mark_sent([announcement.pk])
    assert [kind for kind, *_ in _history(announcement)].count("sent") == 1


def test_editing_an_approved_announcement_sends_it_back_for_approval(writer, manager, estate):
    draft = _draft(writer, estate)
    svc.announcement_approve(draft, actor=manager)
    edited = svc.announcement_edit(draft, actor=writer, title="燃气泄漏：请撤离到南门广场")
    assert (edited.status, edited.approved_by, edited.approved_at) == ("pending_approval", None, None)
    assert _history(draft)[-1][:4] == ("edited_approved", writer, "approved", "pending_approval")
    with pytest.raises(ValidationError) as waiting:  # waiting for the approver: not the writer's to change now
        svc.announcement_edit(draft, actor=writer, title="再改")
    assert waiting.value.code == "illegal_transition"
    assert Announcement.objects.get(pk=draft.pk).title == "燃气泄漏：请撤离到南门广场"


def test_an_edit_cannot_take_the_announcement_out_of_the_writers_estates(writer, estate):
    draft = _draft(writer, estate, kind="general")
    with pytest.raises(PermissionDenied):
        svc.announcement_edit(draft, actor=writer, estates=[EstateFactory()])
    assert list(Announcement.objects.get(pk=draft.pk).estates.all()) == [estate]
    with pytest.raises(TypeError):
        svc.announcement_edit(draft, actor=writer, status="sent")


def test_chase_is_recorded(writer, manager, estate, three_residents, django_capture_on_commit_callbacks):
    draft = _draft(writer, estate, ack_required=True)
    svc.announcement_approve(draft, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        svc.announcement_publish(draft, actor=writer)
    assert svc.announcement_resend_unacknowledged(draft, actor=writer) == 3
    kind, actor, *_, note = _history(draft)[-1]
    assert (kind, actor) == ("chased", writer) and "3" in note


def test_the_page_offers_what_the_lifecycle_allows(writer, manager, estate):
    draft = _draft(writer, estate)
    assert {t.action for t in ANNOUNCEMENT.offered(draft, writer)} == {"edit", "request_approval", "cancel"}
    assert {t.action for t in ANNOUNCEMENT.offered(draft, manager)} == {"edit", "request_approval", "approve", "cancel"}
    waiting = svc.announcement_request_approval(draft, actor=writer)
    assert {t.action for t in ANNOUNCEMENT.offered(waiting, manager)} == {"approve", "return", "cancel"}
    assert {t.action for t in ANNOUNCEMENT.offered(waiting, staff_member(EstateFactory(), role=Role.ESTATE_MANAGER))} == set()


# --- Sending: audience, opt-outs, quiet hours, cancel, fallback ---

def test_publish_reaches_every_resident_once_and_respects_opt_outs(writer, estate, residents, gateway, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"  # no quiet hours in this test
    EstateFactory()  # another estate's people are not in the audience
    with django_capture_on_commit_callbacks(execute=True):
        announcement = svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    assert Delivery.objects.filter(announcement=announcement, channel="portal").count() == 6
    sms = Delivery.objects.filter(announcement=announcement, channel="sms")
    assert sms.count() == 5  # resident 1 opted out of SMS
    assert sorted(m["to"] for m in gateway.received) == sorted(r.mobile for r in residents if r.allow_sms)
    assert fan_out(announcement, timezone.now()) == {"portal": 0, "sms": 0}  # publishing again adds nothing
    announcement.refresh_from_db()
    assert announcement.status == "sent"


def test_emergency_needs_approval_then_ignores_opt_outs_and_quiet_hours(writer, manager, estate, residents, gateway, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "23:59"  # it is always night
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏，请立即撤离", ack_required=True)
    with pytest.raises(ValidationError):
        svc.announcement_publish(draft, actor=writer)
    with pytest.raises(PermissionDenied):
        svc.announcement_approve(draft, actor=writer)
    svc.announcement_approve(draft, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        svc.announcement_publish(draft, actor=writer)
    assert len(gateway.received) == 6  # everyone, the opted-out resident too, at night
    draft.refresh_from_db()
    assert draft.approved_by == manager and draft.approved_at


def test_quiet_hours_hold_non_urgent_sms_until_morning(writer, estate, residents, gateway, settings,
                                                       django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "23:59"
    with django_capture_on_commit_callbacks(execute=True):
        announcement = svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    held = Delivery.objects.filter(announcement=announcement, channel="sms")
    assert gateway.received == [] and all(d.status == "queued" and d.next_attempt_at > timezone.now() for d in held)
    assert Delivery.objects.filter(announcement=announcement, channel="portal", status="delivered").count() == 6
    held.update(next_attempt_at=timezone.now() - timedelta(minutes=1), created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        delivery_sweep()
    assert len(gateway.received) == 5


def test_cancel_stops_the_rest_of_a_send(writer, estate, residents, gateway, settings, django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "23:59"  # the SMS part is waiting for morning
    with django_capture_on_commit_callbacks(execute=True):
        announcement = svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    assert svc.announcement_cancel(announcement, actor=writer) == 5
    Delivery.objects.filter(announcement=announcement).update(next_attempt_at=None, created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        delivery_sweep()
    assert gateway.received == []
    assert Delivery.objects.filter(announcement=announcement, channel="sms", status="cancelled").count() == 5
    with pytest.raises(ValidationError):
        svc.announcement_cancel(announcement, actor=writer)


def test_permanent_failure_falls_back_to_email_once(writer, estate, residents, gateway, settings, django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    gateway.fail_next(5, status=400)  # every SMS: "invalid number"
    with django_capture_on_commit_callbacks(execute=True):
        announcement = svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    failed = Delivery.objects.filter(announcement=announcement, channel="sms", status="failed")
    assert failed.count() == 5 and all("400" in d.last_error for d in failed)
    emailed = Delivery.objects.filter(announcement=announcement, channel="email")
    assert emailed.count() == 3  # the residents among them with an e-mail address
    assert sorted(m.to[0] for m in mail.outbox) == sorted(d.address for d in emailed)


def test_chase_resends_to_those_who_have_not_acknowledged(writer, manager, estate, residents, gateway, settings,
                                                          django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    draft = notice_draft(writer, estate, kind="emergency", ack_required=True)
    svc.announcement_approve(draft, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = svc.announcement_publish(draft, actor=writer)
    svc.acknowledgement_record(announcement, resident=residents[0], answer="safe")
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.announcement_resend_unacknowledged(announcement, actor=writer) == 5
    chased = {m["to"] for m in gateway.received[6:]}
    assert residents[0].mobile not in chased and len(chased) == 5


def test_saved_list_audience_reaches_only_its_members(writer, estate, residents, gateway, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    garage = SavedAudience.objects.create(name="地下车位业主", estate=estate)
    garage.residents.set(residents[:2])
    announcement = svc.announcement_create(author=writer, kind="general", title="车库清洗", body="周日清洗地库", channels=["portal"],
                                           audience="list", saved_audience=garage)
    svc.announcement_publish(announcement, actor=writer)
    assert set(Delivery.objects.filter(announcement=announcement).values_list("resident_id", flat=True)) == {r.pk for r in residents[:2]}


def test_acknowledgement_needs_the_notice_board(writer, estate):
    with pytest.raises(ValidationError) as caught:
        notice_draft(writer, estate, ack_required=True, channels=["sms"])
    assert "ack_required" in caught.value.message_dict
    assert not Announcement.objects.exists()


def _emergency_sent(writer, manager, estate):
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏", ack_required=True, channels=["portal"])
    svc.announcement_approve(draft, actor=manager)
    return svc.announcement_publish(draft, actor=writer)


def test_need_help_alerts_duty_staff_and_managers_once(writer, manager, estate, three_residents):
    elsewhere = staff_member(EstateFactory(), role=Role.SERVICE)
    engineer = staff_member(estate, role=Role.ENGINEER)
    for i, user in enumerate([writer, manager, elsewhere, engineer]):
        user.email = f"staff{i}@example.com"
        user.save(update_fields=["email"])
    announcement = _emergency_sent(writer, manager, estate)
    resident = three_residents[0]
    unit = str(resident.occupancies.get().unit)
    svc.acknowledgement_record(announcement, resident=resident, answer="need_help")
    alerts = Delivery.objects.filter(topic="need_help")
    assert sorted(alerts.values_list("user_id", flat=True)) == sorted([writer.pk, manager.pk])
    assert all(unit in a.body and resident.name in a.body for a in alerts)
    assert not alerts.filter(user__in=[elsewhere, engineer]).exists()
    svc.acknowledgement_record(announcement, resident=resident, answer="need_help")  # a double POST or a retry
    svc.acknowledgement_record(announcement, resident=resident, answer="safe")
    assert Delivery.objects.filter(topic="need_help").count() == 2
    svc.acknowledgement_record(announcement, resident=three_residents[1], answer="safe")
    assert Delivery.objects.filter(topic="need_help").count() == 2  # "I am safe" alerts nobody


def test_need_help_alert_goes_by_sms_to_staff_with_a_mobile(writer, manager, estate, three_residents):
    writer.email, writer.mobile = "desk@example.com", "13800001234"
    writer.save(update_fields=["email", "mobile"])
    announcement = _emergency_sent(writer, manager, estate)
    svc.acknowledgement_record(announcement, resident=three_residents[0], answer="need_help")
    alert = Delivery.objects.get(topic="need_help", user=writer)
    assert (alert.channel, alert.address) == ("sms", "13800001234")


def test_progress_counts_answers_and_lists_who_needs_help(writer, manager, estate, three_residents):
    announcement = _emergency_sent(writer, manager, estate)
    svc.acknowledgement_record(announcement, resident=three_residents[0], answer="need_help")
    svc.acknowledgement_record(announcement, resident=three_residents[1], answer="safe")
    progress = svc.announcement_progress(announcement)
    assert progress["answers"] == {"received": 0, "safe": 1, "need_help": 1}
    [row] = progress["need_help"]
    assert row["name"] == three_residents[0].name and row["mobile"] == three_residents[0].mobile
    assert row["unit"] == str(three_residents[0].occupancies.get().unit) and row["answered_at"]
