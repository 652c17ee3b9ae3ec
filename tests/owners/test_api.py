"""The registry API: contract, validation and the documented errors."""

import pytest
from rest_framework.test import APIClient

from owners.models import Resident, Role
from tests.factories import PASSWORD, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return UnitFactory()


@pytest.fixture
def service_api(unit):
    api = APIClient()
    api.force_authenticate(staff_member(unit.building.estate, role=Role.SERVICE))
    return api


def test_create_resident_normalises_mobile_and_moves_in(service_api, unit):
    response = service_api.post("/api/v1/residents/", {"name": "孙悟空", "mobile": "+86 139-0000-1234", "unit": unit.pk, "relation": "tenant"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["mobile"] == "13900001234"
    assert body["occupancies"][0]["unit"] == unit.pk and body["occupancies"][0]["relation"] == "tenant"


def test_invalid_mobile_is_refused_and_nothing_saved(service_api, unit):
    response = service_api.post("/api/v1/residents/", {"name": "猪八戒", "mobile": "1234567", "unit": unit.pk})
    assert response.status_code == 400
    assert "mobile" in response.json()["errors"]
    assert not Resident.objects.filter(name="猪八戒").exists()


def test_update_normalises_and_checks_the_mobile_as_create_does(service_api, unit):
    resident = service_api.post("/api/v1/residents/", {"name": "沙和尚", "unit": unit.pk}).json()
    response = service_api.patch(f"/api/v1/residents/{resident['id']}/", {"mobile": "0086 139 0000 5678"})
    assert response.status_code == 200 and response.json()["mobile"] == "13900005678"
    response = service_api.patch(f"/api/v1/residents/{resident['id']}/", {"mobile": "12345"})
    assert response.status_code == 400 and "mobile" in response.json()["errors"]
    taken = service_api.post("/api/v1/residents/", {"name": "重号", "mobile": "13900005678", "unit": unit.pk})
    assert taken.status_code == 400 and "mobile" in taken.json()["errors"]
    assert Resident.objects.get(pk=resident["id"]).mobile == "13900005678"


def test_unknown_fields_are_refused(service_api, unit):
    response = service_api.post("/api/v1/residents/", {"name": "沙僧", "unit": unit.pk, "is_vip": True})
    assert response.status_code == 400
    assert response.json()["errors"] == {"is_vip": ["未知字段。"]}  # named, in the client's language (zh-hans here)
    assert not Resident.objects.filter(name="沙僧").exists()


def test_foreign_unit_id_is_refused(service_api):
    foreign = UnitFactory()
    response = service_api.post("/api/v1/residents/", {"name": "唐僧", "unit": foreign.pk})
    assert response.status_code == 400 and "unit" in response.json()["errors"]


def test_patch_cannot_link_a_resident_to_an_account(service_api, unit):
    """`user` is not a field of the resident API: a PATCH naming it is refused and links nothing."""
    resident = service_api.post("/api/v1/residents/", {"name": "白龙马", "unit": unit.pk}).json()
    response = service_api.patch(f"/api/v1/residents/{resident['id']}/", {"user": 1})
    assert response.status_code == 400 and "user" in response.json()["errors"]
    assert Resident.objects.get(pk=resident["id"]).user_id is None


def test_engineer_cannot_create_residents(unit):
    api = APIClient()
    api.force_authenticate(staff_member(unit.building.estate, role=Role.ENGINEER))
    response = api.post("/api/v1/residents/", {"name": "无权", "unit": unit.pk})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_list_uses_cursor_pagination_with_constant_queries(service_api, unit, django_assert_max_num_queries):
    for i in range(30):
        service_api.post("/api/v1/residents/", {"name": f"住户{i}", "unit": UnitFactory(building=unit.building).pk})
    with django_assert_max_num_queries(6):
        first = service_api.get("/api/v1/residents/?page_size=10").json()
    assert len(first["results"]) == 10 and first["next"]
    second = service_api.get(first["next"]).json()
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_token_authentication(unit):
    staff = staff_member(unit.building.estate)
    api = APIClient()
    token = api.post("/api/v1/auth/token/", {"username": staff.username, "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/estates/").json()["results"][0]["id"] == unit.building.estate_id


def test_schema_documents_every_error_and_docs_need_no_cdn(client):
    schema = client.get("/api/schema/?format=json").json()
    detail = schema["paths"]["/api/v1/residents/{id}/"]["get"]["responses"]
    assert {"200", "401", "403", "404", "429"} <= set(detail)
    create = schema["paths"]["/api/v1/residents/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "429"} <= set(create)
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


@pytest.mark.parametrize("path", ["/api/v1/buildings/", "/api/v1/units/", "/api/v1/residents/"])
def test_browsable_api_filters_name_no_other_estate(path):
    from tests.factories import BuildingFactory

    other = BuildingFactory(estate__name="别人的小区", name="别人的楼")
    UnitFactory(building=other)
    mine = UnitFactory(building__estate__name="我的小区")
    api = APIClient()
    api.force_authenticate(staff_member(mine.building.estate, role=Role.SERVICE))
    response = api.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    assert "别人的小区" not in page and "别人的楼" not in page
    # An id of the other estate filters to nothing; it is not an error that confirms it exists.
    response = api.get(f"{path}?estate={other.estate_id}")
    assert response.status_code == 200 and response.json()["results"] == []
