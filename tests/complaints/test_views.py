"""Complaints through the pages: what owners see and submit, what staff work, photos and their safety."""

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from complaints.models import Complaint, ComplaintPhoto, Status
from complaints.services import complaint_note, complaint_reply, complaint_submit, complaint_transition
from tests.complaints.conftest import image_bytes
from tests.factories import EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


def _new(client, owner, noise, **extra):
    unit = owner.resident.occupancies.get().unit
    data = {"category": noise.pk, "where": f"unit:{unit.pk}", "description": "<script>alert('x')</script>楼上漏水", **extra}
    return client.post(reverse("portal:complaint_new"), data)


def test_owner_submits_from_the_portal_and_follows_it(client, owner, noise, service):
    client.force_login(owner)
    response = _new(client, owner, noise, photos=[SimpleUploadedFile("a.jpg", image_bytes(), "image/jpeg")])
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:complaint_detail", args=[complaint.number])
    complaint_reply(complaint, actor=service, text="师傅下午两点上门")
    complaint_note(complaint, actor=service, text="INTERNAL-ONLY 业主较难沟通")
    page = client.get(response["Location"]).content.decode()
    assert complaint.number in page and "师傅下午两点上门" in page
    assert "INTERNAL-ONLY" not in page
    # Typed text is shown, never run.
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    listing = client.get(reverse("portal:complaint_list")).content.decode()
    assert complaint.number in listing


def test_owner_gets_404_for_another_owners_ticket_and_its_photos(client, owner, noise):
    neighbour = owner_with_account(unit=UnitFactory(building=owner.resident.occupancies.get().unit.building))
    theirs = complaint_submit(resident=neighbour.resident, category=noise, description="x",
                              unit=neighbour.resident.occupancies.get().unit,
                              photos=[SimpleUploadedFile("a.png", image_bytes("PNG"), "image/png")])
    client.force_login(owner)
    assert client.get(reverse("portal:complaint_detail", args=[theirs.number])).status_code == 404
    assert client.post(reverse("portal:complaint_rate", args=[theirs.number]), {"rating": 1, "solved": "no"}).status_code == 404
    assert client.get(reverse("complaint_photo", args=[theirs.photos.get().pk])).status_code == 404


def test_photos_are_reencoded_without_exif_and_served_only_to_who_may_see(client, owner, noise, service):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (31.0, 14.0, 0.0)}  # GPS latitude
    raw = image_bytes("JPEG", exif=exif)
    assert b"SpyCam" in raw
    client.force_login(owner)
    _new(client, owner, noise, photos=[SimpleUploadedFile("a.jpg", raw, "image/jpeg")])
    photo = ComplaintPhoto.objects.get()
    stored = photo.image.read()
    assert b"SpyCam" not in stored and Image.open(io.BytesIO(stored)).getexif() == {}
    assert client.get(reverse("complaint_photo", args=[photo.pk])).status_code == 200
    client.force_login(service)
    assert client.get(reverse("complaint_photo", args=[photo.pk])).status_code == 200
    client.force_login(staff_member(EstateFactory()))
    assert client.get(reverse("complaint_photo", args=[photo.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("complaint_photo", args=[photo.pk])).status_code == 404


@pytest.mark.parametrize("name, data, content_type", [
    ("report.jpg", b"%PDF-1.7 a pdf renamed to jpg", "image/jpeg"),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "image/gif"),
    ("half.png", image_bytes("PNG")[:40], "image/png"),
])
def test_bad_photos_refuse_the_whole_submission(client, owner, noise, name, data, content_type):
    client.force_login(owner)
    good = SimpleUploadedFile("ok.jpg", image_bytes(), "image/jpeg")
    response = _new(client, owner, noise, photos=[good, SimpleUploadedFile(name, data, content_type)])
    assert response.status_code == 400
    assert name in response.content.decode()
    assert not Complaint.objects.exists() and not ComplaintPhoto.objects.exists()


def test_decompression_bomb_and_oversized_photos_are_refused(client, owner, noise, settings):
    settings.PHOTO_MAX_PIXELS = 1000
    client.force_login(owner)
    response = _new(client, owner, noise, photos=[SimpleUploadedFile("big.png", image_bytes("PNG", size=(100, 100)), "image/png")])
    assert response.status_code == 400 and not Complaint.objects.exists()
    settings.PHOTO_MAX_PIXELS = 40_000_000
    settings.PHOTO_MAX_BYTES = 100
    response = _new(client, owner, noise, photos=[SimpleUploadedFile("a.jpg", image_bytes(), "image/jpeg")])
    assert response.status_code == 400 and not Complaint.objects.exists()


def test_more_than_six_photos_are_refused(client, owner, noise):
    client.force_login(owner)
    photos = [SimpleUploadedFile(f"{i}.jpg", image_bytes(), "image/jpeg") for i in range(7)]
    assert _new(client, owner, noise, photos=photos).status_code == 400
    assert not Complaint.objects.exists()


def test_submission_is_rate_limited_per_owner(client, owner, noise, settings):
    settings.COMPLAINT_RATE_USER = "2/h"
    client.force_login(owner)
    statuses = [_new(client, owner, noise).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Complaint.objects.count() == 2


def test_owner_rates_from_the_portal_and_a_low_rating_reopens(client, owner, noise, service):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    client.force_login(owner)
    page = client.get(reverse("portal:complaint_detail", args=[complaint.number])).content.decode()
    assert 'name="rating"' in page
    client.post(reverse("portal:complaint_rate", args=[complaint.number]), {"rating": 1, "solved": "yes", "comment": "没修好"})
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED and complaint.flagged


def test_staff_queue_is_scoped_filtered_and_sorted_by_due_time(client, owner, noise, service, django_assert_max_num_queries):
    first = complaint_submit(resident=owner.resident, category=noise, description="A", unit=owner.resident.occupancies.get().unit, priority="low")
    urgent = complaint_submit(resident=owner.resident, category=noise, description="B", unit=owner.resident.occupancies.get().unit, priority="urgent")
    other_estate = owner_with_account()
    hidden = complaint_submit(resident=other_estate.resident, category=noise, description="C", unit=other_estate.resident.occupancies.get().unit)
    client.force_login(service)
    with django_assert_max_num_queries(13):  # 12, +1 for the header's inbox bell (one unread COUNT)
        page = client.get(reverse("dashboard:complaint_queue")).content.decode()
    assert page.index(urgent.number) < page.index(first.number)
    assert hidden.number not in page
    filtered = client.get(reverse("dashboard:complaint_queue"), {"priority": "low"}).content.decode()
    assert first.number in filtered and urgent.number not in filtered
    by_number = client.get(reverse("dashboard:complaint_queue"), {"q": urgent.number.lower()}).content.decode()
    assert urgent.number in by_number and first.number not in by_number
    assert client.get(reverse("dashboard:complaint_detail", args=[hidden.number])).status_code == 404


def test_queue_page_queries_do_not_grow_with_rows(client, owner, noise, service, django_assert_max_num_queries):
    client.force_login(service)
    unit = owner.resident.occupancies.get().unit
    complaint_submit(resident=owner.resident, category=noise, description="x", unit=unit)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("dashboard:complaint_queue"))
    for _ in range(20):
        complaint_submit(resident=owner.resident, category=noise, description="x", unit=unit)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("dashboard:complaint_queue"))
    assert len(many) == len(one)


def test_staff_logs_a_phone_complaint_and_works_it(client, owner, noise, service):
    client.force_login(service)
    unit = owner.resident.occupancies.get().unit
    response = client.post(reverse("dashboard:complaint_new"), {
        "resident": owner.resident.pk, "category": noise.pk, "priority": "high", "channel": "phone",
        "where": f"unit:{unit.pk}", "description": "业主来电：电梯异响",
    })
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and complaint.channel == "phone" and complaint.logged_by == service
    transition = reverse("dashboard:complaint_transition", args=[complaint.number])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    done = client.post(transition, {"action": "acknowledge"}, follow=True).content.decode()
    refused = client.post(transition, {"action": "close"}, follow=True).content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.ACKNOWLEDGED
    # What the member of staff sees: the move confirmed, then the refused one with its reason,
    # and only the moves an acknowledged ticket allows offered as buttons.
    assert f"Complaint {complaint.number} acknowledged." in done
    assert "alert-danger" in refused and "cannot be moved with" in refused
    assert 'value="start"' in refused and 'value="acknowledge"' not in refused


def test_illegal_transition_from_the_page_shows_why(client, owner, noise, service):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    client.force_login(service)
    response = client.post(reverse("dashboard:complaint_transition", args=[complaint.number]), {"action": "close"}, follow=True)
    assert "alert-danger" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED


def test_admin_refuses_an_illegal_transition_with_the_same_rule(client, owner, noise, manager):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    client.force_login(manager)
    response = client.post(reverse("admin:complaints_complaint_changelist"),
                           {"action": "transition_close", "_selected_action": [complaint.pk]}, follow=True)
    assert complaint.number in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    client.post(reverse("admin:complaints_complaint_changelist"), {"action": "transition_acknowledge", "_selected_action": [complaint.pk]})
    complaint.refresh_from_db()
    assert complaint.status == Status.ACKNOWLEDGED


def test_queue_filters_by_a_named_assignee(client, owner, noise, service, manager):
    from complaints.services import complaint_assign
    from owners.models import Role

    engineer = staff_member(owner.resident.occupancies.get().unit.building.estate, role=Role.ENGINEER)
    unit = owner.resident.occupancies.get().unit
    mine = complaint_submit(resident=owner.resident, category=noise, description="A", unit=unit)
    theirs = complaint_submit(resident=owner.resident, category=noise, description="B", unit=unit)
    complaint_assign(mine, assignee=engineer, actor=manager)
    complaint_assign(theirs, assignee=service, actor=manager)
    client.force_login(manager)
    page = client.get(reverse("dashboard:complaint_queue"), {"assignee": engineer.pk}).content.decode()
    assert mine.number in page and theirs.number not in page
    assert f'value="{engineer.pk}" selected' in page


def test_queue_filter_never_lists_another_estates_staff(client, estate, manager):
    from owners.models import Role

    elsewhere = EstateFactory()
    stranger = staff_member(elsewhere, role=Role.SERVICE, first_name="外小区客服")
    colleague = staff_member(estate, role=Role.SERVICE, first_name="本小区客服")
    client.force_login(manager)
    response = client.get(reverse("dashboard:complaint_queue"), {"estate": elsewhere.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "外小区客服" not in page and stranger.pk not in [u.pk for u in response.context["assignees"]]
    # The manager's own estate still offers its own staff.
    own = client.get(reverse("dashboard:complaint_queue"), {"estate": estate.pk}).content.decode()
    assert "本小区客服" in own and colleague.pk


def test_a_view_only_role_cannot_log_a_complaint_from_the_page(client, owner, noise):
    """The API refused a company-wide spokesperson; the page let them log (review §3)."""
    from owners.models import Role

    client.force_login(staff_member(None, role=Role.SPOKESPERSON))
    unit = owner.resident.occupancies.get().unit
    assert client.get(reverse("dashboard:complaint_new"), {"resident": owner.resident.pk}).status_code == 403
    response = client.post(reverse("dashboard:complaint_new"), {
        "resident": owner.resident.pk, "category": noise.pk, "priority": "normal", "channel": "phone",
        "where": f"unit:{unit.pk}", "description": "业主来电",
    })
    assert response.status_code == 403 and not Complaint.objects.exists()


def test_owner_reopens_a_recently_closed_ticket_from_the_portal_and_not_an_old_one(client, owner, noise, service):
    from datetime import timedelta

    from django.utils import timezone

    from complaints.lifecycle import OWNER_REOPEN_DAYS

    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    for action, text in (("acknowledge", ""), ("resolve", "已处理"), ("close", "")):
        complaint_transition(complaint, action, actor=service, text=text)
    client.force_login(owner)
    detail = reverse("portal:complaint_detail", args=[complaint.number])
    reopen = reverse("portal:complaint_reopen", args=[complaint.number])
    assert reopen in client.get(detail).content.decode()
    client.post(reopen, {"text": "又开始漏水"})
    complaint.refresh_from_db()
    assert complaint.status == Status.REOPENED and complaint.flagged
    assert complaint.events.filter(to_status="reopened", actor=owner, body__contains="又开始漏水").exists()
    complaint_transition(complaint, "resolve", actor=service, text="再次处理")
    complaint_transition(complaint, "close", actor=service)
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - timedelta(days=OWNER_REOPEN_DAYS + 1))
    assert reopen not in client.get(detail).content.decode()
    page = client.post(reopen, {"text": "还是漏"}, follow=True).content.decode()
    assert "alert-danger" in page
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED


@pytest.mark.parametrize("moves, said", [
    ([("acknowledge", "")], "已受理工单 {number}。"),
    ([("start", "")], "工单 {number} 已开始处理。"),
    ([("acknowledge", ""), ("resolve", "楼上已停工")], "工单 {number} 已办结。"),
    ([("acknowledge", ""), ("reject", "非物业管辖范围")], "工单 {number} 已不予受理。"),
])
def test_a_ticket_move_flashes_what_happened_to_which_ticket(client, owner, noise, service, moves, said):
    """It used to flash "已完成：已受理。", naming neither the move nor the ticket."""
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    client.force_login(service)
    for action, text in moves:
        page = client.post(reverse("dashboard:complaint_transition", args=[complaint.number]), {"action": action, "text": text}, follow=True).content.decode()
    assert said.format(number=complaint.number) in page
