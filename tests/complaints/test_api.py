"""/api/v1/complaints/: owners and staff, transitions as actions, internal notes never leak."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from complaints.models import Complaint, ComplaintEvent
from complaints.services import complaint_note, complaint_submit
from tests.complaints.conftest import image_bytes
from tests.factories import owner_with_account

pytestmark = pytest.mark.django_db


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_owner_creates_with_photos_and_reads_own(owner, noise):
    unit = owner.resident.occupancies.get().unit
    api = _api(owner)
    response = api.post("/api/v1/complaints/", {
        "category": noise.pk, "unit": unit.pk, "description": "凌晨施工",
        "photos": [SimpleUploadedFile("a.webp", image_bytes("WEBP"), "image/webp")],
    }, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted" and len(body["photos"]) == 1 and body["allowed_actions"] == ["withdraw"]
    listed = api.get("/api/v1/complaints/").json()["results"]
    assert [c["number"] for c in listed] == [body["number"]]


def test_owner_never_sees_internal_notes_or_staff_names(owner, noise, service):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    complaint_note(complaint, actor=service, text="SECRET-NOTE")
    body = _api(owner).get(f"/api/v1/complaints/{complaint.number}/").json()
    assert "SECRET-NOTE" not in str(body)
    assert all(event["actor"] is None for event in body["timeline"]) and body["assignee"] is None
    staff_view = _api(service).get(f"/api/v1/complaints/{complaint.number}/").json()
    assert "SECRET-NOTE" in str(staff_view)


def test_owner_cannot_see_or_rate_another_owners_ticket(owner, noise):
    neighbour = owner_with_account()
    theirs = complaint_submit(resident=neighbour.resident, category=noise, description="x", unit=neighbour.resident.occupancies.get().unit)
    api = _api(owner)
    assert api.get(f"/api/v1/complaints/{theirs.number}/").status_code == 404
    assert api.post(f"/api/v1/complaints/{theirs.number}/rate/", {"rating": 1}).status_code == 404


def test_status_is_changed_only_through_actions(owner, noise, service):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    api = _api(service)
    assert api.patch(f"/api/v1/complaints/{complaint.number}/", {"status": "closed"}).status_code == 405
    illegal = api.post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "close"})
    assert illegal.status_code == 400 and "errors" in illegal.json()
    ok = api.post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "acknowledge"})
    assert ok.status_code == 200 and ok.json()["status"] == "acknowledged"
    resolve = api.post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "resolve", "text": "修好了"})
    assert resolve.json()["status"] == "resolved" and resolve.json()["resolution_summary"] == "修好了"


def test_owner_cannot_transition_as_staff(owner, noise):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    response = _api(owner).post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "acknowledge"})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "submitted"


def test_staff_list_filters_and_unknown_fields(owner, noise, service):
    complaint_submit(resident=owner.resident, category=noise, description="A", unit=owner.resident.occupancies.get().unit, priority="urgent")
    complaint_submit(resident=owner.resident, category=noise, description="B", unit=owner.resident.occupancies.get().unit)
    api = _api(service)
    urgent = api.get("/api/v1/complaints/", {"priority": "urgent"}).json()["results"]
    assert [c["description"] for c in urgent] == ["A"]
    response = api.post("/api/v1/complaints/", {"category": noise.pk, "description": "x", "resident": owner.resident.pk, "secret": 1})
    assert response.status_code == 400 and "secret" in response.json()["errors"]
    assert Complaint.objects.count() == 2


def test_bad_photo_through_the_api_is_a_400_and_saves_nothing(owner, noise):
    unit = owner.resident.occupancies.get().unit
    response = _api(owner).post("/api/v1/complaints/", {
        "category": noise.pk, "unit": unit.pk, "description": "x",
        "photos": [SimpleUploadedFile("x.png", b"%PDF-1.4 not an image", "image/png")],
    }, format="multipart")
    assert response.status_code == 400 and not Complaint.objects.exists()


def test_schema_lists_complaint_actions_and_errors(client):
    schema = client.get("/api/schema/?format=json").json()
    transition = schema["paths"]["/api/v1/complaints/{number}/transition/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(transition)


def test_list_rows_match_the_detail_fields(owner, noise, service):
    """The list builds its rows by hand for speed; they must say what the detail says."""
    complaint_submit(resident=owner.resident, category=noise, description="对照", unit=owner.resident.occupancies.get().unit)
    api = _api(service)
    row = api.get("/api/v1/complaints/").json()["results"][0]
    detail = api.get(f"/api/v1/complaints/{row['number']}/").json()
    assert {k: detail[k] for k in row} == row


def test_owner_message_through_the_api_keeps_its_photos_as_the_portal_does(owner, noise):
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    response = _api(owner).post(f"/api/v1/complaints/{complaint.number}/messages/", {
        "text": "又开始了，见照片", "photos": [SimpleUploadedFile("b.jpg", image_bytes(), "image/jpeg")],
    }, format="multipart")
    assert response.status_code == 200, response.json()
    message = [e for e in response.json()["timeline"] if e["body"] == "又开始了，见照片"][0]
    assert len(message["photos"]) == 1
    too_many = [SimpleUploadedFile(f"{i}.jpg", image_bytes(), "image/jpeg") for i in range(7)]
    refused = _api(owner).post(f"/api/v1/complaints/{complaint.number}/messages/", {"text": "七张", "photos": too_many},
                               format="multipart")
    assert refused.status_code == 400 and "photos" in refused.json()["errors"]
    assert not ComplaintEvent.objects.filter(complaint=complaint, body="七张").exists()


def test_owner_api_refuses_a_place_that_is_not_the_owners_home(owner, noise):
    from tests.factories import EstateFactory, UnitFactory

    api = _api(owner)
    foreign_unit = api.post("/api/v1/complaints/", {"category": noise.pk, "unit": UnitFactory().pk, "description": "x"})
    assert foreign_unit.status_code == 400 and "unit" in foreign_unit.json()["errors"]
    foreign_estate = api.post("/api/v1/complaints/", {"category": noise.pk, "estate": EstateFactory().pk, "description": "x"})
    assert foreign_estate.status_code == 400 and "estate" in foreign_estate.json()["errors"]
    staff_fields = api.post("/api/v1/complaints/", {"category": noise.pk, "description": "x", "priority": "urgent"})
    assert staff_fields.status_code == 400 and "resident" in staff_fields.json()["errors"]
    assert not Complaint.objects.exists()


def test_staff_log_through_the_api_as_through_the_page(owner, noise, service):
    from owners.models import Role
    from tests.factories import staff_member

    body = {"category": noise.pk, "description": "业主来电", "resident": owner.resident.pk,
            "unit": owner.resident.occupancies.get().unit.pk, "channel": "in_person"}
    refused = _api(staff_member(None, role=Role.SPOKESPERSON)).post("/api/v1/complaints/", body)
    assert refused.status_code == 403 and not Complaint.objects.exists()
    logged = _api(service).post("/api/v1/complaints/", body)
    assert logged.status_code == 201, logged.json()
    complaint = Complaint.objects.get()
    assert complaint.logged_by == service and complaint.channel == "in_person"


def _resolved(owner, noise, service):
    from complaints.services import complaint_transition

    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    complaint_transition(complaint, "acknowledge", actor=service)
    complaint_transition(complaint, "resolve", actor=service, text="已处理")
    return complaint


def test_owner_api_offers_and_takes_the_same_moves_as_the_lifecycle(owner, noise, service):
    complaint = _resolved(owner, noise, service)
    api = _api(owner)
    detail = api.get(f"/api/v1/complaints/{complaint.number}/").json()
    assert sorted(detail["allowed_actions"]) == ["accept", "reopen"]
    staff_accept = _api(service).post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "accept"})
    assert staff_accept.status_code == 403
    accepted = api.post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "accept"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "closed"
    assert accepted.json()["allowed_actions"] == ["reopen"]  # closed moments ago: still within the week


def test_owner_api_cannot_reopen_a_rejected_ticket(owner, noise, service):
    from complaints.services import complaint_transition

    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=owner.resident.occupancies.get().unit)
    complaint_transition(complaint, "reject", actor=service, text="不属于物业管理范围")
    api = _api(owner)
    assert api.get(f"/api/v1/complaints/{complaint.number}/").json()["allowed_actions"] == []
    response = api.post(f"/api/v1/complaints/{complaint.number}/transition/", {"action": "reopen"})
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == "rejected"
