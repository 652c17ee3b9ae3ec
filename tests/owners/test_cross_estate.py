"""Nothing of another estate's owners leaks or can be taken over from this one (E3, finding 17).

The demo situation: 周建国 (13800000001) owns a flat in 阳光花园; manager2 and a service member
work only in 翠湖苑. Mobiles are unique company-wide, so that a number is in use somewhere cannot
be hidden from someone trying to register it — but whose it is, where, and any change to it can.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from owners.models import Occupancy, Resident, Role
from owners.services import ImportRejected, estate_residents_import
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

NEUTRAL_MSGID = "This mobile number cannot be registered here; ask the company administrator."


def _in_every_language(msgid):
    texts = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            texts.add(translation.gettext(msgid))
    return texts


NEUTRAL = _in_every_language(NEUTRAL_MSGID)


@pytest.fixture
def world():
    sunny, lake = EstateFactory(name="阳光花园"), EstateFactory(name="翠湖苑")
    sunny_unit = UnitFactory(building=BuildingFactory(estate=sunny, name="1号楼"), entrance="1", number="101")
    lake_unit = UnitFactory(building=BuildingFactory(estate=lake, name="1号楼"), entrance="", number="101")
    zhou = owner_with_account(unit=sunny_unit, mobile="13800000001").resident
    zhou.name, zhou.email = "周建国", "zhou@example.com"
    zhou.save()
    # Someone with homes in both estates, registered by the company.
    both = ResidentFactory(name="两地业主", mobile="13800000009")
    OccupancyFactory(resident=both, unit=UnitFactory(building=sunny_unit.building, number="909"))
    OccupancyFactory(resident=both, unit=lake_unit)
    return {
        "sunny": sunny, "lake": lake, "sunny_unit": sunny_unit, "lake_unit": lake_unit, "zhou": zhou, "both": both,
        "manager2": staff_member(lake, role=Role.ESTATE_MANAGER),
        "lake_service": staff_member(lake, role=Role.SERVICE),
        "admin": staff_member(None, role=Role.COMPANY_ADMIN),
    }


def _csv(name, mobile):
    return f"楼栋,单元,房号,姓名,手机\n1号楼,,101,{name},{mobile}\n".encode()


# --- the residents import ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["某某", "周建国"])
def test_import_does_not_match_or_name_a_resident_of_another_estate(world, name):
    with pytest.raises(ImportRejected) as caught:
        estate_residents_import(estate=world["lake"], data=_csv(name, "13800000001"), actor=world["manager2"])
    [error] = caught.value.errors
    assert error.message in NEUTRAL
    assert "周建国" not in caught.value.message + error.message
    assert not Occupancy.objects.filter(resident=world["zhou"], unit=world["lake_unit"]).exists()


def test_import_refuses_a_resident_who_lives_in_both_estates_too(world):
    # Matching would hand the other estate's half of their record over to this import's author.
    with pytest.raises(ImportRejected) as caught:
        estate_residents_import(estate=world["lake"], data=_csv("两地业主", "13800000009"), actor=world["lake_service"])
    [error] = caught.value.errors
    assert error.message in NEUTRAL


def test_import_through_the_api_and_the_page_answers_the_same_neutral_row(client, world):
    api = APIClient()
    api.force_authenticate(world["lake_service"])
    for name in ("某某", "周建国"):
        response = api.post(f"/api/v1/estates/{world['lake'].pk}/import/",
                            {"kind": "residents", "file": SimpleUploadedFile("r.csv", _csv(name, "13800000001"))},
                            format="multipart")
        assert response.status_code == 400
        assert "周建国" not in response.content.decode()
        [row] = response.json()["rows"]
        assert row["message"] in NEUTRAL
    client.force_login(world["manager2"])
    response = client.post(reverse("dashboard:import"), {
        "estate": world["lake"].pk, "kind": "residents", "file": SimpleUploadedFile("r.csv", _csv("某某", "13800000001")),
    })
    assert response.status_code == 400 and "周建国" not in response.content.decode()
    assert not Occupancy.objects.filter(resident=world["zhou"], unit=world["lake_unit"]).exists()


def test_import_still_matches_the_importers_own_residents(world):
    mine = OccupancyFactory(resident=ResidentFactory(name="本小区业主", mobile="13800000007"),
                            unit=UnitFactory(building=world["lake_unit"].building, number="707")).resident
    result = estate_residents_import(estate=world["lake"], data=_csv("本小区业主", "13800000007"), actor=world["manager2"])
    assert result.residents_matched == 1
    assert Occupancy.objects.filter(resident=mine, unit=world["lake_unit"]).exists()
    # Under another name it is refused, without telling the name on file.
    with pytest.raises(ImportRejected) as caught:
        estate_residents_import(estate=world["lake"], data="楼栋,单元,房号,姓名,手机\n1号楼,,707,别名,13800000007\n".encode(),
                         actor=world["manager2"])
    assert "本小区业主" not in caught.value.errors[0].message


def test_company_admin_import_matches_across_estates(world):
    result = estate_residents_import(estate=world["lake"], data=_csv("周建国", "13800000001"), actor=world["admin"])
    assert result.residents_matched == 1
    assert Occupancy.objects.filter(resident=world["zhou"], unit=world["lake_unit"]).exists()


# --- the API: create, edit, read ----------------------------------------------------------------

def test_api_create_with_another_estates_mobile_says_nothing_about_its_owner(world):
    api = APIClient()
    api.force_authenticate(world["manager2"])
    response = api.post("/api/v1/residents/", {"name": "某某", "mobile": "13800000001", "unit": world["lake_unit"].pk})
    assert response.status_code == 400
    [message] = response.json()["errors"]["mobile"]
    assert message in NEUTRAL
    assert Resident.objects.filter(mobile="13800000001").count() == 1


def test_api_create_with_an_own_residents_mobile_says_so(world):
    OccupancyFactory(resident=ResidentFactory(mobile="13800000007"), unit=world["lake_unit"])
    api = APIClient()
    api.force_authenticate(world["manager2"])
    response = api.post("/api/v1/residents/", {"name": "某某", "mobile": "13800000007", "unit": world["lake_unit"].pk})
    assert response.status_code == 400
    [message] = response.json()["errors"]["mobile"]
    assert message not in NEUTRAL


def test_staff_cannot_edit_a_resident_who_also_lives_in_another_estate(world):
    both = world["both"]
    for who in ("manager2", "lake_service"):
        api = APIClient()
        api.force_authenticate(world[who])
        assert api.get(f"/api/v1/residents/{both.pk}/").status_code == 200
        for method in (api.patch, api.put):
            response = method(f"/api/v1/residents/{both.pk}/", {"name": "两地业主", "mobile": "13911112222",
                                                               "email": "attacker@example.com"}, format="json")
            assert response.status_code == 403, response.content
    both.refresh_from_db()
    assert (both.mobile, both.email) == ("13800000009", "")


def test_staff_still_edit_their_own_residents(world):
    mine = OccupancyFactory(resident=ResidentFactory(mobile="13800000007"), unit=world["lake_unit"]).resident
    api = APIClient()
    api.force_authenticate(world["lake_service"])
    response = api.patch(f"/api/v1/residents/{mine.pk}/", {"email": "new@example.com"}, format="json")
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.email == "new@example.com"


def test_staff_see_only_their_estates_homes_of_a_resident(client, world):
    api = APIClient()
    api.force_authenticate(world["lake_service"])
    body = api.get(f"/api/v1/residents/{world['both'].pk}/").json()
    assert [o["estate"] for o in body["occupancies"]] == [world["lake"].pk]
    listed = api.get("/api/v1/residents/").json()["results"]
    assert {o["estate"] for r in listed for o in r["occupancies"]} == {world["lake"].pk}
    client.force_login(world["lake_service"])
    page = client.get(reverse("dashboard:resident_detail", args=[world["both"].pk])).content.decode()
    assert "翠湖苑" in page and "阳光花园" not in page and "909" not in page
    page = client.get(reverse("dashboard:resident_list")).content.decode()
    assert "两地业主" in page and "阳光花园" not in page


def test_admin_shows_a_shared_resident_read_only_and_without_the_other_estate(client, world):
    client.force_login(world["manager2"])
    url = reverse("admin:owners_resident_change", args=[world["both"].pk])
    page = client.get(url).content.decode()
    assert "两地业主" in page and "阳光花园" not in page
    assert 'name="mobile"' not in page  # read-only
    response = client.post(url, {"name": "两地业主", "mobile": "13911112222", "email": "attacker@example.com",
                                 "preferred_language": "zh-hans", "preferred_channel": "sms", "_save": "1"})
    assert response.status_code == 403
    world["both"].refresh_from_db()
    assert world["both"].mobile == "13800000009"
    # Nor can it be deleted (which would take the other estate's homes with it).
    response = client.post(reverse("admin:owners_resident_delete", args=[world["both"].pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Resident.objects.filter(pk=world["both"].pk).exists()


def test_admin_bulk_delete_refuses_a_shared_resident(client, world):
    client.force_login(world["manager2"])
    response = client.post(reverse("admin:owners_resident_changelist"), {
        "action": "delete_selected", "_selected_action": [world["both"].pk], "post": "yes",
    })
    assert response.status_code in (200, 403)
    assert Resident.objects.filter(pk=world["both"].pk).exists()
    assert world["both"].occupancies.count() == 2


# --- search pages (item 4) ------------------------------------------------------------------

def test_searches_never_list_another_estates_resident(client, world):
    client.force_login(world["manager2"])
    for url in (reverse("dashboard:resident_list"), reverse("dashboard:complaint_new")):
        page = client.get(url, {"q": "13800000001"}).content.decode()
        assert "周建国" not in page and "阳光花园" not in page
    # Even after trying the import path.
    with pytest.raises(ImportRejected):
        estate_residents_import(estate=world["lake"], data=_csv("周建国", "13800000001"), actor=world["manager2"])
    for url in (reverse("dashboard:resident_list"), reverse("dashboard:complaint_new")):
        page = client.get(url, {"q": "13800000001"}).content.decode()
        assert "周建国" not in page
    assert APIClient().get("/api/v1/residents/").status_code == 401
    api = APIClient()
    api.force_authenticate(world["manager2"])
    assert api.get("/api/v1/residents/", {"search": "13800000001"}).json()["results"] == []


def test_complaint_form_offers_only_the_staff_members_estate_homes(client, world):
    client.force_login(world["lake_service"])
    page = client.get(reverse("dashboard:complaint_new"), {"resident": world["both"].pk}).content.decode()
    assert "翠湖苑" in page and "909" not in page and "阳光花园" not in page


def test_admin_add_with_another_estates_mobile_names_nobody(client, world):
    client.force_login(world["manager2"])
    response = client.post(reverse("admin:owners_resident_add"), {
        "name": "某某", "mobile": "13800000001", "email": "", "preferred_language": "zh-hans",
        "preferred_channel": "sms", "notes": "", "occupancies-TOTAL_FORMS": "0", "occupancies-INITIAL_FORMS": "0",
        "occupancies-MIN_NUM_FORMS": "0", "occupancies-MAX_NUM_FORMS": "1000", "_save": "1",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert any(text in page for text in NEUTRAL) and "周建国" not in page
    assert Resident.objects.filter(mobile="13800000001").count() == 1
