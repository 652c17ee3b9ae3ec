"""Scoped reads of communications: an announcement's reach is one rule for reading and acting."""

import pytest
from django.core.exceptions import PermissionDenied

from communications.models import Announcement, SavedAudience
from communications.reach import announcement_reach
from communications.selectors import announcement_list_for
from communications.services import announcements as svc
from owners.models import Role
from tests.communications.conftest import api_as
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere():
    return EstateFactory(name="翠湖苑")


@pytest.fixture
def garage(estate):
    saved = SavedAudience.objects.create(name="地下车位业主", estate=estate)
    resident = ResidentFactory()
    OccupancyFactory(resident=resident, unit=UnitFactory(building=BuildingFactory(estate=estate)))
    saved.residents.add(resident)
    return saved


def test_estate_writer_opens_and_sends_the_saved_list_announcement_they_wrote(writer, garage, settings):
    """Before one reach function, the list read only `estates`, so this answered 404 (review §3)."""
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    api = api_as(writer)
    created = api.post("/api/v1/announcements/", {"kind": "general", "title": "车库清洁", "body": "周六清洗车库。",
                                                  "audience": "list", "saved_audience": garage.pk, "channels": ["portal"]},
                       format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.get(f"/api/v1/announcements/{pk}/").status_code == 200
    assert any(row["id"] == pk for row in api.get("/api/v1/announcements/").json()["results"])
    published = api.post(f"/api/v1/announcements/{pk}/publish/")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "sending"  # the send itself runs after commit


def test_saved_list_announcement_is_seen_by_its_estate_only(writer, garage, estate, elsewhere):
    announcement = svc.announcement_create(author=writer, kind="general", title="车库清洁", body="周六清洗车库。",
                                           audience="list", saved_audience=garage, channels=["portal"])
    assert announcement_reach(announcement) == {estate.pk}
    assert list(announcement_list_for(staff_member(estate, role=Role.ENGINEER))) == [announcement]
    assert not announcement_list_for(staff_member(elsewhere, role=Role.SERVICE)).exists()
    assert list(announcement_list_for(staff_member(None, role=Role.SERVICE))) == [announcement]


def test_reach_follows_the_chosen_audience_not_every_relation(writer, estate, elsewhere):
    """An announcement to buildings reaches the buildings' estates; an estate ticked as well is not its reach."""
    building = BuildingFactory(estate=estate)
    announcement = svc.announcement_create(author=writer, kind="general", title="电梯保养", body="明日保养。", audience="buildings",
                                           buildings=[building], estates=[estate], channels=["portal"])
    assert announcement_reach(announcement) == {estate.pk}
    units = svc.announcement_create(author=writer, kind="general", title="漏水排查", body="请开门配合。", audience="units",
                                    units=[UnitFactory(building=building)], channels=["portal"])
    assert announcement_reach(units) == {estate.pk}
    assert set(announcement_list_for(writer)) == {announcement, units}
    assert not announcement_list_for(staff_member(elsewhere, role=Role.SERVICE)).exists()


def test_company_wide_announcements_are_for_company_wide_staff(estate):
    admin = staff_member(None, role=Role.COMPANY_ADMIN)
    announcement = svc.announcement_create(author=admin, kind="general", title="春节安排", body="物业服务时间调整。",
                                           audience="company", channels=["portal"])
    assert announcement_reach(announcement) is None
    assert list(announcement_list_for(admin)) == [announcement]
    assert not announcement_list_for(staff_member(estate, role=Role.SERVICE)).filter(pk=announcement.pk).exists()


def test_an_announcement_reaching_two_estates_is_read_by_both_but_sent_only_by_one_who_has_both(estate, elsewhere):
    both = staff_member(None, role=Role.SERVICE)
    announcement = svc.announcement_create(author=both, kind="general", title="联合通知", body="两个小区同时停电。",
                                           audience="estates", estates=[estate, elsewhere], channels=["portal"])
    here = staff_member(estate, role=Role.SERVICE)
    assert list(announcement_list_for(here)) == [announcement]
    with pytest.raises(PermissionDenied):
        svc.announcement_publish(announcement, actor=here)
    assert Announcement.objects.get(pk=announcement.pk).status == "draft"


def test_saved_list_announcement_written_on_the_page_opens_on_the_page(client, writer, garage):
    client.force_login(writer)
    response = client.post("/dashboard/announcements/new/", {"kind": "general", "title": "车库清洁", "body": "周六清洗车库。",
                                                              "audience": "list", "saved_audience": garage.pk,
                                                              "channels": ["portal"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(response.url).status_code == 200
