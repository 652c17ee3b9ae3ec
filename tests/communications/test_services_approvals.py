"""Approvals are visible and two-way: whoever may approve is told when something waits for them
and sees it in their list; the writer is told when it is sent back (with the note) or approved;
an approved announcement that is edited waits for approval again."""

import pytest

from communications.models import AnnouncementEvent, Delivery
from communications.panels import approvals_waiting_count
from communications.permissions import announcements_awaiting_approval_by, statements_awaiting_approval_by
from communications.services import announcements as svc
from communications.services import media as media_svc
from owners.models import Role, StaffMembership, User
from tests.communications.conftest import notice_draft, statement_draft
from tests.factories import EstateFactory, staff_member

pytestmark = pytest.mark.django_db


def _reachable(*users):
    """Give staff an e-mail address, so their notices are recorded."""
    for user in users:
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.com")


def _notices_to(user, topic):
    return list(Delivery.objects.filter(user=user, topic=topic).values_list("body", flat=True))


def test_the_estate_manager_is_told_when_an_announcement_waits_for_approval(writer, manager, estate):
    elsewhere = staff_member(EstateFactory(), role=Role.ESTATE_MANAGER)
    _reachable(manager, elsewhere)
    draft = notice_draft(writer, estate, kind="emergency", title="2号楼电梯困人")
    svc.announcement_request_approval(draft, actor=writer)
    told = _notices_to(manager, "approval_requested")
    assert len(told) == 1 and "2号楼电梯困人" in told[0] and f"/dashboard/announcements/{draft.pk}/" in told[0]
    assert _notices_to(elsewhere, "approval_requested") == []


def test_what_waits_for_me_is_what_i_may_approve(writer, manager, estate):
    other = EstateFactory()
    other_manager = staff_member(other, role=Role.ESTATE_MANAGER)
    both_manager = staff_member(estate, role=Role.ESTATE_MANAGER, username="both")
    StaffMembership.objects.create(user=both_manager, estate=other, role=Role.ESTATE_MANAGER)
    mine = svc.announcement_request_approval(notice_draft(writer, estate, kind="safety"), actor=writer)
    notice_draft(writer, estate, kind="safety")  # a draft nobody asked about yet
    assert list(announcements_awaiting_approval_by(manager)) == [mine]
    assert list(announcements_awaiting_approval_by(other_manager)) == []
    assert list(announcements_awaiting_approval_by(writer)) == []  # service staff approve nothing
    spanning = svc.announcement_create(author=staff_member(None, role=Role.COMPANY_ADMIN), kind="safety", title="全市台风",
                                       body="台风", channels=["portal"], audience="estates", estates=[estate, other])
    svc.announcement_request_approval(spanning, actor=spanning.author)
    assert spanning not in announcements_awaiting_approval_by(manager)  # it also reaches an estate not theirs
    both = User.objects.get(pk=both_manager.pk)
    assert list(announcements_awaiting_approval_by(both)).count(spanning) == 1  # once, though it reaches two of their estates
    assert approvals_waiting_count(both) == 2  # the spanning one and the one of their first estate


def test_sending_back_needs_a_note_and_tells_the_writer(writer, manager, estate):
    _reachable(writer)
    draft = svc.announcement_request_approval(notice_draft(writer, estate, kind="emergency"), actor=writer)
    returned = svc.announcement_return(draft, actor=manager, note="电话号码写错了")
    assert returned.status == "draft"
    told = _notices_to(writer, "approval_answered")
    assert len(told) == 1 and "电话号码写错了" in told[0]
    assert list(announcements_awaiting_approval_by(manager)) == []


def test_a_returned_announcement_can_be_edited_and_asked_again(writer, manager, estate):
    _reachable(manager)
    draft = svc.announcement_request_approval(notice_draft(writer, estate, kind="emergency"), actor=writer)
    svc.announcement_return(draft, actor=manager, note="补充撤离路线")
    svc.announcement_edit(draft, actor=writer, body="请从东侧楼梯撤离。")
    svc.announcement_request_approval(draft, actor=writer)
    assert len(_notices_to(manager, "approval_requested")) == 2  # asked twice, told twice


def test_editing_an_approved_announcement_needs_approval_again(writer, manager, estate):
    _reachable(manager)
    draft = notice_draft(writer, estate, kind="emergency")
    svc.announcement_approve(draft, actor=manager)
    edited = svc.announcement_edit(draft, actor=writer, title="更正：燃气泄漏")
    assert edited.status == "pending_approval" and edited.approved_by is None
    last = AnnouncementEvent.objects.filter(announcement=draft).latest("pk")
    assert (last.kind, last.from_status, last.to_status) == ("edited_approved", "approved", "pending_approval")
    assert list(announcements_awaiting_approval_by(manager)) == [edited]
    assert any("更正：燃气泄漏" in body for body in _notices_to(manager, "approval_requested"))


def test_statements_in_review_wait_for_the_estate_manager_who_is_told(spokesperson, manager, estate):
    _reachable(spokesperson, manager)
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    assert list(statements_awaiting_approval_by(manager)) == [statement]
    assert list(statements_awaiting_approval_by(staff_member(EstateFactory(), role=Role.ESTATE_MANAGER))) == []
    assert len(_notices_to(manager, "approval_requested")) == 1
    media_svc.statement_review(statement, actor=manager, approve=False, note="删去伤者姓名")
    assert any("删去伤者姓名" in body for body in _notices_to(spokesperson, "approval_answered"))
    assert list(statements_awaiting_approval_by(manager)) == []
