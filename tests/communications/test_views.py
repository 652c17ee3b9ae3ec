"""The pages: the dashboard's announcement, progress, media and inquiry pages, the owners' notice
board and the public statement page — who sees what, and what a refused action leaves unchanged."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from communications.lifecycle import approval_missing
from communications.models import Acknowledgement, Delivery, MediaInquiry, MediaMention, Stakeholder
from communications.services import announcements as announcements_svc
from communications.services import media as media_svc
from owners.models import Role
from tests.communications.conftest import media_record, notice_draft, statement_draft
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


# --- Announcements and the notice board ---

def test_owner_sees_only_their_notices_and_acknowledges_once(client, writer, manager, estate, gateway, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    outsider = owner_with_account()
    draft = notice_draft(writer, estate, kind="safety", title="台风预警", ack_required=True, channels=["portal"])
    announcements_svc.announcement_approve(draft, actor=manager)
    announcement = announcements_svc.announcement_publish(draft, actor=writer)
    client.force_login(owner)
    board = client.get(reverse("portal:notice_list")).content.decode()
    assert "台风预警" in board
    unread = Delivery.objects.get(announcement=announcement, resident=owner.resident, channel="portal")
    assert unread.read_at is None
    client.get(reverse("portal:notice_detail", args=[announcement.pk]))
    first_read = Delivery.objects.get(pk=unread.pk).read_at
    assert first_read is not None  # opening the notice marks it read …
    client.get(reverse("portal:notice_detail", args=[announcement.pk]))
    assert Delivery.objects.get(pk=unread.pk).read_at == first_read  # … once
    client.post(reverse("portal:notice_acknowledge", args=[announcement.pk]), {"answer": "safe"})
    client.post(reverse("portal:notice_acknowledge", args=[announcement.pk]), {"answer": "need_help"})
    ack = Acknowledgement.objects.get(announcement=announcement)
    assert ack.resident == owner.resident and ack.answer == "safe"
    assert announcements_svc.announcement_progress(announcement)["acknowledged"] == 1
    client.force_login(outsider)
    assert "台风预警" not in client.get(reverse("portal:notice_list")).content.decode()
    assert client.get(reverse("portal:notice_detail", args=[announcement.pk])).status_code == 404
    assert client.post(reverse("portal:notice_acknowledge", args=[announcement.pk]), {"answer": "safe"}).status_code == 404


def test_staff_of_another_estate_cannot_see_or_send(client, writer, estate, residents):
    announcement = notice_draft(writer, estate)
    outsider = staff_member(EstateFactory(), role=Role.ESTATE_MANAGER)
    client.force_login(outsider)
    assert client.get(reverse("dashboard:announcement_detail", args=[announcement.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        announcements_svc.announcement_publish(announcement, actor=outsider)


def test_progress_page_and_api(client, writer, estate, residents, gateway, settings, django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcements_svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    client.force_login(writer)
    page = client.get(reverse("dashboard:announcement_progress", args=[announcement.pk])).content.decode()
    assert "100%" in page
    progress = client.get(f"/api/v1/announcements/{announcement.pk}/progress/").json()
    assert progress["total"] == 11 and progress["sent"] == 5 and progress["delivered"] == 6


def test_an_engineer_can_read_but_not_send(client, writer, estate, residents):
    announcement = notice_draft(writer, estate)
    engineer = staff_member(estate, role=Role.ENGINEER)
    client.force_login(engineer)
    assert client.get(reverse("dashboard:announcement_detail", args=[announcement.pk])).status_code == 200
    assert client.post(reverse("dashboard:announcement_action", args=[announcement.pk, "publish"])).status_code == 403
    announcement.refresh_from_db()
    assert announcement.status == "draft"


def test_a_refused_page_action_says_why_and_changes_nothing(client, writer, estate):
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏，请立即撤离")
    client.force_login(writer)
    page = client.post(reverse("dashboard:announcement_action", args=[draft.pk, "publish"]), follow=True).content.decode()
    with translation.override("zh-hans"):
        assert str(approval_missing(draft)[0]) in page  # the lifecycle's reason, as the writer reads it
    draft.refresh_from_db()
    assert draft.status == "draft" and not Delivery.objects.exists()


# --- Statements and media records ---

def test_a_new_version_supersedes_the_old_on_the_same_public_page(client, spokesperson, manager, estate):
    first = statement_draft(spokesperson, estate)
    for step in (lambda s: media_svc.statement_submit(s, actor=spokesperson), lambda s: media_svc.statement_review(s, actor=manager, approve=True),
                 lambda s: media_svc.statement_publish(s, actor=spokesperson)):
        step(first)
    second = media_svc.statement_new_version(first, actor=spokesperson, body="更新：电梯已全面检修并恢复运行。")
    with pytest.raises(ValidationError):
        media_svc.statement_new_version(first, actor=spokesperson, body="again")  # one unpublished version at a time
    media_svc.statement_submit(second, actor=spokesperson)
    media_svc.statement_review(second, actor=manager, approve=True)
    media_svc.statement_publish(second, actor=spokesperson)
    first.refresh_from_db()
    assert first.status == "superseded" and second.version == 2 and second.thread == first.thread
    page = client.get(reverse("press_statement", args=[first.thread])).content.decode()  # public: no sign-in
    assert "恢复运行" in page and "无人受伤" in page  # the update first, the history below


def test_residents_see_published_statements_of_their_estate_only(client, spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    media_svc.statement_publish(statement, actor=spokesperson)
    insider = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    outsider = owner_with_account()
    client.force_login(insider)
    assert statement.title in client.get(reverse("portal:notice_list")).content.decode()
    client.force_login(outsider)
    assert statement.title not in client.get(reverse("portal:notice_list")).content.decode()


def test_draft_statements_are_not_public(client, spokesperson, estate):
    statement = statement_draft(spokesperson, estate)
    assert client.get(reverse("press_statement", args=[statement.thread])).status_code == 404


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
        media_svc.inquiry_answer(other, actor=service, answer="x")


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


def test_decline_from_the_dashboard(client, estate, spokesperson):
    inquiry = media_record("inquiry", estate)
    client.force_login(spokesperson)
    response = client.post(reverse("dashboard:inquiry_decline", args=[inquiry.pk]), {"answer": "不予置评"})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "declined"


def test_browsable_api_and_forms_list_only_possible_assignees(client, estate, manager, spokesperson, wrong_assignees):
    client.force_login(manager)
    # The browsable API draws no POST form (core/api/renderers.py) and filters by id, not by a
    # list of accounts (core/api/strict.py IdFilterSet): it offers no one to choose from.
    api = client.get("/api/v1/media-inquiries/", HTTP_ACCEPT="text/html")
    assert api.status_code == 200 and not re.search(r'<select[^>]*name="assigned_to"', api.content.decode())
    for who in wrong_assignees.values():
        assert who.username not in api.content.decode()
    pages = {
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


def _emergency_with_answer(client, writer, manager, estate, answer="need_help"):
    estate.phone = "0571-88886666"
    estate.save(update_fields=["phone"])
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏", ack_required=True, channels=["portal"])
    announcements_svc.announcement_approve(draft, actor=manager)
    announcement = announcements_svc.announcement_publish(draft, actor=writer)
    client.force_login(owner)
    client.post(reverse("portal:notice_acknowledge", args=[announcement.pk]), {"answer": answer})
    return owner, announcement


def test_owner_who_needs_help_is_told_what_happens_next(client, writer, manager, estate):
    owner, announcement = _emergency_with_answer(client, writer, manager, estate)
    page = client.get(reverse("portal:notice_detail", args=[announcement.pk])).content.decode()
    assert 'id="help-next"' in page and 'href="tel:0571-88886666"' in page
    # Not the green "thank you" a safe answer gets: the red box says what happens next.
    assert "物业管理处已收到您的回复" not in page and 'class="alert alert-secondary" id="your-answer"' in page


def test_a_safe_answer_is_thanked(client, writer, manager, estate):
    owner, announcement = _emergency_with_answer(client, writer, manager, estate, answer="safe")
    page = client.get(reverse("portal:notice_detail", args=[announcement.pk])).content.decode()
    assert "物业管理处已收到您的回复" in page and 'class="alert alert-success" id="your-answer"' in page


def test_owner_who_is_safe_sees_no_help_panel(client, writer, manager, estate):
    owner, announcement = _emergency_with_answer(client, writer, manager, estate, answer="safe")
    assert "0571-88886666" not in client.get(reverse("portal:notice_detail", args=[announcement.pk])).content.decode()


def test_staff_see_who_needs_help_on_the_announcement_and_dashboard(client, writer, manager, estate):
    owner, announcement = _emergency_with_answer(client, writer, manager, estate)
    resident = owner.resident
    client.force_login(writer)
    page = client.get(reverse("dashboard:announcement_detail", args=[announcement.pk])).content.decode()
    assert 'id="need-help"' in page and resident.name in page and resident.mobile in page
    home = client.get(reverse("dashboard:home")).content.decode()
    assert resident.name in home and reverse("dashboard:announcement_detail", args=[announcement.pk]) in home
    client.force_login(staff_member(EstateFactory(), role=Role.ESTATE_MANAGER))
    assert resident.name not in client.get(reverse("dashboard:home")).content.decode()
