""""I need help" answers are handled by a person: staff of the resident's estate who called the
owner mark the answer handled with a note; the announcement's history says who and when; the
answer leaves the dashboard's "needs help" list and stays on the announcement page, marked."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communications.models import Acknowledgement, AnnouncementEvent
from communications.permissions import need_help_can_handle
from communications.selectors import need_help_open_for
from communications.services import announcements as svc
from communications.services.help_requests import need_help_mark_handled
from owners.models import Role
from tests.communications.conftest import notice_draft
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"


@pytest.fixture
def people(estate):
    building = BuildingFactory(estate=estate)
    residents = [ResidentFactory() for _ in range(2)]
    for resident in residents:
        OccupancyFactory(resident=resident, unit=UnitFactory(building=building))
    return residents


@pytest.fixture
def answered(writer, manager, estate, people):
    """An emergency notice sent to the estate; the first resident needs help, the second is safe."""
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏", ack_required=True, channels=["portal"])
    svc.announcement_approve(draft, actor=manager)
    announcement = svc.announcement_publish(draft, actor=writer)
    help_ack = svc.acknowledgement_record(announcement, resident=people[0], answer="need_help")
    svc.acknowledgement_record(announcement, resident=people[1], answer="safe")
    return announcement, help_ack


def _handled_events(announcement):
    return list(AnnouncementEvent.objects.filter(announcement=announcement, kind=AnnouncementEvent.Kind.HELP_HANDLED))


def test_staff_of_the_estate_marks_the_answer_handled_with_a_note(writer, answered, people):
    announcement, ack = answered
    need_help_mark_handled(ack, actor=writer, note="已电话联系，燃气阀已关闭，住户平安")
    ack = Acknowledgement.objects.get(pk=ack.pk)
    assert ack.handled_by == writer and ack.handled_at is not None
    assert ack.handled_note == "已电话联系，燃气阀已关闭，住户平安"
    [event] = _handled_events(announcement)
    assert event.actor == writer
    assert people[0].name in event.note and "燃气阀已关闭" in event.note


def test_a_handled_answer_leaves_the_open_list_but_stays_on_the_announcement(writer, manager, answered, people):
    announcement, ack = answered
    assert [row["name"] for row in need_help_open_for(manager)] == [people[0].name]
    need_help_mark_handled(ack, actor=manager, note="已上门查看")
    assert need_help_open_for(manager) == [] and need_help_open_for(writer) == []
    [row] = svc.announcement_progress(announcement)["need_help"]
    assert row["name"] == people[0].name
    assert row["handled_by"] == manager.display_name and row["handled_at"] and row["handled_note"] == "已上门查看"


def test_marking_twice_is_refused_and_records_nothing_more(writer, manager, answered):
    announcement, ack = answered
    need_help_mark_handled(ack, actor=writer, note="已联系")
    with pytest.raises(ValidationError):
        need_help_mark_handled(ack, actor=manager, note="我也联系了")
    ack = Acknowledgement.objects.get(pk=ack.pk)
    assert ack.handled_by == writer and ack.handled_note == "已联系"
    assert len(_handled_events(announcement)) == 1


@pytest.mark.parametrize("note", ["", "   ", "长" * 501])
def test_a_missing_or_overlong_note_is_refused(writer, answered, note):
    announcement, ack = answered
    with pytest.raises(ValidationError):
        need_help_mark_handled(ack, actor=writer, note=note)
    assert Acknowledgement.objects.get(pk=ack.pk).handled_at is None
    assert _handled_events(announcement) == []


def test_only_need_help_answers_are_handled(writer, answered, people):
    announcement, _ack = answered
    safe = Acknowledgement.objects.get(announcement=announcement, resident=people[1])
    with pytest.raises(ValidationError):
        need_help_mark_handled(safe, actor=writer, note="已联系")
    assert Acknowledgement.objects.get(pk=safe.pk).handled_at is None


def test_staff_elsewhere_and_engineers_may_not_mark_it(estate, answered):
    announcement, ack = answered
    elsewhere = staff_member(EstateFactory(), role=Role.ESTATE_MANAGER)
    engineer = staff_member(estate, role=Role.ENGINEER)
    for user in (elsewhere, engineer):
        assert not need_help_can_handle(user, ack)
        with pytest.raises(PermissionDenied):
            need_help_mark_handled(ack, actor=user, note="已联系")
    assert Acknowledgement.objects.get(pk=ack.pk).handled_at is None
    assert _handled_events(announcement) == []


def test_service_staff_managers_and_company_staff_may_mark_it(writer, manager, answered):
    _announcement, ack = answered
    company_admin = staff_member(None, role=Role.COMPANY_ADMIN)
    assert all(need_help_can_handle(user, ack) for user in (writer, manager, company_admin))
