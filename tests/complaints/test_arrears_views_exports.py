"""The arrears desk's exports go through the recorded, streamed export helper
(config.reports.exports): the desk's filters and scope, formulas shown not run, every download
recorded."""

import csv
import io

import pytest
from django.urls import reverse

from complaints.services.arrears import arrears_case_open, arrears_contact_log
from owners.models import ExportRecord, Role
from tests.complaints.arrears_helpers import english, ledger_recent  # noqa: F401 (english: a fixture)
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, ResidentFactory, UnitFactory, staff_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def cases(estate, service):
    """Two open cases of this estate (one owner's name is a formula) and one of another estate."""
    building = BuildingFactory(estate=estate, name="5号楼")
    made = []
    for number, name in (("501", '=HYPERLINK("http://evil.example","点我")'), ("502", "李明")):
        unit = UnitFactory(building=building, entrance="", number=number)
        OccupancyFactory(unit=unit, resident=ResidentFactory(name=name))
        ledger_recent(unit, 3)
        made.append(arrears_case_open(unit=unit, actor=service))
    other = UnitFactory(building=BuildingFactory(estate=EstateFactory(name="翠湖苑")))
    ledger_recent(other, 3)
    arrears_case_open(unit=other, actor=staff_member(other.building.estate, Role.SERVICE))
    return made


def test_the_case_export_holds_this_estates_cases_with_formulas_shown_not_run(client, cases, service):
    client.force_login(service)

    rows = _csv(client.get(reverse("dashboard:export_arrears_cases", args=["csv"])))

    assert rows[0][0] == "Case" and "Owner" in rows[0]
    assert {int(r[0]) for r in rows[1:]} == {c.pk for c in cases}
    assert not any("翠湖苑" in cell for row in rows for cell in row)
    owners = {r[rows[0].index("Owner")] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in owners and "李明" in owners
    assert "5号楼, room 501" in {r[rows[0].index("Unit")] for r in rows[1:]}


def test_the_case_export_takes_the_desks_filters_and_is_recorded(client, cases, service):
    arrears_contact_log(cases[0], actor=service, kind="phone_call", outcome="生病住院", cause="hardship_illness")
    client.force_login(service)
    page = client.get(reverse("dashboard:arrears_list") + "?cause=hardship_illness").content.decode()
    assert reverse("dashboard:export_arrears_cases", args=["xlsx"]) + "?status=open&amp;cause=hardship_illness" in page

    rows = _csv(client.get(reverse("dashboard:export_arrears_cases", args=["csv"]), {"cause": "hardship_illness"}))

    assert [int(r[0]) for r in rows[1:]] == [cases[0].pk]
    record = ExportRecord.objects.get()
    assert (record.user, record.kind, record.format, record.row_count) == (service, "arrears_cases", "csv", 1)
    assert record.filters == {"status": "open", "cause": "hardship_illness"}


def test_closed_cases_are_exported_when_asked_for(client, cases, service):
    from complaints.services.arrears import arrears_case_close

    arrears_case_close(cases[1], actor=service, outcome="written_off", note="核销")
    client.force_login(service)
    open_rows = _csv(client.get(reverse("dashboard:export_arrears_cases", args=["csv"])))
    closed_rows = _csv(client.get(reverse("dashboard:export_arrears_cases", args=["csv"]), {"status": "closed"}))
    assert [int(r[0]) for r in open_rows[1:]] == [cases[0].pk]
    assert [int(r[0]) for r in closed_rows[1:]] == [cases[1].pk] and closed_rows[1][-1] == "Written off"


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.SPOKESPERSON])
def test_roles_without_arrears_export_only_the_heading(client, cases, estate, role):
    client.force_login(staff_member(estate, role=role))
    rows = _csv(client.get(reverse("dashboard:export_arrears_cases", args=["csv"])))
    assert len(rows) == 1


def test_owners_export_nothing(client, cases, owner):
    client.force_login(owner)
    assert client.get(reverse("dashboard:export_arrears_cases", args=["csv"])).status_code == 403
    assert client.get(reverse("dashboard:export_collection_rate", args=["csv"])).status_code == 403
    assert not ExportRecord.objects.exists()


def test_the_collection_rate_download_is_recorded_and_keeps_to_the_users_estates(client, cases, manager):
    client.force_login(manager)

    rows = _csv(client.get(reverse("dashboard:export_collection_rate", args=["csv"]), {"by": "building"}))

    assert rows[0] == ["Estate", "Building", "Month", "Billed", "Paid", "Collection rate (%)"]
    assert {r[1] for r in rows[1:]} == {"5号楼"}
    assert not any("翠湖苑" in cell for row in rows for cell in row)
    record = ExportRecord.objects.get()
    assert (record.kind, record.filters, record.row_count) == ("collection_rate", {"by": "building"}, 1)
