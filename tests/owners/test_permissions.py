"""A role counts only at the estate where it is held.

Roles are Django groups, which are global: before the per-estate check, someone who was estate
manager of 阳光花园 and service staff of 翠湖苑 carried the manager's permissions into 翠湖苑 (any
estate they could see) — buildings, units, imports, approvals — through the API and the admin.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from owners.models import Building, Estate, Role, StaffMembership, Unit, User
from owners.permissions import ALL, estate_can_import, estate_ids_with_perm, has_perm_at
from owners.services import staff_roles_sync
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OccupancyFactory,
    ResidentFactory,
    UnitFactory,
    UserFactory,
    owner_with_account,
    staff_member,
)

pytestmark = pytest.mark.django_db

CHANGE_BUILDING = "owners.change_building"


def _with_role(user, estate, role) -> User:
    StaffMembership.objects.create(user=user, estate=estate, role=role)
    staff_roles_sync(user)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def world():
    """mixed: estate manager of 阳光花园 (sunny), service staff of 翠湖苑 (lake)."""
    sunny, lake = EstateFactory(name="阳光花园"), EstateFactory(name="翠湖苑")
    mixed = _with_role(staff_member(sunny, role=Role.ESTATE_MANAGER, username="mixed"), lake, Role.SERVICE)
    return {
        "sunny": sunny, "lake": lake, "mixed": mixed,
        "sunny_building": BuildingFactory(estate=sunny, name="阳光1号楼"),
        "lake_building": BuildingFactory(estate=lake, name="翠湖1号楼"),
    }


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


# --- The primitive ---------------------------------------------------------------------------------

def test_a_permission_counts_only_where_a_role_carrying_it_is_held(world):
    mixed, sunny, lake = world["mixed"], world["sunny"], world["lake"]
    assert estate_ids_with_perm(mixed, CHANGE_BUILDING) == {sunny.pk}
    assert estate_ids_with_perm(mixed, "owners.change_resident") == {sunny.pk, lake.pk}  # both roles carry it
    assert has_perm_at(mixed, CHANGE_BUILDING, sunny.pk) and not has_perm_at(mixed, CHANGE_BUILDING, lake.pk)
    assert not has_perm_at(mixed, CHANGE_BUILDING, None)  # a company-wide record needs a company-wide role


def test_company_wide_roles_and_superusers_hold_their_permissions_everywhere(world):
    admin = staff_member(None, role=Role.COMPANY_ADMIN)
    root = UserFactory(is_superuser=True)
    for user in (admin, root):
        assert estate_ids_with_perm(user, CHANGE_BUILDING) is ALL
        assert has_perm_at(user, CHANGE_BUILDING, world["lake"].pk) and has_perm_at(user, CHANGE_BUILDING, None)
    spokesperson = staff_member(None, role=Role.SPOKESPERSON)
    assert estate_ids_with_perm(spokesperson, CHANGE_BUILDING) == set()  # everywhere, but view-only


def test_owners_inactive_and_anonymous_users_hold_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    owner = owner_with_account(unit=UnitFactory(building=world["sunny_building"]))
    gone = staff_member(world["sunny"], role=Role.ESTATE_MANAGER, is_active=False)
    for user in (owner, gone, AnonymousUser()):
        assert estate_ids_with_perm(user, "owners.view_unit") == set()


def test_the_answer_is_kept_for_the_request(world, django_assert_num_queries):
    mixed = world["mixed"]
    estate_ids_with_perm(mixed, CHANGE_BUILDING)
    with django_assert_num_queries(0):
        estate_ids_with_perm(mixed, CHANGE_BUILDING)
        has_perm_at(mixed, "owners.add_unit", world["lake"].pk)


def test_a_new_assignment_is_seen_at_once(world):
    mixed = world["mixed"]
    assert not has_perm_at(mixed, CHANGE_BUILDING, world["lake"].pk)
    StaffMembership.objects.filter(user=mixed, estate=world["lake"]).update(role=Role.ESTATE_MANAGER)
    staff_roles_sync(mixed)  # the one door for assignments forgets what was kept
    assert has_perm_at(mixed, CHANGE_BUILDING, world["lake"].pk)


# --- The API --------------------------------------------------------------------------------------

def test_api_changes_buildings_only_where_the_manager_role_is_held(world):
    api = _api(world["mixed"])
    lake_building, sunny_building = world["lake_building"], world["sunny_building"]
    response = api.patch(f"/api/v1/buildings/{lake_building.pk}/", {"name": "改名"})
    assert response.status_code == 403
    lake_building.refresh_from_db()
    assert lake_building.name == "翠湖1号楼"
    assert api.patch(f"/api/v1/buildings/{sunny_building.pk}/", {"name": "阳光2号楼"}).status_code == 200
    sunny_building.refresh_from_db()
    assert sunny_building.name == "阳光2号楼"


def test_api_creates_buildings_and_units_only_where_the_manager_role_is_held(world):
    api = _api(world["mixed"])
    response = api.post("/api/v1/buildings/", {"estate": world["lake"].pk, "name": "新楼"})
    assert response.status_code == 403
    response = api.post("/api/v1/units/", {"building": world["lake_building"].pk, "entrance": "1", "number": "999"})
    assert response.status_code == 403
    assert not Building.objects.filter(name="新楼").exists() and not Unit.objects.filter(number="999").exists()
    assert api.post("/api/v1/buildings/", {"estate": world["sunny"].pk, "name": "新楼"}).status_code == 201
    response = api.post("/api/v1/units/", {"building": world["sunny_building"].pk, "entrance": "1", "number": "999"})
    assert response.status_code == 201


def test_api_cannot_move_a_building_or_unit_into_an_estate_without_the_role(world):
    api = _api(world["mixed"])
    sunny_building = world["sunny_building"]
    assert api.patch(f"/api/v1/buildings/{sunny_building.pk}/", {"estate": world["lake"].pk}).status_code == 403
    sunny_building.refresh_from_db()
    assert sunny_building.estate_id == world["sunny"].pk
    unit = UnitFactory(building=sunny_building)
    assert api.patch(f"/api/v1/units/{unit.pk}/", {"building": world["lake_building"].pk}).status_code == 403
    unit.refresh_from_db()
    assert unit.building_id == sunny_building.pk


def test_api_changes_units_and_estates_only_where_the_manager_role_is_held(world):
    api = _api(world["mixed"])
    unit = UnitFactory(building=world["lake_building"], number="101")
    assert api.patch(f"/api/v1/units/{unit.pk}/", {"number": "102"}).status_code == 403
    assert api.patch(f"/api/v1/estates/{world['lake'].pk}/", {"phone": "110"}).status_code == 403
    unit.refresh_from_db()
    world["lake"].refresh_from_db()
    assert unit.number == "101" and world["lake"].phone != "110"
    assert api.patch(f"/api/v1/estates/{world['sunny'].pk}/", {"phone": "0571-1234"}).status_code == 200
    assert Estate.objects.get(pk=world["sunny"].pk).phone == "0571-1234"


def _units_csv():
    return SimpleUploadedFile("units.csv", "楼栋,单元,房号\n翠湖1号楼,1,501\n".encode(), content_type="text/csv")


def test_api_imports_units_only_where_the_manager_role_is_held(world):
    api = _api(world["mixed"])
    response = api.post(f"/api/v1/estates/{world['lake'].pk}/import/", {"kind": "units", "file": _units_csv()},
                        format="multipart")
    assert response.status_code == 403
    assert not Unit.objects.filter(number="501").exists()


def test_import_permission_is_one_predicate(world):
    mixed, sunny, lake = world["mixed"], world["sunny"], world["lake"]
    assert estate_can_import(mixed, sunny, "units") and estate_can_import(mixed, sunny, "residents")
    assert not estate_can_import(mixed, lake, "units") and estate_can_import(mixed, lake, "residents")


def test_resident_living_where_the_user_only_looks_on_is_not_editable(world):
    # Engineer (view only) at 翠湖苑, manager at 阳光花园: 翠湖苑's residents are read-only for them.
    viewer = _with_role(staff_member(world["sunny"], role=Role.ESTATE_MANAGER), world["lake"], Role.ENGINEER)
    resident = ResidentFactory(name="湖边人", email="")
    OccupancyFactory(resident=resident, unit=UnitFactory(building=world["lake_building"]))
    api = _api(viewer)
    assert api.get(f"/api/v1/residents/{resident.pk}/").status_code == 200
    assert api.patch(f"/api/v1/residents/{resident.pk}/", {"email": "x@example.com"}).status_code == 403
    assert api.post(f"/api/v1/residents/{resident.pk}/invite/").status_code == 403
    response = api.post("/api/v1/residents/", {"name": "新住户", "unit": UnitFactory(building=world["lake_building"]).pk})
    assert response.status_code == 403
    resident.refresh_from_db()
    assert resident.email == "" and not resident.invitations.exists()


# --- The admin and the dashboard --------------------------------------------------------------------

def test_admin_changes_buildings_only_where_the_manager_role_is_held(client, world):
    client.force_login(world["mixed"])
    lake_building, sunny_building = world["lake_building"], world["sunny_building"]
    url = reverse("admin:owners_building_change", args=[lake_building.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # shown read-only
    response = client.post(url, {"estate": world["lake"].pk, "name": "改名", "floors": "", "_save": "1"})
    assert response.status_code == 403
    delete = client.post(reverse("admin:owners_building_delete", args=[lake_building.pk]), {"post": "yes"})
    assert delete.status_code == 403
    lake_building.refresh_from_db()
    assert lake_building.name == "翠湖1号楼"
    url = reverse("admin:owners_building_change", args=[sunny_building.pk])
    response = client.post(url, {"estate": world["sunny"].pk, "name": "阳光2号楼", "floors": "", "_save": "1"})
    assert response.status_code == 302
    sunny_building.refresh_from_db()
    assert sunny_building.name == "阳光2号楼"


def test_admin_offers_and_accepts_only_estates_where_the_user_may_write(client, world):
    client.force_login(world["mixed"])
    form = client.get(reverse("admin:owners_building_add")).content.decode()
    assert "阳光花园" in form and "翠湖苑" not in form
    response = client.post(reverse("admin:owners_building_add"), {"estate": world["lake"].pk, "name": "新楼", "_save": "1"})
    assert response.status_code == 200  # the form again, with the refused choice
    sunny_building = world["sunny_building"]
    url = reverse("admin:owners_building_change", args=[sunny_building.pk])
    response = client.post(url, {"estate": world["lake"].pk, "name": "搬走", "floors": "", "_save": "1"})
    assert response.status_code == 200
    sunny_building.refresh_from_db()
    assert not Building.objects.filter(name__in=["新楼", "搬走"]).exists() and sunny_building.estate_id == world["sunny"].pk


def test_admin_changes_units_and_estates_only_where_the_manager_role_is_held(client, world):
    client.force_login(world["mixed"])
    unit = UnitFactory(building=world["lake_building"], number="101")
    response = client.post(reverse("admin:owners_unit_change", args=[unit.pk]),
                           {"building": world["lake_building"].pk, "entrance": "1", "number": "102", "_save": "1"})
    assert response.status_code == 403
    lake = world["lake"]
    response = client.post(reverse("admin:owners_estate_change", args=[lake.pk]), {
        "name": "改名", "code": lake.code, "timezone": "Asia/Shanghai", "buildings-TOTAL_FORMS": "0",
        "buildings-INITIAL_FORMS": "0", "_save": "1",
    })
    assert response.status_code == 403
    unit.refresh_from_db()
    lake.refresh_from_db()
    assert unit.number == "101" and lake.name == "翠湖苑"


def test_dashboard_imports_units_only_where_the_manager_role_is_held(client, world):
    client.force_login(world["mixed"])
    response = client.post(reverse("dashboard:import"), {"estate": world["lake"].pk, "kind": "units", "file": _units_csv()})
    assert response.status_code == 403
    assert not Unit.objects.filter(number="501").exists()


def test_the_import_page_offers_its_form_only_to_roles_that_may_import(client, world):
    engineer = staff_member(world["sunny"], role=Role.ENGINEER, username="sunny-engineer")
    client.force_login(engineer)  # engineers import nothing: no form to fill in and be refused after
    page = client.get(reverse("dashboard:import")).content.decode()
    assert 'enctype="multipart/form-data"' not in page and 'id="import-not-allowed"' in page
    manager_and_engineer = _with_role(staff_member(world["sunny"], role=Role.ESTATE_MANAGER, username="two-hats"),
                                      world["lake"], Role.ENGINEER)
    client.force_login(manager_and_engineer)  # the form, offering only 阳光花园 (an engineer at 翠湖苑 imports nothing)
    page = client.get(reverse("dashboard:import")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'id="import-not-allowed"' not in page
    assert f'value="{world["sunny"].pk}"' in page and f'value="{world["lake"].pk}"' not in page


# --- The other apps ask the same primitive ------------------------------------------------------------

def test_statement_and_announcement_rights_follow_the_estate_of_the_role(world):
    from communications.models import Announcement, SavedAudience
    from communications.permissions import announcement_can_write, statement_can_approve, statement_can_write

    mixed, sunny, lake = world["mixed"], world["sunny"], world["lake"]
    assert statement_can_approve(mixed, sunny.pk) and not statement_can_approve(mixed, lake.pk)
    # The manager's media desk at 阳光花园 does not come with the service role at 翠湖苑.
    assert statement_can_write(mixed, sunny.pk) and not statement_can_write(mixed, lake.pk)
    # Service staff of 阳光花园 who are engineers at 翠湖苑 only read 翠湖苑's announcements.
    engineer = _with_role(staff_member(sunny, role=Role.SERVICE), lake, Role.ENGINEER)
    to_lake = Announcement(audience=Announcement.Audience.LIST, saved_audience=SavedAudience.objects.create(estate=lake, name="x"))
    to_sunny = Announcement(audience=Announcement.Audience.LIST, saved_audience=SavedAudience.objects.create(estate=sunny, name="y"))
    assert announcement_can_write(engineer, to_sunny, adding=True)
    assert not announcement_can_write(engineer, to_lake, adding=True)


def test_complaint_rights_follow_the_estate_of_the_role(world):
    from complaints.models import Complaint
    from complaints.permissions import can_work, complaint_can_log

    sunny, lake = world["sunny"], world["lake"]
    # Service staff of 阳光花园 who speak for 翠湖苑 may not log or work 翠湖苑's complaints.
    speaker = _with_role(staff_member(sunny, role=Role.SERVICE), lake, Role.SPOKESPERSON)
    assert complaint_can_log(speaker, sunny.pk) and not complaint_can_log(speaker, lake.pk)
    assert can_work(speaker, Complaint(estate=sunny)) and not can_work(speaker, Complaint(estate=lake))


def test_admin_still_creates_estates_with_their_buildings(client):
    client.force_login(staff_member(None, role=Role.COMPANY_ADMIN))
    response = client.post(reverse("admin:owners_estate_add"), {
        "name": "新小区", "code": "xin", "address": "", "timezone": "Asia/Shanghai", "phone": "",
        "buildings-TOTAL_FORMS": "1", "buildings-INITIAL_FORMS": "0", "buildings-0-name": "1号楼", "_save": "1",
    })
    assert response.status_code == 302
    assert list(Building.objects.filter(estate__name="新小区").values_list("name", flat=True)) == ["1号楼"]


def test_admin_estate_page_adds_buildings_only_where_the_manager_role_is_held(client, world):
    client.force_login(world["mixed"])
    sunny = world["sunny"]
    url = reverse("admin:owners_estate_change", args=[sunny.pk])
    response = client.post(url, {
        "name": sunny.name, "code": sunny.code, "address": "", "timezone": "Asia/Shanghai", "phone": "",
        "buildings-TOTAL_FORMS": "2", "buildings-INITIAL_FORMS": "1",
        "buildings-0-id": world["sunny_building"].pk, "buildings-0-estate": sunny.pk, "buildings-0-name": "阳光1号楼",
        "buildings-1-name": "阳光3号楼", "_save": "1",
    })
    assert response.status_code == 302
    assert set(Building.objects.filter(estate=sunny).values_list("name", flat=True)) == {"阳光1号楼", "阳光3号楼"}
    lake_page = client.get(reverse("admin:owners_estate_change", args=[world["lake"].pk])).content.decode()
    assert "buildings-TOTAL_FORMS" not in lake_page or 'name="_save"' not in lake_page
