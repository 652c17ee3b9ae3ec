"""Statements can be edited on the media desk: drafts and returned ones as they are, an approved
one (not yet published) going back to the estate manager's review. Only roles that may write the
statement see the Edit button or open the form."""

import pytest
from django.urls import reverse

from communications.models import Delivery, InboxItem, Statement, StatementEvent
from communications.services import media as media_svc
from owners.models import Role, User
from tests.communications.conftest import statement_draft
from tests.factories import EstateFactory, staff_member

pytestmark = pytest.mark.django_db


def _edit_url(statement):
    return reverse("dashboard:statement_edit", args=[statement.pk])


def _kinds(statement):
    return list(StatementEvent.objects.filter(statement=statement).order_by("pk").values_list("kind", flat=True))


def test_the_spokesperson_edits_a_draft_from_its_page(client, spokesperson, estate):
    statement = statement_draft(spokesperson, estate)
    client.force_login(spokesperson)
    page = client.get(reverse("dashboard:statement_detail", args=[statement.pk])).content.decode()
    assert _edit_url(statement) in page
    form = client.get(_edit_url(statement)).content.decode()
    assert 'id="needs-reapproval"' not in form
    assert "关于3号楼电梯困人事件的说明" in form and "14:25 救出" in form  # the form starts from what is there
    response = client.post(_edit_url(statement), {"title": "关于3号楼电梯困人的说明", "body": "14:05 困人，14:25 救出，无人受伤。"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:statement_detail", args=[statement.pk])
    statement.refresh_from_db()
    assert (statement.title, statement.body, statement.status) == ("关于3号楼电梯困人的说明", "14:05 困人，14:25 救出，无人受伤。", "draft")
    assert _kinds(statement)[-1] == "edited"
    assert "已保存" in client.get(response["Location"]).content.decode()


def test_a_returned_statement_is_edited_with_the_managers_note_in_view(client, spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=False, note="请写明救出时间")
    client.force_login(spokesperson)
    assert _edit_url(statement) in client.get(reverse("dashboard:statement_detail", args=[statement.pk])).content.decode()
    assert "请写明救出时间" in client.get(_edit_url(statement)).content.decode()
    client.post(_edit_url(statement), {"title": statement.title, "body": "14:05 困人，14:25 救出。"})
    statement.refresh_from_db()
    assert (statement.body, statement.status) == ("14:05 困人，14:25 救出。", "draft")


def test_editing_an_approved_statement_sends_it_back_to_review_and_tells_the_manager(client, spokesperson, manager, estate):
    User.objects.filter(pk=manager.pk).update(email="manager@example.com")  # reachable, so the notice is recorded
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    client.force_login(spokesperson)
    assert _edit_url(statement) in client.get(reverse("dashboard:statement_detail", args=[statement.pk])).content.decode()
    form = client.get(_edit_url(statement)).content.decode()
    assert 'id="needs-reapproval"' in form  # said before saving, not after
    notices_before = Delivery.objects.filter(user=manager, topic="approval_requested").count()
    response = client.post(_edit_url(statement), {"title": statement.title, "body": "改过的文本"})
    statement.refresh_from_db()
    assert (statement.body, statement.status, statement.approved_by) == ("改过的文本", "in_review", None)
    assert _kinds(statement)[-1] == "edited_approved"
    assert Delivery.objects.filter(user=manager, topic="approval_requested").count() == notices_before + 1
    assert InboxItem.objects.filter(recipient=manager, kind="approval", read_at__isnull=True).count() == 1  # on their to-do again
    assert statement.title in client.get(response["Location"]).content.decode()
    # In review again: no Edit button, and the manager can approve it as before.
    assert _edit_url(statement) not in client.get(reverse("dashboard:statement_detail", args=[statement.pk])).content.decode()


@pytest.mark.parametrize("stage", ["in_review", "published"])
def test_a_statement_in_review_or_published_is_not_edited(client, spokesperson, manager, estate, stage):
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    if stage == "published":
        media_svc.statement_review(statement, actor=manager, approve=True)
        media_svc.statement_publish(statement, actor=spokesperson)
    client.force_login(spokesperson)
    assert _edit_url(statement) not in client.get(reverse("dashboard:statement_detail", args=[statement.pk])).content.decode()
    response = client.get(_edit_url(statement))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:statement_detail", args=[statement.pk])
    client.post(_edit_url(statement), {"title": "改", "body": "改"})
    statement.refresh_from_db()
    assert (statement.title, statement.status) == ("关于3号楼电梯困人事件的说明", stage)


def test_an_empty_text_is_refused_beside_the_field_and_nothing_changes(client, spokesperson, estate):
    statement = statement_draft(spokesperson, estate)
    client.force_login(spokesperson)
    response = client.post(_edit_url(statement), {"title": "新标题", "body": "  "})
    assert response.status_code == 400
    assert "新标题" in response.content.decode() and "is-invalid" in response.content.decode()
    statement.refresh_from_db()
    assert statement.title == "关于3号楼电梯困人事件的说明" and _kinds(statement) == ["drafted"]


def test_roles_that_may_not_write_it_get_no_button_and_no_form(client, spokesperson, writer, estate):
    statement = statement_draft(spokesperson, estate)
    engineer = staff_member(estate, role=Role.ENGINEER)
    for user in (writer, engineer):  # service staff read the media desk; engineers do not write statements
        client.force_login(user)
        assert client.get(_edit_url(statement)).status_code == 403
        client.post(_edit_url(statement), {"title": "改", "body": "改"})
    client.force_login(writer)
    assert _edit_url(statement) not in client.get(reverse("dashboard:statement_detail", args=[statement.pk])).content.decode()
    other = staff_member(EstateFactory(name="别的小区"), role=Role.SPOKESPERSON, username="other-voice")
    client.force_login(other)
    assert client.get(_edit_url(statement)).status_code == 404
    assert client.post(_edit_url(statement), {"title": "改", "body": "改"}).status_code == 404
    assert Statement.objects.get(pk=statement.pk).title == "关于3号楼电梯困人事件的说明"
