"""The owner's portal without dead ends: withdraw a complaint nobody has taken up, say when we may
come, add photos to a follow-up message, and a fresh ticket that does not look like an error."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from rest_framework.test import APIClient

from communications.models import Delivery
from complaints.models import Complaint, ComplaintEvent, ComplaintPhoto, SlaAlert, Status
from complaints.services import complaint_assign, complaint_submit, complaint_transition, sla_sweep
from tests.complaints.conftest import image_bytes

pytestmark = pytest.mark.django_db


def _submit(owner, noise, **extra):
    return complaint_submit(resident=owner.resident, category=noise, description="楼上漏水",
                            unit=owner.resident.occupancies.get().unit, **extra)


def _said(text, **params):
    """`text` as the owner reads it: in the site's default language, as the pages are."""
    with translation.override(django_settings.LANGUAGE_CODE):
        return escape(translation.gettext(text) % params if params else translation.gettext(text))


def _photo(name="a.jpg"):
    return SimpleUploadedFile(name, image_bytes(), "image/jpeg")


# --- withdraw -------------------------------------------------------------------------------


def test_owner_withdraws_a_fresh_complaint_and_staff_see_it_on_the_timeline(client, owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_assign(complaint, assignee=service, actor=service)
    client.force_login(owner)
    page = client.get(reverse("portal:complaint_detail", args=[complaint.number])).content.decode()
    assert reverse("portal:complaint_withdraw", args=[complaint.number]) in page

    response = client.post(reverse("portal:complaint_withdraw", args=[complaint.number]), {"text": "自己修好了"}, follow=True)
    complaint.refresh_from_db()
    assert complaint.status == Status.WITHDRAWN and not complaint.is_open and complaint.closed_at is not None
    said = response.content.decode()
    assert "自己修好了" in said and complaint.number in said
    assert reverse("portal:complaint_withdraw", args=[complaint.number]) not in said  # no second withdraw button
    assert 'action="' + reverse("portal:complaint_message", args=[complaint.number]) not in said  # nor a message box

    event = complaint.events.get(kind=ComplaintEvent.Kind.TRANSITION)
    assert (event.from_status, event.to_status, event.actor) == (Status.SUBMITTED, Status.WITHDRAWN, owner)
    client.force_login(service)
    staff_page = client.get(reverse("dashboard:complaint_detail", args=[complaint.number])).content.decode()
    assert "自己修好了" in staff_page
    # The assignee hears it is off their list.
    assert Delivery.objects.filter(user=service, topic="complaint.withdrawn").exists()


def test_a_complaint_staff_have_taken_up_cannot_be_withdrawn_and_the_owner_is_told_why(client, owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "acknowledge", actor=service)
    client.force_login(owner)
    page = client.get(reverse("portal:complaint_detail", args=[complaint.number])).content.decode()
    assert reverse("portal:complaint_withdraw", args=[complaint.number]) not in page
    response = client.post(reverse("portal:complaint_withdraw", args=[complaint.number]), follow=True)
    complaint.refresh_from_db()
    assert complaint.status == Status.ACKNOWLEDGED
    assert _said("Staff have already taken up this complaint. Please call the management office "
                 "if you no longer need it.") in response.content.decode()


def test_staff_cannot_withdraw_for_the_owner_and_another_owner_gets_404(client, owner, noise, service):
    from tests.factories import UnitFactory, owner_with_account

    complaint = _submit(owner, noise)
    with pytest.raises(PermissionDenied):
        complaint_transition(complaint, "withdraw", actor=service)
    neighbour = owner_with_account(unit=UnitFactory(building=owner.resident.occupancies.get().unit.building))
    client.force_login(neighbour)
    assert client.post(reverse("portal:complaint_withdraw", args=[complaint.number])).status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).status == Status.SUBMITTED


def test_a_withdrawn_complaint_is_not_chased_by_the_sla_sweep(owner, noise, service):
    complaint = _submit(owner, noise)
    complaint_transition(complaint, "withdraw", actor=owner, owner=True)
    counts = sla_sweep(now=timezone.now() + timedelta(days=30))
    assert counts["breaches"] == 0 and not SlaAlert.objects.filter(complaint=complaint).exists()
    complaint.refresh_from_db()
    assert not complaint.response_breached and not complaint.resolution_breached


def test_the_owner_withdraws_through_the_api_as_on_the_portal(owner, noise, service):
    complaint = _submit(owner, noise)
    api = APIClient()
    api.force_authenticate(owner)
    detail = api.get(f"/api/v1/complaints/{complaint.number}/").json()
    assert detail["allowed_actions"] == ["withdraw"]
    done = api.post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "withdraw", "text": "重复提交"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "withdrawn" and done.json()["allowed_actions"] == []
    again = api.post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "withdraw"}, format="json")
    assert again.status_code == 400
    staff = APIClient()
    staff.force_authenticate(service)
    assert "withdraw" not in staff.get(f"/api/v1/complaints/{_submit(owner, noise).number}/").json()["allowed_actions"]


def test_the_schema_offers_withdraw_as_an_owner_action(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/complaints/{number}/transition/"]["post"]
    assert "withdraw" in operation["description"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    action = schema["components"]["schemas"][request]["properties"]["action"]
    choices = action.get("enum") or schema["components"]["schemas"][action["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert "withdraw" in choices


# --- preferred visit time -------------------------------------------------------------------


def test_owner_says_when_we_may_come_and_staff_see_it_on_the_ticket(client, owner, noise, service):
    unit = owner.resident.occupancies.get().unit
    client.force_login(owner)
    form = client.get(reverse("portal:complaint_new")).content.decode()
    assert 'name="preferred_visit"' in form
    client.post(reverse("portal:complaint_new"), {"category": noise.pk, "where": f"unit:{unit.pk}", "description": "水管漏水",
                                                  "preferred_visit": "工作日晚上六点以后"})
    complaint = Complaint.objects.get()
    assert complaint.preferred_visit == "工作日晚上六点以后"
    assert "工作日晚上六点以后" in client.get(reverse("portal:complaint_detail", args=[complaint.number])).content.decode()
    client.force_login(service)
    assert "工作日晚上六点以后" in client.get(reverse("dashboard:complaint_detail", args=[complaint.number])).content.decode()


def test_a_visit_time_is_optional_and_an_overlong_one_is_refused(owner, noise):
    assert _submit(owner, noise).preferred_visit == ""
    with pytest.raises(ValidationError) as refused:
        _submit(owner, noise, preferred_visit="晚" * 101)
    assert "preferred_visit" in refused.value.message_dict
    assert Complaint.objects.count() == 1


def test_the_api_takes_and_shows_the_visit_time(owner, noise):
    api = APIClient()
    api.force_authenticate(owner)
    unit = owner.resident.occupancies.get().unit
    made = api.post("/api/v1/complaints/", {"category": noise.pk, "unit": unit.pk, "description": "门禁坏了",
                                            "preferred_visit": "周六上午"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["preferred_visit"] == "周六上午"


# --- photos on a follow-up message ----------------------------------------------------------


def test_owner_adds_photos_to_a_follow_up_message(client, owner, noise, service):
    complaint = _submit(owner, noise)
    client.force_login(owner)
    page = client.get(reverse("portal:complaint_detail", args=[complaint.number])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    client.post(reverse("portal:complaint_message", args=[complaint.number]),
                {"text": "今天又漏了，见照片", "photos": [_photo("a.jpg"), _photo("b.jpg")]})
    message = complaint.events.get(kind=ComplaintEvent.Kind.OWNER_MESSAGE)
    assert message.body == "今天又漏了，见照片" and message.photos.count() == 2
    page = client.get(reverse("portal:complaint_detail", args=[complaint.number])).content.decode()
    for photo in message.photos.all():
        assert reverse("complaint_photo", args=[photo.pk]) in page
    client.force_login(service)
    staff_page = client.get(reverse("dashboard:complaint_detail", args=[complaint.number])).content.decode()
    assert all(reverse("complaint_photo", args=[p.pk]) in staff_page for p in message.photos.all())


def test_a_bad_photo_on_a_message_refuses_the_message_and_says_why(client, owner, noise):
    complaint = _submit(owner, noise)
    client.force_login(owner)
    response = client.post(reverse("portal:complaint_message", args=[complaint.number]),
                           {"text": "见附件", "photos": [SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", "image/jpeg")]},
                           follow=True)
    assert not complaint.events.filter(kind=ComplaintEvent.Kind.OWNER_MESSAGE).exists()
    assert ComplaintPhoto.objects.count() == 0
    assert "alert-danger" in response.content.decode()


def test_message_photos_count_against_the_owners_allowance(client, owner, noise, settings):
    settings.PHOTO_MAX_PER_COMPLAINT = 2
    complaint = _submit(owner, noise, photos=[_photo()])
    client.force_login(owner)
    response = client.post(reverse("portal:complaint_message", args=[complaint.number]),
                           {"text": "再补两张", "photos": [_photo("a.jpg"), _photo("b.jpg")]}, follow=True)
    assert _said("A complaint can have at most %(max)d photos; this one has %(held)d already.", max=2, held=1) \
        in response.content.decode()
    assert ComplaintPhoto.objects.filter(complaint=complaint).count() == 1
    assert not complaint.events.filter(kind=ComplaintEvent.Kind.OWNER_MESSAGE).exists()


# --- the owner's list: colour only for real problems -----------------------------------------


def test_a_fresh_ticket_is_not_red_on_the_owners_list_but_a_late_one_is(client, owner, noise):
    fresh = _submit(owner, noise)
    late = _submit(owner, noise)
    Complaint.objects.filter(pk=late.pk).update(response_due_at=timezone.now() - timedelta(hours=1))
    client.force_login(owner)
    page = client.get(reverse("portal:complaint_list")).content.decode()
    rows = page.split("list-group-item-action")[1:]
    badges = {number: next(row for row in rows if number in row).split('<span class="badge', 1)[1].split(">", 1)[0]
              for number in (fresh.number, late.number)}
    assert "danger" not in badges[fresh.number]
    assert "danger" in badges[late.number]
    detail = client.get(reverse("portal:complaint_detail", args=[fresh.number])).content.decode()
    assert "lh-status-submitted" not in detail and "text-bg-danger" not in detail


def test_the_owners_form_is_called_as_on_the_home_page_and_the_photo_hint_sits_with_the_photos(client, owner):
    client.force_login(owner)
    form = client.get(reverse("portal:complaint_new")).content.decode()
    assert "<h1" in form and "我要报事</h1>" in form  # the home page's big button says 我要报事 too
    assert "我要报事" in client.get(reverse("portal:complaint_list")).content.decode()
    hint, photos, visit = form.index("照片中的位置信息会被删除"), form.index('name="photos"'), form.index('name="preferred_visit"')
    assert photos < hint < visit
