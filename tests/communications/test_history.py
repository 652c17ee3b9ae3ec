"""The history of announcements, statements and inquiries where people read it: the staff pages
(newest first, names, the estate's time), the API (documented in the schema) and the admin — and
nowhere an owner or the public looks."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from communications.models import Announcement, AnnouncementEvent, InquiryEvent, StatementEvent
from communications.services import announcements as announcements_svc
from communications.services import media as media_svc
from owners.models import Role
from tests.communications.conftest import api_as
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db

EARLIER_UTC = datetime.datetime(2020, 1, 1, 2, 0, tzinfo=datetime.UTC)  # 08:00 in Urumqi, 10:00 in Shanghai
RETURN_NOTE = "写明撤离集合点与联系人电话"
REVIEW_NOTE = "请删去对事故原因的推测"


@pytest.fixture
def estate():
    return EstateFactory(name="天山苑", timezone="Asia/Urumqi")


@pytest.fixture
def writer(estate):
    return staff_member(estate, role=Role.SERVICE, first_name="服务员甲")


@pytest.fixture
def spokesperson(estate):
    return staff_member(estate, role=Role.SPOKESPERSON, first_name="发言人乙")


@pytest.fixture
def manager(estate):
    return staff_member(estate, role=Role.ESTATE_MANAGER, first_name="经理丙")


@pytest.fixture
def owner(estate):
    return owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))


def _returned_announcement(writer, manager, estate):
    draft = announcements_svc.announcement_create(author=writer, estates=[estate], kind="emergency", title="燃气泄漏",
                                                  body="3号楼燃气泄漏，请立即撤离。", channels=["portal"], audience="estates")
    announcements_svc.announcement_request_approval(draft, actor=writer)
    announcements_svc.announcement_return(draft, actor=manager, note=RETURN_NOTE)
    return draft


def _published_statement(spokesperson, manager, estate):
    """Returned once with a note, then approved and published."""
    statement = media_svc.statement_create(author=spokesperson, title="关于电梯困人的说明", body="今日电梯困人，已救出。", estate=estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=False, note=REVIEW_NOTE)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    return media_svc.statement_publish(statement, actor=spokesperson)


def test_announcement_page_shows_the_history_newest_first_in_the_estates_zone(client, writer, manager, estate):
    draft = _returned_announcement(writer, manager, estate)
    AnnouncementEvent.objects.filter(announcement=draft, kind="drafted").update(at=EARLIER_UTC)
    client.force_login(writer)
    page = client.get(reverse("dashboard:announcement_detail", args=[draft.pk])).content.decode()
    history = page[page.index('id="history"'):]
    assert RETURN_NOTE in history and "经理丙" in history and "服务员甲" in history
    assert history.index(RETURN_NOTE) < history.index("2020-01-01 08:00")  # newest first; drafted at 08:00 Urumqi time
    assert "Asia/Urumqi" in history


def test_an_approver_sends_an_announcement_back_from_its_page(client, writer, manager, estate):
    draft = announcements_svc.announcement_create(author=writer, estates=[estate], kind="safety", title="暴雨预警",
                                                  body="今晚暴雨。", channels=["portal"], audience="estates")
    announcements_svc.announcement_request_approval(draft, actor=writer)
    client.force_login(manager)
    url = reverse("dashboard:announcement_action", args=[draft.pk, "return"])
    assert url in client.get(reverse("dashboard:announcement_detail", args=[draft.pk])).content.decode()
    client.post(url, {"note": ""})  # refused: the note is what the writer needs
    assert Announcement.objects.get(pk=draft.pk).status == "pending_approval"
    client.post(url, {"note": "补充积水路段"})
    assert Announcement.objects.get(pk=draft.pk).status == "draft"
    client.force_login(writer)
    assert "补充积水路段" in client.get(reverse("dashboard:announcement_detail", args=[draft.pk])).content.decode()
    assert client.post(url, {"note": "自己退回"}).status_code == 302
    assert AnnouncementEvent.objects.filter(announcement=draft, kind="returned").count() == 1


def test_statement_page_keeps_what_the_reviewer_said_about_the_earlier_draft(client, spokesperson, manager, estate):
    first = _published_statement(spokesperson, manager, estate)
    second = media_svc.statement_new_version(first, actor=spokesperson, body="更新：电梯已恢复运行。")
    client.force_login(spokesperson)
    page = client.get(reverse("dashboard:statement_detail", args=[second.pk])).content.decode()
    history = page[page.index('id="history"'):]
    assert REVIEW_NOTE in history and "经理丙" in history and "v1" in history and "v2" in history


def test_inquiry_page_shows_received_assigned_answered(client, spokesperson, manager, estate):
    inquiry = media_svc.inquiry_record(actor=spokesperson, journalist="李记者", outlet="都市报", question="是否有人受伤？",
                                       deadline=timezone.now() + timedelta(hours=2), estate=estate, assigned_to=manager)
    client.force_login(manager)
    url = reverse("dashboard:inquiry_detail", args=[inquiry.pk])
    assert url in client.get(reverse("dashboard:media")).content.decode()
    response = client.post(reverse("dashboard:inquiry_answer", args=[inquiry.pk]), {"answer": "无人受伤。", "back": "inquiry"})
    assert response.url == url
    history = client.get(url).content.decode()
    history = history[history.index('id="history"'):]
    assert "无人受伤。" in history and "发言人乙" in history and "经理丙" in history
    client.force_login(staff_member(EstateFactory(), role=Role.SPOKESPERSON))
    assert client.get(url).status_code == 404


def test_api_gives_each_history_newest_first(writer, spokesperson, manager, estate):
    draft = _returned_announcement(writer, manager, estate)
    events = api_as(writer).get(f"/api/v1/announcements/{draft.pk}/events/").json()
    assert [e["kind"] for e in events] == ["returned", "submitted", "drafted"]
    assert events[0] | {"id": None, "at": None} == {
        "id": None, "kind": "returned", "kind_display": str(AnnouncementEvent.Kind.RETURNED.label), "actor": manager.pk,
        "actor_name": "经理丙", "from_status": "pending_approval", "to_status": "draft", "note": RETURN_NOTE, "at": None}
    statement = _published_statement(spokesperson, manager, estate)
    statement_events = api_as(spokesperson).get(f"/api/v1/statements/{statement.pk}/events/").json()
    assert [(e["kind"], e["version"], e["note"]) for e in statement_events][-3] == ("returned", 1, REVIEW_NOTE)
    inquiry = media_svc.inquiry_record(actor=spokesperson, journalist="王", outlet="晚报", question="?", estate=estate,
                                       deadline=timezone.now() + timedelta(hours=1))
    media_svc.inquiry_decline(inquiry, actor=spokesperson, reason="暂不评论")
    assert [(e["kind"], e["note"]) for e in api_as(manager).get(f"/api/v1/media-inquiries/{inquiry.pk}/events/").json()] == [
        ("declined", "暂不评论"), ("received", "")]
    outsider = api_as(staff_member(EstateFactory(), role=Role.ESTATE_MANAGER))
    for path in (f"/api/v1/announcements/{draft.pk}/events/", f"/api/v1/statements/{statement.pk}/events/",
                 f"/api/v1/media-inquiries/{inquiry.pk}/events/"):
        assert outsider.get(path).status_code == 404


def test_api_return_needs_an_approver_and_a_note(writer, manager, estate):
    draft = announcements_svc.announcement_create(author=writer, estates=[estate], kind="safety", title="暴雨预警",
                                                  body="今晚暴雨。", channels=["portal"], audience="estates")
    announcements_svc.announcement_request_approval(draft, actor=writer)
    url = f"/api/v1/announcements/{draft.pk}/return/"
    assert api_as(writer).post(url, {"note": "自己退回"}, format="json").status_code == 403
    assert api_as(manager).post(url, {}, format="json").status_code == 400
    answer = api_as(manager).post(url, {"note": "补充积水路段"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "draft"
    assert api_as(manager).post(url, {"note": "再退一次"}, format="json").status_code == 400  # not waiting any more


def test_the_schema_documents_the_history_operations(client):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/announcements/{id}/events/", "/api/v1/statements/{id}/events/", "/api/v1/media-inquiries/{id}/events/"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["type"] == "array" and "Event" in ok["items"]["$ref"]
    assert "requestBody" in schema["paths"]["/api/v1/announcements/{id}/return/"]["post"]


def test_owners_and_the_public_never_see_the_history(client, writer, spokesperson, manager, estate, owner, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    draft = _returned_announcement(writer, manager, estate)
    announcements_svc.announcement_request_approval(draft, actor=writer)
    announcements_svc.announcement_approve(draft, actor=manager, note="同意发布")
    announcements_svc.announcement_publish(draft, actor=writer)
    statement = _published_statement(spokesperson, manager, estate)
    secrets = (RETURN_NOTE, REVIEW_NOTE, "同意发布", "经理丙", "服务员甲", "发言人乙")
    client.force_login(owner)
    pages = [client.get(reverse("portal:notice_list")), client.get(reverse("portal:notice_detail", args=[draft.pk])),
             client.get(reverse("portal:home"))]
    client.logout()
    pages.append(client.get(reverse("press_statement", args=[statement.thread])))
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        assert "燃气泄漏" in text or "电梯困人" in text or response.request["PATH_INFO"] == reverse("portal:home")
        assert not [secret for secret in secrets if secret in text], response.request["PATH_INFO"]
    owner_api = api_as(owner)
    assert owner_api.get(f"/api/v1/announcements/{draft.pk}/events/").status_code == 403
    assert owner_api.get(f"/api/v1/statements/{statement.pk}/events/").status_code == 403


def test_admin_change_pages_show_the_history_read_only(client, writer, spokesperson, manager, estate):
    draft = _returned_announcement(writer, manager, estate)
    statement = _published_statement(spokesperson, manager, estate)
    inquiry = media_svc.inquiry_record(actor=spokesperson, journalist="王", outlet="晚报", question="?", estate=estate,
                                       deadline=timezone.now() + timedelta(hours=1))
    client.force_login(manager)
    assert RETURN_NOTE in client.get(reverse("admin:communications_announcement_change", args=[draft.pk])).content.decode()
    assert REVIEW_NOTE in client.get(reverse("admin:communications_statement_change", args=[statement.pk])).content.decode()
    page = client.get(reverse("admin:communications_mediainquiry_change", args=[inquiry.pk])).content.decode()
    assert str(InquiryEvent.Kind.RECEIVED.label) in page and "发言人乙" in page
    assert StatementEvent.objects.filter(statement=statement).count() == 6
