"""Staff see only their estates; owners only their own units — through pages and the API alike."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from owners.models import Role
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OccupancyFactory,
    ResidentFactory,
    UnitFactory,
    owner_with_account,
    staff_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_estates():
    a, b = EstateFactory(name="东区"), EstateFactory(name="西区")
    unit_a = UnitFactory(building=BuildingFactory(estate=a))
    unit_b = UnitFactory(building=BuildingFactory(estate=b))
    resident_a = OccupancyFactory(unit=unit_a, resident=ResidentFactory(name="东区住户")).resident
    resident_b = OccupancyFactory(unit=unit_b, resident=ResidentFactory(name="西区住户")).resident
    return {"a": a, "b": b, "unit_a": unit_a, "unit_b": unit_b, "resident_a": resident_a, "resident_b": resident_b}


def test_staff_dashboard_lists_only_assigned_estates(client, two_estates):
    client.force_login(staff_member(two_estates["a"]))
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "东区" in page and "西区" not in page


def test_staff_gets_404_for_another_estates_pages(client, two_estates):
    client.force_login(staff_member(two_estates["a"]))
    assert client.get(reverse("dashboard:estate_detail", args=[two_estates["a"].pk])).status_code == 200
    assert client.get(reverse("dashboard:estate_detail", args=[two_estates["b"].pk])).status_code == 404
    assert client.get(reverse("dashboard:resident_detail", args=[two_estates["resident_b"].pk])).status_code == 404
    residents = client.get(reverse("dashboard:resident_list")).content.decode()
    assert "东区住户" in residents and "西区住户" not in residents


def test_staff_gets_404_for_another_estates_api_objects(two_estates):
    api = APIClient()
    api.force_authenticate(staff_member(two_estates["a"]))
    assert api.get(f"/api/v1/estates/{two_estates['b'].pk}/").status_code == 404
    assert api.get(f"/api/v1/units/{two_estates['unit_b'].pk}/").status_code == 404
    assert api.get(f"/api/v1/residents/{two_estates['resident_b'].pk}/").status_code == 404
    names = [r["name"] for r in api.get("/api/v1/residents/").json()["results"]]
    assert names == ["东区住户"]
    units = api.get("/api/v1/units/").json()["results"]
    assert [u["id"] for u in units] == [two_estates["unit_a"].pk]


def test_company_wide_role_sees_every_estate(two_estates):
    api = APIClient()
    api.force_authenticate(staff_member(None, role=Role.SPOKESPERSON))
    ids = {e["id"] for e in api.get("/api/v1/estates/").json()["results"]}
    assert ids == {two_estates["a"].pk, two_estates["b"].pk}


def test_staff_cannot_attach_objects_to_another_estate(two_estates):
    api = APIClient()
    api.force_authenticate(staff_member(two_estates["a"], role=Role.ESTATE_MANAGER))
    response = api.post("/api/v1/buildings/", {"estate": two_estates["b"].pk, "name": "9号楼"}, format="json")
    assert response.status_code == 400
    assert "estate" in response.json()["errors"]
    assert not two_estates["b"].buildings.filter(name="9号楼").exists()


def test_owner_sees_own_units_and_gets_404_for_others(client, two_estates):
    owner = owner_with_account(unit=two_estates["unit_a"])
    client.force_login(owner)
    portal = client.get(reverse("portal:home")).content.decode()
    assert two_estates["a"].name in portal and two_estates["b"].name not in portal

    api = APIClient()
    api.force_authenticate(owner)
    assert api.get(f"/api/v1/units/{two_estates['unit_a'].pk}/").status_code == 200
    assert api.get(f"/api/v1/units/{two_estates['unit_b'].pk}/").status_code == 404
    # A neighbour in the same estate is just as invisible.
    neighbour_unit = UnitFactory(building=two_estates["unit_a"].building)
    assert api.get(f"/api/v1/units/{neighbour_unit.pk}/").status_code == 404
    assert api.get(f"/api/v1/residents/{two_estates['resident_a'].pk}/").status_code == 404
    mine = api.get("/api/v1/residents/").json()["results"]
    assert [r["id"] for r in mine] == [owner.resident.pk]


def test_owner_cannot_open_the_staff_dashboard_and_staff_not_the_portal(client, two_estates):
    client.force_login(owner_with_account(unit=two_estates["unit_a"]))
    assert client.get(reverse("dashboard:home")).status_code == 403
    client.force_login(staff_member(two_estates["a"]))
    assert client.get(reverse("portal:home")).status_code == 403


def test_owner_cannot_write_through_the_api(two_estates):
    api = APIClient()
    api.force_authenticate(owner_with_account(unit=two_estates["unit_a"]))
    response = api.post("/api/v1/buildings/", {"estate": two_estates["a"].pk, "name": "X"}, format="json")
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert APIClient().get("/api/v1/estates/").status_code == 401


def _manager_api(estate):
    api = APIClient()
    api.force_authenticate(staff_member(estate, role=Role.ESTATE_MANAGER))
    return api


def test_staff_cannot_move_a_building_or_unit_into_another_estate(two_estates):
    api = _manager_api(two_estates["a"])
    building, unit = two_estates["unit_a"].building, two_estates["unit_a"]
    response = api.patch(f"/api/v1/buildings/{building.pk}/", {"estate": two_estates["b"].pk}, format="json")
    assert response.status_code == 400 and "estate" in response.json()["errors"]
    response = api.patch(f"/api/v1/units/{unit.pk}/", {"building": two_estates["unit_b"].building_id}, format="json")
    assert response.status_code == 400 and "building" in response.json()["errors"]
    response = api.post("/api/v1/units/", {"building": two_estates["unit_b"].building_id, "number": "999"}, format="json")
    assert response.status_code == 400 and "building" in response.json()["errors"]
    building.refresh_from_db()
    unit.refresh_from_db()
    assert building.estate_id == two_estates["a"].pk and unit.building_id == building.pk
    assert not two_estates["unit_b"].building.units.filter(number="999").exists()


def test_staff_cannot_change_another_estates_records(two_estates):
    api = _manager_api(two_estates["a"])
    b, unit_b = two_estates["b"], two_estates["unit_b"]
    assert api.patch(f"/api/v1/estates/{b.pk}/", {"phone": "110"}, format="json").status_code == 404
    assert api.patch(f"/api/v1/buildings/{unit_b.building_id}/", {"name": "X"}, format="json").status_code == 404
    assert api.patch(f"/api/v1/units/{unit_b.pk}/", {"number": "X"}, format="json").status_code == 404
    assert api.patch(f"/api/v1/residents/{two_estates['resident_b'].pk}/", {"name": "X"}, format="json").status_code == 404
    b.refresh_from_db()
    unit_b.refresh_from_db()
    assert b.phone == "" and unit_b.number != "X" and unit_b.building.name != "X"
    # Nor create an estate: that is the company's.
    assert api.post("/api/v1/estates/", {"name": "新小区", "code": "new"}, format="json").status_code == 403


def test_resident_filters_do_not_tell_where_else_a_resident_lives(client, two_estates):
    shared = two_estates["resident_a"]
    OccupancyFactory(resident=shared, unit=two_estates["unit_b"])  # lives in both estates
    staff_b = staff_member(two_estates["b"])
    api = APIClient()
    api.force_authenticate(staff_b)
    assert api.get("/api/v1/residents/", {"estate": two_estates["a"].pk}).json()["results"] == []
    assert api.get("/api/v1/residents/", {"unit": two_estates["unit_a"].pk}).json()["results"] == []
    here = {r["id"] for r in api.get("/api/v1/residents/", {"estate": two_estates["b"].pk}).json()["results"]}
    assert here == {two_estates["resident_b"].pk, shared.pk}
    client.force_login(staff_b)
    page = client.get(reverse("dashboard:resident_list"), {"estate": two_estates["a"].pk}).content.decode()
    assert shared.name not in page
