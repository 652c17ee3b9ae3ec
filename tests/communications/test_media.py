"""Statements, media mentions and inquiries, stakeholders: approval, versions, scope, the public page."""

import threading
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


# --- Writes to media records: one scope rule for pages, API and admin (probe finding 10) ---

_ENDPOINTS = {
    "mention": ("/api/v1/media-mentions/", MediaMention, {"reach": 4242}, "reach"),
    "inquiry": ("/api/v1/media-inquiries/", MediaInquiry, {"outlet": "改过的报社"}, "outlet"),
    "stakeholder": ("/api/v1/stakeholders/", Stakeholder, {"phone": "139 0000 9999"}, "phone"),
}


def _record(kind, estate):
    if kind == "mention":
        return MediaMention.objects.create(source="news", excerpt="全市电梯安全检查", reach=100, estate=estate)
    if kind == "inquiry":
        return MediaInquiry.objects.create(journalist="李敏", outlet="新民晚报", question="?", estate=estate,
                                           deadline=timezone.now() + timedelta(hours=3))
    return Stakeholder.objects.create(kind="street_office", name="王建", phone="021-5888 0002", estate=estate)


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _snapshot(row):
    row = type(row).objects.get(pk=row.pk)
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


@pytest.mark.parametrize("kind", list(_ENDPOINTS))
def test_estate_staff_cannot_edit_or_claim_company_wide_records(kind, estate, manager):
    url, _model, change, _field = _ENDPOINTS[kind]
    row = _record(kind, None)
    before = _snapshot(row)
    api = _api(manager)  # manages only this estate
    assert api.get(f"{url}{row.pk}/").status_code == 200  # company-wide rows are readable by everyone on staff
    assert api.patch(f"{url}{row.pk}/", change, format="json").status_code == 403
    assert api.patch(f"{url}{row.pk}/", {"estate": estate.pk}, format="json").status_code == 403
    assert _snapshot(row) == before
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    assert _api(company_wide).patch(f"{url}{row.pk}/", change, format="json").status_code == 200


@pytest.mark.parametrize("kind", list(_ENDPOINTS))
def test_records_do_not_move_to_another_estate_or_to_company_wide(kind, estate, spokesperson):
    url, _model, _change, _field = _ENDPOINTS[kind]
    row = _record(kind, estate)
    other = EstateFactory()
    before = _snapshot(row)
    api = _api(spokesperson)
    assert api.patch(f"{url}{row.pk}/", {"estate": other.pk}, format="json").status_code == 400
    assert api.patch(f"{url}{row.pk}/", {"estate": None}, format="json").status_code == 403
    assert _snapshot(row) == before
    elsewhere = _record(kind, other)
    assert api.patch(f"{url}{elsewhere.pk}/", {"estate": estate.pk}, format="json").status_code == 404


@pytest.mark.parametrize("kind", list(_ENDPOINTS))
def test_service_staff_read_media_records_but_cannot_write_them(kind, estate):
    url, _model, change, field = _ENDPOINTS[kind]
    row = _record(kind, estate)
    before = _snapshot(row)
    api = _api(staff_member(estate, role=Role.SERVICE))
    assert api.get(f"{url}{row.pk}/").status_code == 200
    assert api.patch(f"{url}{row.pk}/", change, format="json").status_code == 403
    assert _snapshot(row) == before
    created = {"mention": {"source": "news", "excerpt": "x", "estate": estate.pk},
               "inquiry": {"journalist": "张", "outlet": "电视台", "question": "?", "deadline": timezone.now().isoformat(),
                           "estate": estate.pk},
               "stakeholder": {"kind": "media", "name": "张", "estate": estate.pk}}[kind]
    count = type(row).objects.count()
    assert api.post(url, created, format="json").status_code == 403
    assert type(row).objects.count() == count


def test_only_company_wide_staff_create_company_wide_mentions_through_the_api(estate, spokesperson):
    body = {"source": "news", "excerpt": "全市物业企业排名", "estate": None}
    assert _api(spokesperson).post("/api/v1/media-mentions/", body, format="json").status_code == 403
    assert not MediaMention.objects.exists()
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    response = _api(company_wide).post("/api/v1/media-mentions/", body, format="json")
    assert response.status_code == 201 and MediaMention.objects.get().created_by == company_wide


def test_api_edit_of_own_record_goes_through(estate, spokesperson):
    row = _record("stakeholder", estate)
    response = _api(spokesperson).patch(f"/api/v1/stakeholders/{row.pk}/", {"phone": "139 0000 9999"}, format="json")
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.phone == "139 0000 9999"


def test_service_staff_cannot_open_the_record_pages(client, estate):
    client.force_login(staff_member(estate, role=Role.SERVICE))
    for kind in ("mention", "inquiry", "stakeholder"):
        assert client.get(reverse("dashboard:media_record", args=[kind])).status_code == 403
    page = client.get(reverse("dashboard:media")).content.decode()
    assert reverse("dashboard:media_record", args=["mention"]) not in page


def test_dashboard_refuses_company_wide_records_from_estate_staff(client, estate, spokesperson):
    client.force_login(spokesperson)
    response = client.post(reverse("dashboard:media_record", args=["stakeholder"]), {"kind": "media", "name": "张记者", "estate": ""})
    assert response.status_code == 400 and not Stakeholder.objects.exists()
    response = client.post(reverse("dashboard:media_record", args=["stakeholder"]), {"kind": "media", "name": "张记者", "estate": estate.pk})
    assert response.status_code == 302 and Stakeholder.objects.get().estate == estate


@pytest.mark.parametrize("kind", list(_ENDPOINTS))
def test_admin_keeps_estate_managers_off_company_wide_records(kind, client, estate, manager):
    model = _ENDPOINTS[kind][1]
    opts = model._meta
    company_wide = _record(kind, None)
    before = _snapshot(company_wide)
    client.force_login(manager)
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[company_wide.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only
    data = {"estate": estate.pk, "reach": 1, "outlet": "x", "phone": "1", "source": "news", "excerpt": "x", "kind": "media",
            "name": "x", "journalist": "x", "question": "x", "deadline_0": "2030-01-01", "deadline_1": "10:00",
            "mentioned_at_0": "2030-01-01", "mentioned_at_1": "10:00", "sentiment": "neutral",
            "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0", "_save": "1"}
    assert client.post(change_url, data).status_code == 403
    assert _snapshot(company_wide) == before


def test_admin_saves_own_estate_records_and_refuses_company_wide_ones(client, estate, manager):
    mention = _record("mention", estate)
    client.force_login(manager)
    form = {"source": "news", "excerpt": "全市电梯安全检查", "sentiment": "neutral", "reach": 77, "estate": estate.pk,
            "mentioned_at_0": "2030-01-01", "mentioned_at_1": "10:00", "_save": "1"}
    response = client.post(reverse("admin:communications_mediamention_change", args=[mention.pk]), form)
    assert response.status_code == 302
    mention.refresh_from_db()
    assert mention.reach == 77 and mention.estate == estate
    response = client.post(reverse("admin:communications_mediamention_add"), {**form, "estate": ""})
    assert response.status_code == 200 and MediaMention.objects.count() == 1  # the form asks for an estate
    response = client.post(reverse("admin:communications_mediamention_add"), form)
    assert response.status_code == 302 and MediaMention.objects.latest("id").created_by == manager


# --- Inquiry assignees: only people who may answer for the inquiry's estate (probe finding 11) ---

@pytest.fixture
def wrong_assignees(estate):
    """An owner's portal account, a spokesperson of another estate and service staff of this one."""
    return {"owner": owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate))),
            "elsewhere": staff_member(EstateFactory(), role=Role.SPOKESPERSON, username="other-estate-voice"),
            "service": staff_member(estate, role=Role.SERVICE, username="front-desk")}


def test_api_refuses_assignees_who_may_not_answer_for_the_estate(estate, spokesperson, wrong_assignees):
    inquiry = _record("inquiry", estate)
    api = _api(spokesperson)
    for who in wrong_assignees.values():
        response = api.patch(f"/api/v1/media-inquiries/{inquiry.pk}/", {"assigned_to": who.pk}, format="json")
        assert response.status_code == 400 and "assigned_to" in response.json()["errors"]
    inquiry.refresh_from_db()
    assert inquiry.assigned_to is None
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    assert api.patch(f"/api/v1/media-inquiries/{inquiry.pk}/", {"assigned_to": company_wide.pk}, format="json").status_code == 200
    response = api.post("/api/v1/media-inquiries/", {"journalist": "张", "outlet": "电视台", "question": "?", "estate": estate.pk,
                                                     "deadline": timezone.now().isoformat(),
                                                     "assigned_to": wrong_assignees["owner"].pk}, format="json")
    assert response.status_code == 400 and MediaInquiry.objects.count() == 1


def test_assignee_must_fit_the_estate_the_inquiry_moves_to(estate, wrong_assignees):
    """A company-wide spokesperson moving an inquiry keeps an assignee only if they may answer there."""
    local = staff_member(estate, role=Role.SPOKESPERSON)
    inquiry = _record("inquiry", estate)
    inquiry.assigned_to = local
    inquiry.save()
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    response = _api(company_wide).patch(f"/api/v1/media-inquiries/{inquiry.pk}/", {"estate": None}, format="json")
    assert response.status_code == 400
    inquiry.refresh_from_db()
    assert inquiry.estate == estate
    with pytest.raises(ValidationError):
        svc.inquiry_update(inquiry, actor=company_wide, assigned_to=wrong_assignees["owner"])


def test_browsable_api_and_forms_list_only_possible_assignees(client, estate, manager, spokesperson, wrong_assignees):
    client.force_login(manager)
    pages = {
        "api": client.get("/api/v1/media-inquiries/", HTTP_ACCEPT="text/html").content.decode(),
        "dashboard": client.get(reverse("dashboard:media_record", args=["inquiry"])).content.decode(),
        "admin": client.get(reverse("admin:communications_mediainquiry_add")).content.decode(),
    }
    for name, page in pages.items():
        options = page.split('name="assigned_to"', 1)[1].split("</select>", 1)[0]
        assert f'value="{spokesperson.pk}"' in options, name
        for who in wrong_assignees.values():
            assert f'value="{who.pk}"' not in options, (name, who.username)


def test_dashboard_and_admin_refuse_an_owner_as_assignee(client, estate, manager, wrong_assignees):
    client.force_login(manager)
    owner = wrong_assignees["owner"]
    page = client.post(reverse("dashboard:media_record", args=["inquiry"]), {
        "journalist": "张", "outlet": "电视台", "question": "?", "estate": estate.pk, "deadline": "2030-01-01T10:00",
        "assigned_to": owner.pk})
    assert page.status_code == 400
    admin_page = client.post(reverse("admin:communications_mediainquiry_add"), {
        "journalist": "张", "outlet": "电视台", "question": "?", "estate": estate.pk, "deadline_0": "2030-01-01",
        "deadline_1": "10:00", "assigned_to": owner.pk, "_save": "1"})
    assert admin_page.status_code == 200 and "assigned_to" in admin_page.content.decode()
    assert not MediaInquiry.objects.exists()


# --- Declining an inquiry and the contact log: one door each ---

def test_decline_through_the_api_records_why(estate, spokesperson):
    inquiry = _record("inquiry", estate)
    url = f"/api/v1/media-inquiries/{inquiry.pk}/decline/"
    assert _api(staff_member(estate, role=Role.SERVICE)).post(url, {"reason": "x"}, format="json").status_code == 403
    assert _api(spokesperson).post(url, {"reason": "  "}, format="json").status_code == 400
    response = _api(spokesperson).post(url, {"reason": "事故调查期间不予置评"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    inquiry.refresh_from_db()
    assert inquiry.status == "declined" and inquiry.answer == "事故调查期间不予置评" and inquiry.answered_at
    assert _api(spokesperson).post(url, {"reason": "again"}, format="json").status_code == 400  # already closed
    assert _api(spokesperson).post(f"/api/v1/media-inquiries/{inquiry.pk}/answer/", {"answer": "x"}, format="json").status_code == 400


def test_decline_from_the_dashboard(client, estate, spokesperson):
    inquiry = _record("inquiry", estate)
    client.force_login(spokesperson)
    response = client.post(reverse("dashboard:inquiry_decline", args=[inquiry.pk]), {"answer": "不予置评"})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "declined"


def test_admin_leaves_inquiry_status_and_answer_to_the_services(client, estate, manager):
    inquiry = _record("inquiry", estate)
    client.force_login(manager)
    form = client.get(reverse("admin:communications_mediainquiry_change", args=[inquiry.pk])).content.decode()
    assert 'name="status"' not in form and 'name="answer"' not in form
    response = client.post(reverse("admin:communications_mediainquiry_change", args=[inquiry.pk]), {
        "journalist": "李敏", "outlet": "新民晚报", "question": "?", "estate": estate.pk, "deadline_0": "2030-01-01",
        "deadline_1": "10:00", "status": "declined", "answer": "后门答复", "_save": "1"})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "open" and inquiry.answer == "" and inquiry.deadline.year == 2030


def test_admin_declines_through_the_service(client, estate, manager):
    mine, company_wide = _record("inquiry", estate), _record("inquiry", None)
    client.force_login(manager)
    changelist = reverse("admin:communications_mediainquiry_changelist")
    client.post(changelist, {"action": "decline", "_selected_action": [mine.pk, company_wide.pk], "reason": "不予置评"})
    mine.refresh_from_db()
    company_wide.refresh_from_db()
    assert mine.status == "declined" and mine.answer == "不予置评"
    assert company_wide.status == "open"  # company-wide inquiries: company-wide staff only
    other = _record("inquiry", estate)
    client.post(changelist, {"action": "decline", "_selected_action": [other.pk], "reason": ""})
    other.refresh_from_db()
    assert other.status == "open"  # a reason is required


def test_admin_contact_log_only_grows_and_names_who_logged(client, estate, manager):
    person = _record("stakeholder", estate)
    earlier = svc.contact_log_add(stakeholder=person, actor=manager, summary="第一次通报", channel="phone")
    client.force_login(manager)
    response = client.post(reverse("admin:communications_stakeholder_change", args=[person.pk]), {
        "kind": "street_office", "name": "王建", "phone": "021-5888 0002", "estate": estate.pk,
        "contacts-TOTAL_FORMS": "2", "contacts-INITIAL_FORMS": "1", "contacts-MIN_NUM_FORMS": "0", "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-id": earlier.pk, "contacts-0-stakeholder": person.pk, "contacts-0-summary": "改写历史",
        "contacts-0-channel": "phone", "contacts-0-at_0": "2030-01-01", "contacts-0-at_1": "10:00",
        "contacts-1-stakeholder": person.pk, "contacts-1-summary": "  联合巡查  ", "contacts-1-agreed": "周五前整改",
        "contacts-1-channel": "visit", "contacts-1-at_0": "2030-01-02", "contacts-1-at_1": "10:00", "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    earlier.refresh_from_db()
    assert earlier.summary == "第一次通报"
    added = person.contacts.exclude(pk=earlier.pk).get()
    assert added.by == manager and added.summary == "联合巡查" and added.at.year == 2030
@pytest.mark.parametrize("kind", list(_ENDPOINTS))
def test_admin_hides_other_estates_records_and_names(kind, client, estate, manager):
    model = _ENDPOINTS[kind][1]
    opts = model._meta
    elsewhere = _record(kind, EstateFactory(name="别人的小区"))
    client.force_login(manager)
    other_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[elsewhere.pk])
    assert client.get(other_url).status_code == 404
    listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).content.decode()
    assert "别人的小区" not in listing  # not even in the estate filter


def test_admin_statement_and_saved_list_filters_name_only_own_estates(client, estate, manager):
    from communications.models import SavedAudience

    elsewhere = EstateFactory(name="别人的小区")
    _statement(staff_member(elsewhere, role=Role.SPOKESPERSON), elsewhere)
    SavedAudience.objects.create(name="别处名单", estate=elsewhere)
    _statement(staff_member(estate, role=Role.SPOKESPERSON), estate)
    client.force_login(manager)
    for name in ("statement", "savedaudience"):
        page = client.get(reverse(f"admin:communications_{name}_changelist"))
        assert page.status_code == 200 and "别人的小区" not in page.content.decode(), name


# --- Statement versions under concurrency ---

def _published(spokesperson, manager, estate):
    statement = _statement(spokesperson, estate)
    svc.statement_submit(statement, actor=spokesperson)
    svc.statement_review(statement, actor=manager, approve=True)
    return svc.statement_publish(statement, actor=spokesperson)


@pytest.mark.django_db(transaction=True)
def test_two_updates_started_at_once_make_one_new_version(spokesperson, manager, estate):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two transactions cannot race")
    from communications.models import Statement

    for _round in range(5):  # the race window is small: try a few times
        first = _published(spokesperson, manager, estate)
        outcomes, barrier = [], threading.Barrier(2)

        def update(text):
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
