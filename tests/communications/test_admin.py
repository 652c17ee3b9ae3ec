"""The admin: estate staff see and change only their estates' records, never company-wide ones;
inquiry status and answers and the contact log are left to the services."""

import pytest
from django.urls import reverse

from communications.models import MediaMention
from communications.services import media as media_svc
from owners.models import Role
from tests.communications.conftest import MEDIA_ENDPOINTS, media_record, snapshot, statement_draft
from tests.factories import EstateFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", list(MEDIA_ENDPOINTS))
def test_admin_keeps_estate_managers_off_company_wide_records(kind, client, estate, manager):
    model = MEDIA_ENDPOINTS[kind][1]
    opts = model._meta
    company_wide = media_record(kind, None)
    before = snapshot(company_wide)
    client.force_login(manager)
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[company_wide.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only
    data = {"estate": estate.pk, "reach": 1, "outlet": "x", "phone": "1", "source": "news", "excerpt": "x", "kind": "media",
            "name": "x", "journalist": "x", "question": "x", "deadline_0": "2030-01-01", "deadline_1": "10:00",
            "mentioned_at_0": "2030-01-01", "mentioned_at_1": "10:00", "sentiment": "neutral",
            "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0", "_save": "1"}
    assert client.post(change_url, data).status_code == 403
    assert snapshot(company_wide) == before


def test_admin_saves_own_estate_records_and_refuses_company_wide_ones(client, estate, manager):
    mention = media_record("mention", estate)
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


def test_admin_leaves_inquiry_status_and_answer_to_the_services(client, estate, manager):
    inquiry = media_record("inquiry", estate)
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
    mine, company_wide = media_record("inquiry", estate), media_record("inquiry", None)
    client.force_login(manager)
    changelist = reverse("admin:communications_mediainquiry_changelist")
    client.post(changelist, {"action": "decline", "_selected_action": [mine.pk, company_wide.pk], "reason": "不予置评"})
    mine.refresh_from_db()
    company_wide.refresh_from_db()
    assert mine.status == "declined" and mine.answer == "不予置评"
    assert company_wide.status == "open"  # company-wide inquiries: company-wide staff only
    other = media_record("inquiry", estate)
    client.post(changelist, {"action": "decline", "_selected_action": [other.pk], "reason": ""})
    other.refresh_from_db()
    assert other.status == "open"  # a reason is required


def test_admin_contact_log_only_grows_and_names_who_logged(client, estate, manager):
    person = media_record("stakeholder", estate)
    earlier = media_svc.contact_log_add(stakeholder=person, actor=manager, summary="第一次通报", channel="phone")
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


@pytest.mark.parametrize("kind", list(MEDIA_ENDPOINTS))
def test_admin_hides_other_estates_records_and_names(kind, client, estate, manager):
    model = MEDIA_ENDPOINTS[kind][1]
    opts = model._meta
    elsewhere = media_record(kind, EstateFactory(name="别人的小区"))
    client.force_login(manager)
    other_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[elsewhere.pk])
    assert client.get(other_url).status_code == 404
    listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).content.decode()
    assert "别人的小区" not in listing  # not even in the estate filter


def test_admin_statement_and_saved_list_filters_name_only_own_estates(client, estate, manager):
    from communications.models import SavedAudience

    elsewhere = EstateFactory(name="别人的小区")
    statement_draft(staff_member(elsewhere, role=Role.SPOKESPERSON), elsewhere)
    SavedAudience.objects.create(name="别处名单", estate=elsewhere)
    statement_draft(staff_member(estate, role=Role.SPOKESPERSON), estate)
    client.force_login(manager)
    for name in ("statement", "savedaudience"):
        page = client.get(reverse(f"admin:communications_{name}_changelist"))
        assert page.status_code == 200 and "别人的小区" not in page.content.decode(), name
