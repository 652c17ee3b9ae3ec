"""The staff inbox: what waits for me (need-help answers, approvals, overdue inquiries), the bell
with its unread count, "my work", opening an item (read, and only mine) and the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from communications.models import InboxItem, MediaInquiry
from communications.services import announcements as svc
from communications.services import inbox as inbox_svc
from communications.services import media as media_svc
from communications.services.help_requests import need_help_mark_handled
from owners.models import Role
from tests.communications.conftest import notice_draft, statement_draft
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"


def _items(user, kind=None):
    qs = InboxItem.objects.filter(recipient=user)
    return list(qs.filter(kind=kind) if kind else qs)


def _item(user, kind="assigned", key="k", url="/dashboard/complaints/", **params):
    inbox_svc.inbox_add([user], kind=kind, key=key, target_url=url, params=params or {"number": "TS-1"})
    return InboxItem.objects.get(recipient=user, dedupe_key=f"{key}:u{user.pk}")


# --- what writes items ---------------------------------------------------------------------

def test_need_help_answer_waits_for_the_estates_service_staff_and_manager(writer, manager, estate):
    resident = ResidentFactory(name="周建国")
    OccupancyFactory(resident=resident, unit=UnitFactory(building=BuildingFactory(estate=estate)))
    elsewhere = staff_member(EstateFactory(), role=Role.SERVICE)
    draft = notice_draft(writer, estate, kind="emergency", title="燃气泄漏", ack_required=True, channels=["portal"])
    svc.announcement_approve(draft, actor=manager)
    announcement = svc.announcement_publish(draft, actor=writer)
    ack = svc.acknowledgement_record(announcement, resident=resident, answer="need_help")
    for person in (writer, manager):
        [item] = _items(person, InboxItem.Kind.NEED_HELP)
        assert "周建国" in item.title and "燃气泄漏" in item.title
        assert item.target_url == reverse("dashboard:announcement_detail", args=[announcement.pk])
    assert _items(elsewhere) == []
    need_help_mark_handled(ack, actor=writer, note="已电话联系，住户平安")
    assert all(i.read_at for i in _items(manager, InboxItem.Kind.NEED_HELP))  # looked after: off everyone's list


def test_an_announcement_sent_for_approval_waits_for_its_approver_until_decided(writer, manager, estate):
    other_manager = staff_member(EstateFactory(), role=Role.ESTATE_MANAGER)
    draft = svc.announcement_request_approval(notice_draft(writer, estate, kind="emergency", title="电梯困人"), actor=writer)
    [item] = _items(manager, InboxItem.Kind.APPROVAL)
    assert "电梯困人" in item.title and item.read_at is None
    assert item.target_url == reverse("dashboard:announcement_detail", args=[draft.pk])
    assert _items(other_manager) == [] and _items(writer) == []
    svc.announcement_return(draft, actor=manager, note="请补充时间")
    assert InboxItem.objects.get(pk=item.pk).read_at is not None
    svc.announcement_request_approval(draft, actor=writer)  # asked again: a new item
    assert len([i for i in _items(manager, InboxItem.Kind.APPROVAL) if i.read_at is None]) == 1


def test_a_statement_in_review_waits_for_the_estate_manager(spokesperson, manager, estate):
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    [item] = _items(manager, InboxItem.Kind.APPROVAL)
    assert item.target_url == reverse("dashboard:statement_detail", args=[statement.pk])
    media_svc.statement_review(statement, actor=manager, approve=True)
    assert InboxItem.objects.get(pk=item.pk).read_at is not None


def test_an_overdue_inquiry_waits_once_for_its_spokesperson(spokesperson, estate):
    inquiry = media_svc.inquiry_record(actor=spokesperson, journalist="李记者", outlet="都市快报", question="电梯何时修好？",
                                       deadline=timezone.now() + timedelta(hours=1), estate=estate, assigned_to=spokesperson)
    assert inbox_svc.inquiries_overdue_inbox() == 0
    MediaInquiry.objects.filter(pk=inquiry.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    inbox_svc.inquiries_overdue_inbox()
    inbox_svc.inquiries_overdue_inbox()
    [item] = _items(spokesperson, InboxItem.Kind.INQUIRY_OVERDUE)
    assert "都市快报" in item.title


def test_recording_the_same_item_twice_adds_one(writer):
    for _ in range(2):
        inbox_svc.inbox_add([writer, writer], kind="assigned", key="complaint:1:assigned:1", target_url="/x/",
                            params={"number": "TS-1"})
    assert len(_items(writer)) == 1


def test_owners_never_get_items(estate):
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    inbox_svc.inbox_add([owner], kind="assigned", key="k", target_url="/x/")
    assert _items(owner) == []


# --- pages -----------------------------------------------------------------------------------

def test_the_bell_counts_my_unread_items(client, writer, manager):
    _item(writer, key="a")
    _item(writer, key="b")
    _item(manager, key="c")
    client.force_login(writer)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert 'lh-bell-count">2<' in page


def test_my_work_lists_my_items_and_opening_one_marks_it_read(client, writer):
    item = _item(writer, url=reverse("dashboard:complaint_queue"), number="TS-20261124-0009")
    client.force_login(writer)
    page = client.get(reverse("dashboard:inbox")).content.decode()
    assert "TS-20261124-0009" in page and reverse("dashboard:inbox_open", args=[item.pk]) in page
    response = client.get(reverse("dashboard:inbox_open", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:complaint_queue")
    item.refresh_from_db()
    assert item.read_at is not None
    assert "TS-20261124-0009" not in client.get(reverse("dashboard:inbox")).content.decode()  # unread only by default
    assert "TS-20261124-0009" in client.get(reverse("dashboard:inbox"), {"show": "all"}).content.decode()
    assert 'lh-bell-count' not in client.get(reverse("dashboard:home")).content.decode()


def test_someone_elses_item_is_a_404_and_stays_unread(client, writer, manager):
    item = _item(manager)
    client.force_login(writer)
    assert client.get(reverse("dashboard:inbox_open", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_a_stored_link_off_the_site_is_not_followed(client, writer):
    item = _item(writer, url="https://evil.example/")
    client.force_login(writer)
    assert client.get(reverse("dashboard:inbox_open", args=[item.pk]))["Location"] == reverse("dashboard:inbox")


def test_mark_all_read(client, writer, manager):
    _item(writer, key="a")
    other = _item(manager, key="b")
    client.force_login(writer)
    client.post(reverse("dashboard:inbox_read_all"))
    assert all(i.read_at for i in _items(writer))
    other.refresh_from_db()
    assert other.read_at is None


def test_the_title_follows_the_readers_language(client, writer):
    _item(writer, number="TS-7")
    client.force_login(writer)
    client.cookies["django_language"] = "en"
    assert "Complaint TS-7 has been assigned to you." in client.get(reverse("dashboard:inbox")).content.decode()


# --- API -------------------------------------------------------------------------------------

def test_api_lists_and_marks_only_my_items(writer, manager):
    mine, theirs = _item(writer, key="a"), _item(manager, key="b")
    api = APIClient()
    api.force_authenticate(writer)
    body = api.get("/api/v1/inbox/").json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0]["read"] is False and "TS-1" in body["results"][0]["title"]
    assert api.post(f"/api/v1/inbox/{theirs.pk}/read/").status_code == 404
    assert api.post(f"/api/v1/inbox/{mine.pk}/read/").json()["read"] is True
    assert api.get("/api/v1/inbox/", {"unread": "true"}).json()["results"] == []
    _item(writer, key="c")
    assert api.post("/api/v1/inbox/read-all/").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_inbox_is_staff_only_and_documented(estate):
    owner = owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate)))
    api = APIClient()
    api.force_authenticate(owner)
    assert api.get("/api/v1/inbox/").status_code == 403
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    for path, method in (("/api/v1/inbox/", "get"), ("/api/v1/inbox/{id}/read/", "post"), ("/api/v1/inbox/read-all/", "post")):
        operation = schema["paths"][path][method]
        assert operation["summary"] and operation["tags"] == ["inbox"]


@pytest.mark.parametrize("page", ["dashboard:home", "dashboard:complaint_queue", "dashboard:announcement_list"])
def test_the_bell_costs_one_query_however_many_items(client, writer, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(writer)
    for i in range(30):
        _item(writer, key=f"k{i}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(page)).status_code == 200
    assert len([q for q in queries if "communications_inboxitem" in q["sql"]]) == 1


def test_the_sweeps_are_scheduled_and_run_as_tasks(spokesperson, estate):
    from django_celery_beat.models import PeriodicTask

    from communications.tasks import inbox_overdue_inquiries

    assert PeriodicTask.objects.filter(task="communications.tasks.inbox_overdue_inquiries", enabled=True).exists()
    media_svc.inquiry_record(actor=spokesperson, journalist="王记者", outlet="晨报", question="？",
                             deadline=timezone.now() + timedelta(hours=1), estate=estate, assigned_to=spokesperson)
    MediaInquiry.objects.update(deadline=timezone.now() - timedelta(minutes=1))
    inbox_overdue_inquiries()
    assert len(_items(spokesperson, InboxItem.Kind.INQUIRY_OVERDUE)) == 1
