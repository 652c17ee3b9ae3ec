"""The named predicates that pages, the API and services ask: who may log, work and see what."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.permissions import complaint_can_log, photo_can_view
from complaints.services import complaint_submit, complaint_visit
from owners.models import Role
from tests.complaints.conftest import image_bytes
from tests.factories import EstateFactory, UnitFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db


def test_only_roles_with_the_add_permission_log_complaints_and_only_in_their_estates(estate, service, manager):
    elsewhere = EstateFactory()
    assert complaint_can_log(service, estate.pk) and complaint_can_log(manager, estate.pk) and complaint_can_log(service)
    assert not complaint_can_log(service, elsewhere.pk)
    company_spokesperson = staff_member(None, role=Role.SPOKESPERSON)
    assert not complaint_can_log(company_spokesperson) and not complaint_can_log(company_spokesperson, estate.pk)
    assert complaint_can_log(staff_member(None, role=Role.COMPANY_ADMIN), elsewhere.pk)
    assert not complaint_can_log(AnonymousUser()) and not complaint_can_log(owner_with_account())


def test_photos_show_to_the_estates_staff_and_public_ones_to_their_owner(owner, noise, service):
    unit = owner.resident.occupancies.get().unit
    complaint = complaint_submit(resident=owner.resident, category=noise, description="x", unit=unit,
                                 photos=[SimpleUploadedFile("a.jpg", image_bytes(), "image/jpeg")])
    complaint_visit(complaint, actor=service, findings="现场", photos=[SimpleUploadedFile("b.jpg", image_bytes(), "image/jpeg")])
    submitted, visit = complaint.photos.get(public=True), complaint.photos.get(public=False)
    assert photo_can_view(owner, submitted) and not photo_can_view(owner, visit)
    assert photo_can_view(service, submitted) and photo_can_view(service, visit)
    neighbour = owner_with_account(unit=UnitFactory(building=unit.building))
    for stranger in (neighbour, staff_member(EstateFactory()), AnonymousUser()):
        assert not photo_can_view(stranger, submitted)
