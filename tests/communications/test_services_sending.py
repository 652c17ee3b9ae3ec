"""Before a mass send: who it reaches per channel and the SMS exactly as it goes out; a send time
that has passed (or is far off) refused; a chase fired once per decision; a statement sent to the
residents chosen."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from communications.models import Announcement, AnnouncementEvent, Delivery, SavedAudience
from communications.services import announcements as svc
from communications.services import media as media_svc
from communications.services.rendering import announcement_link, sms_segments
from tests.communications.conftest import notice_draft, statement_draft
from tests.factories import BuildingFactory, OccupancyFactory, ResidentFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_hours(settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"


# --- The reach and the SMS before sending ---

def test_the_preview_counts_each_channel_as_the_send_will_reach_it(writer, estate, residents, open_hours,
                                                                    django_assert_max_num_queries):
    draft = notice_draft(writer, estate, channels=["portal", "sms", "email"], sms_text="明天停水")
    with django_assert_max_num_queries(6):  # one COUNT per channel, not one per resident
        preview = svc.announcement_send_preview(draft)
    # Six residents; resident 1 opted out of SMS; the even ones have an e-mail address.
    assert preview["counts"] == {"portal": 6, "sms": 5, "email": 3}
    assert preview["total"] == 14
    svc.announcement_publish(draft, actor=writer)
    written = dict(Delivery.objects.filter(announcement=draft).values_list("channel").annotate(n=__import__("django").db.models.Count("id")))
    assert written == preview["counts"]  # what was shown is what went out


def test_the_preview_shows_the_sms_with_its_link_and_counts_the_link(writer, estate, residents):
    draft = notice_draft(writer, estate, sms_text="明" * 60)
    preview = svc.announcement_send_preview(draft)
    assert preview["sms_text"] == "明" * 60 + " " + announcement_link(draft.pk)
    assert preview["sms_chars"] == len(preview["sms_text"]) > 70
    assert preview["sms_segments"] == 2  # 60 characters alone would be one message; the link makes two


def test_sms_segments_follow_the_providers_rule():
    assert [sms_segments("x" * n) for n in (0, 1, 70, 71, 134, 135)] == [0, 1, 1, 2, 2, 3]


def test_the_preview_says_when_quiet_hours_hold_sms_back(writer, estate, residents, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "23:59"
    preview = svc.announcement_send_preview(notice_draft(writer, estate))
    assert preview["quiet_until"] is not None
    emergency = notice_draft(writer, estate, kind="emergency")
    assert svc.announcement_send_preview(emergency)["quiet_until"] is None  # emergencies go at once


# --- Send times ---

def test_a_send_time_in_the_past_is_refused_and_nothing_is_saved(writer, estate):
    with pytest.raises(ValidationError) as refused:
        notice_draft(writer, estate, scheduled_at=timezone.now() - timedelta(minutes=10))
    assert "scheduled_at" in refused.value.message_dict
    assert not Announcement.objects.exists()


def test_a_send_time_more_than_a_year_ahead_is_refused(writer, estate):
    with pytest.raises(ValidationError) as refused:
        notice_draft(writer, estate, scheduled_at=timezone.now() + timedelta(days=400))
    assert "scheduled_at" in refused.value.message_dict


def test_editing_to_a_past_send_time_is_refused(writer, estate):
    draft = notice_draft(writer, estate, scheduled_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(ValidationError):
        svc.announcement_edit(draft, actor=writer, scheduled_at=timezone.now() - timedelta(hours=1))
    draft.refresh_from_db()
    assert draft.scheduled_at > timezone.now()


# --- Chasing once ---

def _sent_with_ack(writer, manager, estate):
    draft = notice_draft(writer, estate, kind="emergency", ack_required=True)
    svc.announcement_approve(draft, actor=manager)
    return svc.announcement_publish(draft, actor=writer)


def test_the_chase_preview_counts_who_has_not_answered_and_has_a_mobile(writer, manager, estate, residents, open_hours):
    announcement = _sent_with_ack(writer, manager, estate)
    svc.acknowledgement_record(announcement, resident=residents[0], answer="safe")
    preview = svc.announcement_chase_preview(announcement)
    assert preview["counts"] == {"sms": 5} and preview["round"] == 0
    assert preview["sms_text"].endswith(announcement_link(announcement.pk))


def test_a_second_chase_of_the_same_round_sends_nothing(writer, manager, estate, residents, open_hours):
    announcement = _sent_with_ack(writer, manager, estate)
    assert svc.announcement_resend_unacknowledged(announcement, actor=writer, expected_round=0) == 6
    with pytest.raises(ValidationError) as refused:
        svc.announcement_resend_unacknowledged(announcement, actor=writer, expected_round=0)
    assert refused.value.code == "already_chased"
    assert Delivery.objects.filter(announcement=announcement, round=1).count() == 6
    assert not Delivery.objects.filter(announcement=announcement, round=2).exists()
    assert AnnouncementEvent.objects.filter(announcement=announcement, kind="chased").count() == 1


def test_a_chase_right_after_another_is_refused_even_without_a_round(writer, manager, estate, residents, open_hours):
    announcement = _sent_with_ack(writer, manager, estate)
    svc.announcement_resend_unacknowledged(announcement, actor=writer)
    with pytest.raises(ValidationError) as refused:
        svc.announcement_resend_unacknowledged(announcement, actor=writer)
    assert refused.value.code == "chased_recently"
    # Later, a new decision to chase goes through.
    AnnouncementEvent.objects.filter(announcement=announcement, kind="chased").update(at=timezone.now() - svc.CHASE_INTERVAL * 2)
    assert svc.announcement_resend_unacknowledged(announcement, actor=writer, expected_round=1) == 6
    assert Delivery.objects.filter(announcement=announcement, round=2).count() == 6


# --- A statement sent to the residents chosen ---

def _approved_statement(spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    return media_svc.statement_review(statement, actor=manager, approve=True)


def test_a_statement_goes_only_to_the_buildings_chosen(spokesperson, manager, estate, residents, open_hours):
    other = BuildingFactory(estate=estate)
    neighbour = ResidentFactory()
    OccupancyFactory(resident=neighbour, unit=UnitFactory(building=other))
    statement = _approved_statement(spokesperson, manager, estate)
    preview = media_svc.statement_announce_preview(statement, audience="buildings", buildings=[other])
    assert preview["counts"] == {"portal": 1, "sms": 1}
    media_svc.statement_publish(statement, actor=spokesperson, announce=True, audience="buildings", buildings=[other])
    announcement = Announcement.objects.get()
    assert set(Delivery.objects.filter(announcement=announcement).values_list("resident_id", flat=True)) == {neighbour.pk}


def test_a_statement_to_a_saved_list_reaches_its_members(spokesperson, manager, estate, residents, open_hours):
    garage = SavedAudience.objects.create(name="车位业主", estate=estate)
    garage.residents.set(residents[:2])
    statement = _approved_statement(spokesperson, manager, estate)
    media_svc.statement_publish(statement, actor=spokesperson, announce=True, audience="list", saved_audience=garage)
    reached = set(Delivery.objects.filter(channel="portal").values_list("resident_id", flat=True))
    assert reached == {r.pk for r in residents[:2]}


def test_a_statement_to_another_estates_building_is_refused_and_not_published(spokesperson, manager, estate, residents):
    from tests.factories import EstateFactory

    statement = _approved_statement(spokesperson, manager, estate)
    foreign = BuildingFactory(estate=EstateFactory())
    with pytest.raises(ValidationError) as refused:
        media_svc.statement_publish(statement, actor=spokesperson, announce=True, audience="buildings", buildings=[foreign])
    assert "buildings" in refused.value.message_dict
    statement.refresh_from_db()
    assert statement.status == "approved" and not Announcement.objects.exists()


def test_a_statement_to_the_whole_estate_is_still_the_default(spokesperson, manager, estate, residents, open_hours):
    statement = _approved_statement(spokesperson, manager, estate)
    media_svc.statement_publish(statement, actor=spokesperson, announce=True)
    assert Delivery.objects.filter(channel="portal").count() == 6
