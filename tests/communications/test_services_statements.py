"""Statement and media inquiry services: every move follows the lifecycle tables and is kept in
the history — who drafted, what each reviewer said, who approved and published, and when."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communications.models import Announcement, AnnouncementEvent, InquiryEvent, MediaInquiry, Statement, StatementEvent
from communications.services import media as svc
from owners.models import Role, StaffMembership
from owners.services import staff_roles_sync
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    return EstateFactory(name="锦绣城")


@pytest.fixture
def spokesperson(estate):
    return staff_member(estate, role=Role.SPOKESPERSON)


@pytest.fixture
def manager(estate):
    return staff_member(estate, role=Role.ESTATE_MANAGER)


def _statement(author, estate):
    return svc.statement_create(author=author, title="关于3号楼电梯困人事件的说明", body="今日 14:05 发生电梯困人，14:25 救出，无人受伤。",
                                estate=estate)


def _history(statement):
    return [(e.kind, e.actor, e.from_status, e.to_status, e.note) for e in StatementEvent.objects.filter(statement=statement)]


def _published(spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    return svc.statement_publish(statement, actor=spokesperson)


def test_every_reviewers_note_is_kept_not_only_the_last(spokesperson, manager, estate):
    """Before the history, each review overwrote `review_note`: the first reviewer's words were lost."""
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=False, note="请补充救援用时")
    svc.statement_edit(statement, actor=spokesperson, body="今日 14:05 发生电梯困人，20 分钟后救出，无人受伤。")
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=False, note="删去“无人受伤”之外的推测")
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True, note="可以发布")
    svc.statement_publish(statement, actor=spokesperson)
    assert _history(statement) == [
        ("drafted", spokesperson, "", "draft", ""),
        ("submitted", spokesperson, "draft", "in_review", ""),
        ("returned", manager, "in_review", "draft", "请补充救援用时"),
        ("edited", spokesperson, "draft", "draft", ""),
        ("submitted", spokesperson, "draft", "in_review", ""),
        ("returned", manager, "in_review", "draft", "删去“无人受伤”之外的推测"),
        ("submitted", spokesperson, "draft", "in_review", ""),
        ("approved", manager, "in_review", "approved", "可以发布"),
        ("published", spokesperson, "approved", "published", ""),
    ]
    assert Statement.objects.get(pk=statement.pk).review_note == "可以发布"  # the field keeps the latest only


def test_sending_back_needs_a_note_and_a_manager(spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    with pytest.raises(ValidationError) as empty:
        svc.statement_review(statement, actor=manager, approve=False, note="")
    assert "note" in empty.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.statement_review(statement, actor=spokesperson, approve=False, note="自己退回")
    assert Statement.objects.get(pk=statement.pk).status == "in_review"
    assert len(_history(statement)) == 2


def test_announcing_a_statement_carries_its_approval_through_the_approval_service(spokesperson, manager, estate):
    """Before, the announcement was marked approved with a bare .update(): no approver check, no history."""
    OccupancyFactory(resident=ResidentFactory(), unit=UnitFactory(building=BuildingFactory(estate=estate)))
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    svc.statement_publish(statement, actor=spokesperson, announce=True)
    announcement = Announcement.objects.get(title=statement.title)
    assert (announcement.approved_by, announcement.status) == (manager, "sending")
    history = [(e.kind, e.actor) for e in AnnouncementEvent.objects.filter(announcement=announcement)]
    assert history == [("drafted", spokesperson), ("approved", manager), ("sending", spokesperson)]
    approved = AnnouncementEvent.objects.get(announcement=announcement, kind="approved")
    assert statement.title in approved.note


def test_a_statement_approver_who_may_no_longer_approve_announcements_stops_the_announcement(spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    StaffMembership.objects.filter(user=manager).update(estate=EstateFactory())  # moved to another estate since
    staff_roles_sync(manager)
    with pytest.raises(PermissionDenied):
        svc.statement_publish(statement, actor=spokesperson, announce=True)
    assert Statement.objects.get(pk=statement.pk).status == "approved"  # nothing published, nothing sent
    assert not Announcement.objects.exists()


def test_a_new_version_and_the_one_it_supersedes_are_both_recorded(spokesperson, manager, estate):
    first = _published(spokesperson, manager, estate)
    second = svc.statement_new_version(first, actor=spokesperson, body="更新：电梯已全面检修并恢复运行。")
    assert _history(second)[0][:2] == ("new_version", spokesperson)
    svc.statement_submit(second, actor=spokesperson)
    svc.statement_review(second, actor=manager, approve=True)
    svc.statement_publish(second, actor=spokesperson)
    assert _history(first)[-1][:4] == ("superseded", spokesperson, "published", "superseded")
    assert [kind for kind, *_ in _history(second)] == ["new_version", "submitted", "approved", "published"]


def test_only_a_published_statement_gets_a_new_version(spokesperson, estate):
    draft = _statement(spokesperson, estate)
    with pytest.raises(ValidationError) as refused:
        svc.statement_new_version(draft, actor=spokesperson, body="新版本")
    assert refused.value.code == "illegal_transition"
    assert Statement.objects.filter(thread=draft.thread).count() == 1


def test_editing_an_approved_statement_sends_it_back_to_review(spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    edited = svc.statement_edit(statement, actor=spokesperson, body="改过的文本")
    assert (edited.status, edited.approved_by, edited.approved_at) == ("in_review", None, None)
    assert _history(statement)[-1][:4] == ("edited_approved", spokesperson, "approved", "in_review")
    with pytest.raises(ValidationError):  # in review: the manager's to judge, not the writer's to change
        svc.statement_edit(statement, actor=spokesperson, body="再改")
    with pytest.raises(ValidationError):
        svc.statement_publish(statement, actor=spokesperson)


def test_inquiry_history_received_assigned_answered(estate, spokesperson, manager):
    inquiry = svc.inquiry_record(actor=spokesperson, journalist="李记者", outlet="都市报", question="电梯多久维保一次？",
                                 deadline=timezone.now() + timedelta(hours=3), estate=estate, assigned_to=spokesperson)
    svc.inquiry_update(inquiry, actor=spokesperson, assigned_to=manager)
    svc.inquiry_update(inquiry, actor=spokesperson, question="电梯多久维保一次？最近一次是哪天？")  # not a reassignment
    svc.inquiry_answer(inquiry, actor=manager, answer="每半月维保一次，最近一次是本月 3 日。")
    history = [(e.kind, e.actor, e.to_status, e.note) for e in InquiryEvent.objects.filter(inquiry=inquiry)]
    assert history == [
        ("received", spokesperson, "open", ""),
        ("assigned", spokesperson, "open", spokesperson.display_name),
        ("assigned", spokesperson, "open", manager.display_name),
        ("answered", manager, "answered", "每半月维保一次，最近一次是本月 3 日。"),
    ]
    with pytest.raises(ValidationError):  # a closed inquiry needs nobody to answer it
        svc.inquiry_update(inquiry, actor=spokesperson, assigned_to=spokesperson)
    assert MediaInquiry.objects.get(pk=inquiry.pk).assigned_to == manager


def test_declining_is_recorded_with_the_reason(estate, spokesperson):
    inquiry = svc.inquiry_record(actor=spokesperson, journalist="王记者", outlet="晚报", question="是否有人受伤？",
                                 deadline=timezone.now() + timedelta(hours=1), estate=estate)
    with pytest.raises(PermissionDenied):
        svc.inquiry_decline(inquiry, actor=staff_member(estate, role=Role.SERVICE), reason="不回应")
    svc.inquiry_decline(inquiry, actor=spokesperson, reason="调查进行中，暂不评论。")
    last = InquiryEvent.objects.filter(inquiry=inquiry).last()
    assert (last.kind, last.actor, last.from_status, last.to_status, last.note) == (
        "declined", spokesperson, "open", "declined", "调查进行中，暂不评论。")
    assert InquiryEvent.objects.filter(inquiry=inquiry).count() == 2
