"""The API: strict input, estate scope on every media record, inquiry assignees who may answer,
and the actions (contact log, decline) that go through the services."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from communications.models import Announcement, MediaInquiry, MediaMention, Stakeholder
from communications.services import media as media_svc
from owners.models import Role
from tests.communications.conftest import MEDIA_ENDPOINTS, api_as, media_record, snapshot
from tests.factories import EstateFactory, staff_member

pytestmark = pytest.mark.django_db


def test_api_refuses_unknown_fields_and_foreign_estates(client, writer, estate):
    client.force_login(writer)
    base = {"kind": "general", "title": "t", "body": "b", "channels": ["portal"], "audience": "estates"}
    response = client.post("/api/v1/announcements/", {**base, "estates": [estate.pk], "urgent": True}, content_type="application/json")
    assert response.status_code == 400 and "urgent" in response.json()["errors"]
    response = client.post("/api/v1/announcements/", {**base, "estates": [EstateFactory().pk]}, content_type="application/json")
    assert response.status_code == 400
    assert not Announcement.objects.exists()


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


def test_contact_log_via_api(estate, spokesperson):
    person = Stakeholder.objects.create(kind="owners_committee", name="赵主任", estate=estate)
    api = APIClient()
    api.force_authenticate(spokesperson)
    response = api.post(f"/api/v1/stakeholders/{person.pk}/contacts/", {"channel": "meeting", "summary": "通报电梯事件", "agreed": "明天联合巡查"}, format="json")
    assert response.status_code == 201
    log = api.get(f"/api/v1/stakeholders/{person.pk}/contacts/").json()
    assert log[0]["agreed"] == "明天联合巡查" and log[0]["by"] == spokesperson.pk


# --- Writes to media records: one scope rule for pages, API and admin (probe finding 10) ---

@pytest.mark.parametrize("kind", list(MEDIA_ENDPOINTS))
def test_estate_staff_cannot_edit_or_claim_company_wide_records(kind, estate, manager):
    url, _model, change, _field = MEDIA_ENDPOINTS[kind]
    row = media_record(kind, None)
    before = snapshot(row)
    api = api_as(manager)  # manages only this estate
    assert api.get(f"{url}{row.pk}/").status_code == 200  # company-wide rows are readable by everyone on staff
    assert api.patch(f"{url}{row.pk}/", change, format="json").status_code == 403
    assert api.patch(f"{url}{row.pk}/", {"estate": estate.pk}, format="json").status_code == 403
    assert snapshot(row) == before
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    assert api_as(company_wide).patch(f"{url}{row.pk}/", change, format="json").status_code == 200


@pytest.mark.parametrize("kind", list(MEDIA_ENDPOINTS))
def test_records_do_not_move_to_another_estate_or_to_company_wide(kind, estate, spokesperson):
    url, _model, _change, _field = MEDIA_ENDPOINTS[kind]
    row = media_record(kind, estate)
    other = EstateFactory()
    before = snapshot(row)
    api = api_as(spokesperson)
    assert api.patch(f"{url}{row.pk}/", {"estate": other.pk}, format="json").status_code == 400
    assert api.patch(f"{url}{row.pk}/", {"estate": None}, format="json").status_code == 403
    assert snapshot(row) == before
    elsewhere = media_record(kind, other)
    assert api.patch(f"{url}{elsewhere.pk}/", {"estate": estate.pk}, format="json").status_code == 404


@pytest.mark.parametrize("kind", list(MEDIA_ENDPOINTS))
def test_service_staff_read_media_records_but_cannot_write_them(kind, estate):
    url, _model, change, field = MEDIA_ENDPOINTS[kind]
    row = media_record(kind, estate)
    before = snapshot(row)
    api = api_as(staff_member(estate, role=Role.SERVICE))
    assert api.get(f"{url}{row.pk}/").status_code == 200
    assert api.patch(f"{url}{row.pk}/", change, format="json").status_code == 403
    assert snapshot(row) == before
    created = {"mention": {"source": "news", "excerpt": "x", "estate": estate.pk},
               "inquiry": {"journalist": "张", "outlet": "电视台", "question": "?", "deadline": timezone.now().isoformat(),
                           "estate": estate.pk},
               "stakeholder": {"kind": "media", "name": "张", "estate": estate.pk}}[kind]
    count = type(row).objects.count()
    assert api.post(url, created, format="json").status_code == 403
    assert type(row).objects.count() == count


def test_only_company_wide_staff_create_company_wide_mentions_through_the_api(estate, spokesperson):
    body = {"source": "news", "excerpt": "全市物业企业排名", "estate": None}
    assert api_as(spokesperson).post("/api/v1/media-mentions/", body, format="json").status_code == 403
    assert not MediaMention.objects.exists()
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    response = api_as(company_wide).post("/api/v1/media-mentions/", body, format="json")
    assert response.status_code == 201 and MediaMention.objects.get().created_by == company_wide


def test_api_edit_of_own_record_goes_through(estate, spokesperson):
    row = media_record("stakeholder", estate)
    response = api_as(spokesperson).patch(f"/api/v1/stakeholders/{row.pk}/", {"phone": "139 0000 9999"}, format="json")
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.phone == "139 0000 9999"


# --- Inquiry assignees: only people who may answer for the inquiry's estate (probe finding 11) ---

def test_api_refuses_assignees_who_may_not_answer_for_the_estate(estate, spokesperson, wrong_assignees):
    inquiry = media_record("inquiry", estate)
    api = api_as(spokesperson)
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
    inquiry = media_record("inquiry", estate)
    inquiry.assigned_to = local
    inquiry.save()
    company_wide = staff_member(None, role=Role.SPOKESPERSON)
    response = api_as(company_wide).patch(f"/api/v1/media-inquiries/{inquiry.pk}/", {"estate": None}, format="json")
    assert response.status_code == 400
    inquiry.refresh_from_db()
    assert inquiry.estate == estate
    with pytest.raises(ValidationError):
        media_svc.inquiry_update(inquiry, actor=company_wide, assigned_to=wrong_assignees["owner"])


# --- Declining an inquiry: one door ---

def test_decline_through_the_api_records_why(estate, spokesperson):
    inquiry = media_record("inquiry", estate)
    url = f"/api/v1/media-inquiries/{inquiry.pk}/decline/"
    assert api_as(staff_member(estate, role=Role.SERVICE)).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api_as(spokesperson).post(url, {"reason": "  "}, format="json").status_code == 400
    response = api_as(spokesperson).post(url, {"reason": "事故调查期间不予置评"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    inquiry.refresh_from_db()
    assert inquiry.status == "declined" and inquiry.answer == "事故调查期间不予置评" and inquiry.answered_at
    assert api_as(spokesperson).post(url, {"reason": "again"}, format="json").status_code == 400  # already closed
    assert api_as(spokesperson).post(f"/api/v1/media-inquiries/{inquiry.pk}/answer/", {"answer": "x"}, format="json").status_code == 400


def test_progress_lists_who_needs_help_to_the_estate_only(estate, writer, manager):
    from communications.services import announcements as announcements_svc
    from tests.communications.conftest import notice_draft
    from tests.factories import BuildingFactory, OccupancyFactory, ResidentFactory, UnitFactory

    resident = ResidentFactory(mobile="13900001111")
    OccupancyFactory(resident=resident, unit=UnitFactory(building=BuildingFactory(estate=estate)))
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏", ack_required=True, channels=["portal"])
    announcements_svc.announcement_approve(draft, actor=manager)
    announcement = announcements_svc.announcement_publish(draft, actor=writer)
    announcements_svc.acknowledgement_record(announcement, resident=resident, answer="need_help")
    url = f"/api/v1/announcements/{announcement.pk}/progress/"
    progress = api_as(writer).get(url).json()
    assert progress["answers"] == {"received": 0, "safe": 0, "need_help": 1}
    [row] = progress["need_help"]
    assert row["name"] == resident.name and row["mobile"] == "13900001111" and row["unit"] and row["answered_at"]
    outsider = staff_member(EstateFactory(), role=Role.ESTATE_MANAGER)
    assert api_as(outsider).get(url).status_code == 404


def test_schema_documents_the_answer_breakdown(writer):
    schema = api_as(writer).get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert set(schema["Progress"]["properties"]) >= {"answers", "need_help"}
    assert set(schema["NeedHelp"]["properties"]) == {"id", "resident", "name", "unit", "mobile", "answered_at",
                                                     "handled_at", "handled_by", "handled_note"}
    assert set(schema["AnswerCounts"]["properties"]) == {"received", "safe", "need_help"}
