"""Statements, media mentions and inquiries, stakeholders: approval, versions, scope, the public page."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from communications.models import Announcement, Delivery, MediaInquiry, MediaMention, Stakeholder
from communications.services import media as svc
from owners.models import Role
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

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
    return svc.statement_create(author=author, title="关于3号楼电梯困人事件的说明", body="今日 14:05 发生电梯困人，14:25 救出，无人受伤。", estate=estate)


def test_only_an_approved_statement_can_be_published(spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    with pytest.raises(ValidationError):
        svc.statement_publish(statement, actor=spokesperson)
    svc.statement_submit(statement, actor=spokesperson)
    with pytest.raises(PermissionDenied):
        svc.statement_review(statement, actor=spokesperson, approve=True)
    svc.statement_review(statement, actor=manager, approve=True)
    published = svc.statement_publish(statement, actor=spokesperson)
    assert published.status == "published" and published.approved_by == manager and published.published_at


def test_a_new_version_supersedes_the_old_on_the_same_public_page(client, spokesperson, manager, estate):
    first = _statement(spokesperson, estate)
    for step in (lambda s: svc.statement_submit(s, actor=spokesperson), lambda s: svc.statement_review(s, actor=manager, approve=True),
                 lambda s: svc.statement_publish(s, actor=spokesperson)):
        step(first)
    second = svc.statement_new_version(first, actor=spokesperson, body="更新：电梯已全面检修并恢复运行。")
    with pytest.raises(ValidationError):
        svc.statement_new_version(first, actor=spokesperson, body="again")  # one unpublished version at a time
    svc.statement_submit(second, actor=spokesperson)
    svc.statement_review(second, actor=manager, approve=True)
    svc.statement_publish(second, actor=spokesperson)
    first.refresh_from_db()
    assert first.status == "superseded" and second.version == 2 and second.thread == first.thread
    page = client.get(reverse("press_statement", args=[first.thread])).content.decode()  # public: no sign-in
    assert "恢复运行" in page and "无人受伤" in page  # the update first, the history below


def test_sent_back_statement_returns_to_draft_with_the_note(spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=False, note="请补充救援用时")
    statement.refresh_from_db()
    assert statement.status == "draft" and "救援用时" in statement.review_note


@pytest.mark.django_db(transaction=True)
def test_publishing_with_announce_tells_the_residents(spokesperson, manager, estate, gateway, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    svc.statement_publish(statement, actor=spokesperson, announce=True)
    announcement = Announcement.objects.get()
    assert announcement.crisis_related and announcement.approved_by == manager
    assert Delivery.objects.filter(announcement=announcement, resident=owner.resident, channel="portal").exists()
    assert gateway.texts_to(owner.resident.mobile)


def test_residents_see_published_statements_of_their_estate_only(client, spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    svc.statement_publish(statement, actor=spokesperson)
    insider = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    outsider = owner_with_account()
    client.force_login(insider)
    assert statement.title in client.get(reverse("portal:notice_list")).content.decode()
    client.force_login(outsider)
    assert statement.title not in client.get(reverse("portal:notice_list")).content.decode()


def test_draft_statements_are_not_public(client, spokesperson, estate):
    statement = _statement(spokesperson, estate)
    assert client.get(reverse("press_statement", args=[statement.thread])).status_code == 404


def test_monitoring_tool_posts_mentions_with_a_token(estate, spokesperson):
    tool = staff_member(None, role=Role.SPOKESPERSON, username="monitor-bot")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=tool).key}")
    response = api.post("/api/v1/media-mentions/", {"source": "weibo", "excerpt": "锦绣城电梯又困人了！", "sentiment": "negative",
                                                    "reach": 52000, "estate": estate.pk, "url": "https://weibo.example/1"}, format="json")
    assert response.status_code == 201, response.json()
    mention = MediaMention.objects.get()
    assert mention.created_by == tool and mention.reach == 52000
    assert APIClient().post("/api/v1/media-mentions/", {"source": "weibo", "excerpt": "x"}, format="json").status_code == 401


def test_mentions_and_stakeholders_are_scoped(estate, spokesperson):
    other = EstateFactory()
    MediaMention.objects.create(source="news", excerpt="本小区", estate=estate)
    MediaMention.objects.create(source="news", excerpt="别的小区", estate=other)
    Stakeholder.objects.create(kind="street_office", name="王主任", estate=other)
    api = APIClient()
    api.force_authenticate(spokesperson)
    assert [m["excerpt"] for m in api.get("/api/v1/media-mentions/").json()["results"]] == ["本小区"]
    assert api.get("/api/v1/stakeholders/").json()["results"] == []
    response = api.post("/api/v1/media-mentions/", {"source": "news", "excerpt": "x", "estate": other.pk}, format="json")
    assert response.status_code == 400


def test_inquiry_answer_and_overdue_on_the_dashboard(client, estate, spokesperson):
    late = MediaInquiry.objects.create(journalist="李记者", outlet="城市晚报", question="电梯多久检修一次？", estate=estate,
                                       deadline=timezone.now() - timedelta(hours=1))
    client.force_login(spokesperson)
    assert "城市晚报" in client.get(reverse("dashboard:home")).content.decode()
    client.post(reverse("dashboard:inquiry_answer", args=[late.pk]), {"answer": "每半月一次维保，每年一次年检。"})
    late.refresh_from_db()
    assert late.status == "answered" and late.answered_at
    assert "城市晚报" not in client.get(reverse("dashboard:home")).content.decode()
    service = staff_member(estate, role=Role.SERVICE)
    other = MediaInquiry.objects.create(journalist="张", outlet="电视台", question="?", estate=estate, deadline=timezone.now())
    with pytest.raises(PermissionDenied):
        svc.inquiry_answer(other, actor=service, answer="x")


def test_contact_log_via_api(estate, spokesperson):
    person = Stakeholder.objects.create(kind="owners_committee", name="赵主任", estate=estate)
    api = APIClient()
    api.force_authenticate(spokesperson)
    response = api.post(f"/api/v1/stakeholders/{person.pk}/contacts/", {"channel": "meeting", "summary": "通报电梯事件", "agreed": "明天联合巡查"}, format="json")
    assert response.status_code == 201
    log = api.get(f"/api/v1/stakeholders/{person.pk}/contacts/").json()
    assert log[0]["agreed"] == "明天联合巡查" and log[0]["by"] == spokesperson.pk


def test_dashboard_records_a_mention(client, estate, spokesperson):
    client.force_login(spokesperson)
    response = client.post(reverse("dashboard:media_record", args=["mention"]), {
        "source": "douyin", "excerpt": "视频：小区门口积水", "sentiment": "negative", "reach": 1000, "estate": estate.pk,
        # An hour ago in the form's zone: the media home lists the negative mentions of the past week.
        "mentioned_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 302 and MediaMention.objects.get().created_by == spokesperson
    page = client.get(reverse("dashboard:media")).content.decode()
    assert "小区门口积水" in page
