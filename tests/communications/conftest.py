"""What the communications tests share: one estate with its staff and residents, the media
records of each kind, and the drafts most tests start from."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from communications.models import MediaInquiry, MediaMention, Stakeholder
from communications.services import announcements as announcements_svc
from communications.services import media as media_svc
from owners.models import Occupancy, Resident, Role
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, owner_with_account, staff_member


@pytest.fixture
def estate():
    return EstateFactory(name="海棠湾")


@pytest.fixture
def writer(estate):
    """Service staff of the estate: writes announcements, reads media records."""
    return staff_member(estate, role=Role.SERVICE)


@pytest.fixture
def manager(estate):
    return staff_member(estate, role=Role.ESTATE_MANAGER)


@pytest.fixture
def spokesperson(estate):
    return staff_member(estate, role=Role.SPOKESPERSON)


@pytest.fixture
def residents(estate):
    """Six residents of the estate: the even ones have an e-mail address, resident 1 opted out of SMS."""
    building = BuildingFactory(estate=estate)
    people = []
    for i in range(6):
        resident = ResidentFactory(email=f"r{i}@example.com" if i % 2 == 0 else "", allow_sms=(i != 1))
        OccupancyFactory(resident=resident, unit=UnitFactory(building=building))
        people.append(resident)
    return people


@pytest.fixture
def crowd(estate):
    """A few thousand residents of one estate, all reachable by SMS."""
    building = BuildingFactory(estate=estate)
    units = [UnitFactory(building=building) for _ in range(40)]
    Resident.objects.bulk_create([Resident(name=f"住户{i}", mobile=f"135{i:08d}") for i in range(2500)])
    people = list(Resident.objects.filter(mobile__startswith="135"))
    Occupancy.objects.bulk_create([Occupancy(resident=r, unit=units[i % 40]) for i, r in enumerate(people)])
    return people


@pytest.fixture
def wrong_assignees(estate):
    """An owner's portal account, a spokesperson of another estate and service staff of this one."""
    return {"owner": owner_with_account(unit=UnitFactory(building=BuildingFactory(estate=estate))),
            "elsewhere": staff_member(EstateFactory(), role=Role.SPOKESPERSON, username="other-estate-voice"),
            "service": staff_member(estate, role=Role.SERVICE, username="front-desk")}


def notice_draft(writer, estate, **fields):
    """A general notice to the estate on the notice board and by SMS; `fields` change any of it."""
    values = dict(kind="general", title="停水通知", body="明天 9:00–12:00 停水检修。", channels=["portal", "sms"], audience="estates")
    values.update(fields)
    return announcements_svc.announcement_create(author=writer, estates=[estate], **values)


def statement_draft(author, estate):
    return media_svc.statement_create(author=author, title="关于3号楼电梯困人事件的说明",
                                      body="今日 14:05 发生电梯困人，14:25 救出，无人受伤。", estate=estate)


def statement_published(spokesperson, manager, estate):
    """A statement drafted, submitted, approved and published."""
    statement = statement_draft(spokesperson, estate)
    media_svc.statement_submit(statement, actor=spokesperson)
    media_svc.statement_review(statement, actor=manager, approve=True)
    return media_svc.statement_publish(statement, actor=spokesperson)


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


# kind → (API list URL, model, a change to send, the field it changes)
MEDIA_ENDPOINTS = {
    "mention": ("/api/v1/media-mentions/", MediaMention, {"reach": 4242}, "reach"),
    "inquiry": ("/api/v1/media-inquiries/", MediaInquiry, {"outlet": "改过的报社"}, "outlet"),
    "stakeholder": ("/api/v1/stakeholders/", Stakeholder, {"phone": "139 0000 9999"}, "phone"),
}


def media_record(kind, estate):
    """A media record of `kind` (a key of MEDIA_ENDPOINTS) for `estate`; None: company-wide."""
    if kind == "mention":
        return MediaMention.objects.create(source="news", excerpt="全市电梯安全检查", reach=100, estate=estate)
    if kind == "inquiry":
        return MediaInquiry.objects.create(journalist="李敏", outlet="新民晚报", question="?", estate=estate,
                                           deadline=timezone.now() + timedelta(hours=3))
    return Stakeholder.objects.create(kind="street_office", name="王建", phone="021-5888 0002", estate=estate)


def snapshot(row):
    """Every column of `row` as stored now: equal before and after means a refused write changed nothing."""
    row = type(row).objects.get(pk=row.pk)
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
