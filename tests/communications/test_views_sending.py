"""The pages before a mass send: a confirmation with the reach per channel and the SMS as it goes
out; send times typed on the estate's clock and refused when past; editing (an approved one goes
back for approval); what waits for my approval on the dashboard home and in the sidebar."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import Announcement, Delivery
from communications.services import announcements as svc
from communications.services import media as media_svc
from communications.services.rendering import announcement_link
from owners.models import Role
from tests.communications.conftest import notice_draft, statement_draft
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_hours(settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"


def _act(announcement, action):
    return reverse("dashboard:announcement_action", args=[announcement.pk, action])


def test_send_now_first_shows_the_reach_and_the_sms_then_sends_on_confirm(client, writer, estate, residents, open_hours):
    draft = notice_draft(writer, estate, sms_text="明天9点停水")
    client.force_login(writer)
    page = client.post(_act(draft, "publish")).content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and not Delivery.objects.exists()  # nothing sent yet
    assert "明天9点停水 " + announcement_link(draft.pk) in page  # the SMS exactly as it goes out
    assert 'id="send-total">11<' in page  # 6 on the notice board + 5 by SMS (one opted out)
    assert 'name="confirmed" value="1"' in page
    client.post(_act(draft, "publish"), {"confirmed": "1"})
    draft.refresh_from_db()
    assert draft.status in ("sending", "sent") and Delivery.objects.filter(announcement=draft).count() == 11


def test_a_double_clicked_chase_sends_one_round(client, writer, manager, estate, residents, open_hours):
    draft = notice_draft(writer, estate, kind="emergency", ack_required=True)
    svc.announcement_approve(draft, actor=manager)
    announcement = svc.announcement_publish(draft, actor=writer)
    client.force_login(writer)
    confirm = client.post(_act(announcement, "chase")).content.decode()
    assert 'name="round" value="0"' in confirm and not Delivery.objects.filter(round=1).exists()
    first = client.post(_act(announcement, "chase"), {"confirmed": "1", "round": "0"}, follow=True)
    second = client.post(_act(announcement, "chase"), {"confirmed": "1", "round": "0"}, follow=True)
    assert Delivery.objects.filter(announcement=announcement, round=1).count() == 6
    assert not Delivery.objects.filter(announcement=announcement, round__gt=1).exists()
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    assert [m.level_tag for m in second.context["messages"]] == ["error"]  # told, not silently ignored


def test_the_api_chase_is_guarded_by_the_same_service(writer, manager, estate, residents, open_hours):
    from tests.communications.conftest import api_as

    draft = notice_draft(writer, estate, kind="emergency", ack_required=True)
    svc.announcement_approve(draft, actor=manager)
    announcement = svc.announcement_publish(draft, actor=writer)
    api = api_as(writer)
    assert api.post(f"/api/v1/announcements/{announcement.pk}/chase/").status_code == 200
    again = api.post(f"/api/v1/announcements/{announcement.pk}/chase/")
    assert again.status_code == 400
    assert Delivery.objects.filter(announcement=announcement, round=2).count() == 0


def _form(estate, **extra):
    return {"kind": "general", "title": "电梯维保", "body": "周三电梯维保。", "audience": "estates", "estates": [estate.pk],
            "channels": ["portal"], **extra}


def test_the_send_time_is_typed_on_the_estates_clock_and_the_form_says_which(client, writer, estate):
    estate.timezone = "Asia/Urumqi"
    estate.save()
    client.force_login(writer)
    form = client.get(reverse("dashboard:announcement_new")).content.decode()
    assert "Asia/Urumqi" in form
    later = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Urumqi")).replace(second=0, microsecond=0)
    client.post(reverse("dashboard:announcement_new"), _form(estate, scheduled_at=later.strftime("%Y-%m-%dT%H:%M")))
    announcement = Announcement.objects.get()
    assert announcement.scheduled_at == later  # 10:00 in Urumqi, not 10:00 in Shanghai
    page = client.get(reverse("dashboard:announcement_detail", args=[announcement.pk])).content.decode()
    assert later.strftime("%Y-%m-%d %H:%M") in page and "Asia/Urumqi" in page


def test_a_past_send_time_is_refused_beside_the_field_and_nothing_is_saved(client, writer, estate):
    client.force_login(writer)
    past = timezone.localtime(timezone.now() - timedelta(hours=3), ZoneInfo(estate.timezone))
    response = client.post(reverse("dashboard:announcement_new"), _form(estate, scheduled_at=past.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 400
    assert response.context["form"].errors["scheduled_at"]
    assert not Announcement.objects.exists()


def test_a_draft_is_edited_and_an_approved_one_goes_back_for_approval(client, writer, manager, estate):
    draft = notice_draft(writer, estate, kind="emergency", title="燃起泄漏")
    client.force_login(writer)
    assert 'id="edit-announcement"' in client.get(reverse("dashboard:announcement_detail", args=[draft.pk])).content.decode()
    edit = reverse("dashboard:announcement_edit", args=[draft.pk])
    client.post(edit, _form(estate, kind="emergency", title="燃气泄漏", channels=["portal", "sms"]))
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("燃气泄漏", "draft")
    svc.announcement_approve(draft, actor=manager)
    page = client.get(edit).content.decode()
    assert "alert-warning" in page  # says it will need approval again
    client.post(edit, _form(estate, kind="emergency", title="燃气泄漏，请撤离", channels=["portal", "sms"]))
    draft.refresh_from_db()
    assert (draft.title, draft.status, draft.approved_by) == ("燃气泄漏，请撤离", "pending_approval", None)


def test_a_sent_announcement_cannot_be_edited(client, writer, estate, residents, open_hours):
    announcement = svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    client.force_login(writer)
    response = client.post(reverse("dashboard:announcement_edit", args=[announcement.pk]), _form(estate, title="改"))
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.title == "停水通知"


def test_what_waits_for_my_approval_is_on_my_home_and_in_the_sidebar(client, writer, manager, spokesperson, estate):
    waiting = svc.announcement_request_approval(notice_draft(writer, estate, kind="emergency", title="2号楼电梯困人"), actor=writer)
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    client.force_login(manager)
    home = client.get(reverse("dashboard:home")).content.decode()
    assert 'id="approvals"' in home
    assert reverse("dashboard:announcement_detail", args=[waiting.pk]) in home
    assert reverse("dashboard:statement_detail", args=[statement.pk]) in home
    assert 'id="approvals-badge"' in home and ">2<" in home.split('id="approvals-badge"')[1][:40]
    client.force_login(writer)  # service staff approve nothing: no panel, no badge
    home = client.get(reverse("dashboard:home")).content.decode()
    assert 'id="approvals"' not in home and 'id="approvals-badge"' not in home
    client.force_login(staff_member(EstateFactory(), role=Role.ESTATE_MANAGER))
    assert "2号楼电梯困人" not in client.get(reverse("dashboard:home")).content.decode()


def test_the_badge_costs_at_most_one_query(client, manager, writer, estate, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    url = reverse("dashboard:announcement_list")
    with CaptureQueriesContext(connection) as none_waiting:
        client.get(url)
    for i in range(5):
        svc.announcement_request_approval(notice_draft(writer, estate, kind="safety", title=f"台风{i}"), actor=writer)
    with CaptureQueriesContext(connection) as five_waiting:
        client.get(url)
    assert len(five_waiting) == len(none_waiting)


def test_a_statement_goes_to_the_buildings_chosen_after_a_confirmation(client, spokesperson, manager, estate, residents, open_hours):
    chosen = BuildingFactory(estate=estate, name="9号楼")
    neighbour = ResidentFactory()
    OccupancyFactory(resident=neighbour, unit=UnitFactory(building=chosen))
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    client.force_login(spokesperson)
    detail = client.get(reverse("dashboard:statement_detail", args=[statement.pk])).content.decode()
    assert 'name="buildings"' in detail and "9号楼" in detail
    url = reverse("dashboard:statement_action", args=[statement.pk, "publish"])
    form = {"announce": "1", "audience": "buildings", "buildings": [chosen.pk]}
    confirm = client.post(url, form).content.decode()
    statement.refresh_from_db()
    assert statement.status == "approved" and not Announcement.objects.exists()
    assert 'id="send-total">2<' in confirm and statement.title in confirm  # one resident, portal and SMS
    client.post(url, {**form, "confirmed": "1"})
    statement.refresh_from_db()
    assert statement.status == "published"
    assert set(Delivery.objects.values_list("resident_id", flat=True)) == {neighbour.pk}


def test_publishing_a_statement_without_sending_needs_no_confirmation(client, spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    client.force_login(spokesperson)
    client.post(reverse("dashboard:statement_action", args=[statement.pk, "publish"]))
    statement.refresh_from_db()
    assert statement.status == "published" and not Announcement.objects.exists()


def test_the_api_chase_refuses_a_stale_round(writer, manager, estate, residents, open_hours):
    from tests.communications.conftest import api_as

    draft = notice_draft(writer, estate, kind="emergency", ack_required=True)
    svc.announcement_approve(draft, actor=manager)
    announcement = svc.announcement_publish(draft, actor=writer)
    api = api_as(writer)
    assert api.post(f"/api/v1/announcements/{announcement.pk}/chase/", {"round": 0}, format="json").status_code == 200
    from communications.models import AnnouncementEvent

    AnnouncementEvent.objects.filter(kind="chased").update(at=timezone.now() - timedelta(hours=1))
    stale = api.post(f"/api/v1/announcements/{announcement.pk}/chase/", {"round": 0}, format="json")
    assert stale.status_code == 400 and not Delivery.objects.filter(round=2).exists()
    assert api.post(f"/api/v1/announcements/{announcement.pk}/chase/", {"round": 1}, format="json").status_code == 200


def test_the_api_sends_a_statement_to_the_buildings_chosen_and_refuses_another_estates(spokesperson, manager, estate, residents,
                                                                                       open_hours):
    from tests.communications.conftest import api_as

    chosen = BuildingFactory(estate=estate)
    neighbour = ResidentFactory()
    OccupancyFactory(resident=neighbour, unit=UnitFactory(building=chosen))
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    api = api_as(spokesperson)
    url = f"/api/v1/statements/{statement.pk}/publish/"
    foreign = BuildingFactory(estate=EstateFactory())
    refused = api.post(url, {"announce": True, "audience": "buildings", "buildings": [foreign.pk]}, format="json")
    assert refused.status_code == 400
    statement.refresh_from_db()
    assert statement.status == "approved" and not Announcement.objects.exists()
    assert api.post(url, {"announce": True, "audience": "buildings", "buildings": [chosen.pk]}, format="json").status_code == 200
    assert set(Delivery.objects.values_list("resident_id", flat=True)) == {neighbour.pk}
