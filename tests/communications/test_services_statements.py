"""Statement services: every move follows lifecycle.STATEMENT and is kept in the history — who
drafted, what each reviewer said, who approved and published, and when; only an approved statement
is published, and two updates at once make one new version."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communications.models import Announcement, AnnouncementEvent, Delivery, Statement, StatementEvent
from communications.services import media as svc
from owners.models import StaffMembership
from owners.services import staff_roles_sync
from tests.communications.conftest import statement_draft, statement_published
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, owner_with_account

pytestmark = pytest.mark.django_db


def _history(statement):
    return [(e.kind, e.actor, e.from_status, e.to_status, e.note) for e in StatementEvent.objects.filter(statement=statement)]


def test_every_reviewers_note_is_kept_not_only_the_last(spokesperson, manager, estate):
    """Before the history, each review overwrote `review_note`: the first reviewer's words were lost."""
    statement = statement_draft(spokesperson, estate)
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
    statement = statement_draft(spokesperson, estate)
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
    statement = statement_draft(spokesperson, estate)
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
    statement = statement_draft(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    StaffMembership.objects.filter(user=manager).update(estate=EstateFactory())  # moved to another estate since
    staff_roles_sync(manager)
    with pytest.raises(PermissionDenied):
        svc.statement_publish(statement, actor=spokesperson, announce=True)
    assert Statement.objects.get(pk=statement.pk).status == "approved"  # nothing published, nothing sent
    assert not Announcement.objects.exists()


def test_a_new_version_and_the_one_it_supersedes_are_both_recorded(spokesperson, manager, estate):
    first = statement_published(spokesperson, manager, estate)
    second = svc.statement_new_version(first, actor=spokesperson, body="更新：电梯已全面检修并恢复运行。")
    assert _history(second)[0][:2] == ("new_version", spokesperson)
    svc.statement_submit(second, actor=spokesperson)
    svc.statement_review(second, actor=manager, approve=True)
    svc.statement_publish(second, actor=spokesperson)
    assert _history(first)[-1][:4] == ("superseded", spokesperson, "published", "superseded")
    assert [kind for kind, *_ in _history(second)] == ["new_version", "submitted", "approved", "published"]


def test_only_a_published_statement_gets_a_new_version(spokesperson, estate):
    draft = statement_draft(spokesperson, estate)
    with pytest.raises(ValidationError) as refused:
        svc.statement_new_version(draft, actor=spokesperson, body="新版本")
    assert refused.value.code == "illegal_transition"
    assert Statement.objects.filter(thread=draft.thread).count() == 1


def test_editing_an_approved_statement_sends_it_back_to_review(spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    edited = svc.statement_edit(statement, actor=spokesperson, body="改过的文本")
    assert (edited.status, edited.approved_by, edited.approved_at) == ("in_review", None, None)
    assert _history(statement)[-1][:4] == ("edited_approved", spokesperson, "approved", "in_review")
    with pytest.raises(ValidationError):  # in review: the manager's to judge, not the writer's to change
        svc.statement_edit(statement, actor=spokesperson, body="再改")
    with pytest.raises(ValidationError):
        svc.statement_publish(statement, actor=spokesperson)


def test_only_an_approved_statement_can_be_published(spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    with pytest.raises(ValidationError):
        svc.statement_publish(statement, actor=spokesperson)
    svc.statement_submit(statement, actor=spokesperson)
    with pytest.raises(PermissionDenied):
        svc.statement_review(statement, actor=spokesperson, approve=True)
    svc.statement_review(statement, actor=manager, approve=True)
    published = svc.statement_publish(statement, actor=spokesperson)
    assert published.status == "published" and published.approved_by == manager and published.published_at


def test_sent_back_statement_returns_to_draft_with_the_note(spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=False, note="请补充救援用时")
    statement.refresh_from_db()
    assert statement.status == "draft" and "救援用时" in statement.review_note


def test_publishing_with_announce_tells_the_residents(spokesperson, manager, estate, gateway, settings,
                                                      django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    statement = statement_draft(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        svc.statement_publish(statement, actor=spokesperson, announce=True)
    announcement = Announcement.objects.get()
    assert announcement.crisis_related and announcement.approved_by == manager
    assert Delivery.objects.filter(announcement=announcement, resident=owner.resident, channel="portal").exists()
    assert gateway.texts_to(owner.resident.mobile)


@pytest.mark.django_db(transaction=True)  # two threads on two connections: each must see the other's commits
def test_two_updates_started_at_once_make_one_new_version(spokesperson, manager, estate):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two transactions cannot race")

    for _round in range(5):  # the race window is small: try a few times
        first = statement_published(spokesperson, manager, estate)
        outcomes, barrier = [], threading.Barrier(2)

        def update(text, barrier=barrier, first=first, outcomes=outcomes):
            barrier.wait()
            try:
                svc.statement_new_version(Statement.objects.get(pk=first.pk), actor=spokesperson, body=text)
                outcomes.append("created")
            except ValidationError:
                outcomes.append("refused")  # "already has an unpublished version"
            except Exception as exc:  # noqa: BLE001 - the failure this test is about (a 500)
                outcomes.append(type(exc).__name__)
            finally:
                connection.close()

        threads = [threading.Thread(target=update, args=(f"更新{i}",)) for i in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(outcomes) == ["created", "refused"]
        assert Statement.objects.filter(thread=first.thread).count() == 2
