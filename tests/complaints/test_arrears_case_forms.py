"""The case page's forms look like the rest of the page: the contact log is a styled form (tour 74b)."""

import re

import pytest
from django.urls import reverse

from complaints.services.arrears import arrears_case_open
from tests.complaints.arrears_helpers import english, ledger_recent  # noqa: F401 (english: a fixture)
from tests.factories import BuildingFactory, OccupancyFactory, ResidentFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_contact_log_fields_are_styled_like_the_other_forms(client, estate, service):
    unit = UnitFactory(building=BuildingFactory(estate=estate), entrance="", number="501")
    OccupancyFactory(unit=unit, resident=ResidentFactory(name="李明"))
    ledger_recent(unit, 3)
    case = arrears_case_open(unit=unit, actor=service)
    client.force_login(service)

    page = client.get(reverse("dashboard:arrears_case", args=[case.pk])).content.decode()

    action = re.escape(reverse("dashboard:arrears_contact", args=[case.pk]))
    form = re.search(rf'<form[^>]*action="{action}".*?</form>', page, re.S)[0]
    for name in ("kind", "cause"):
        assert re.search(rf'<select[^>]*name="{name}"[^>]*class="[^"]*form-select|<select[^>]*class="[^"]*form-select[^"]*"[^>]*name="{name}"', form), name
    for name in ("date", "promise_date", "promise_amount"):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*>', form)
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', form)[0]
        assert "form-control" in tag, name
    assert "form-control" in re.search(r'<textarea[^>]*name="outcome"[^>]*>', form)[0]


def test_the_owners_fees_call_money_past_due_overdue_fees_not_a_missed_deadline(client, unit, owner, service, settings):
    """Tour 13: the owner's page labelled the overdue amount 已超时 (the tickets' "past its deadline")."""
    from django.utils import translation

    ledger_recent(unit, 3)
    arrears_case_open(unit=unit, actor=service)
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(owner)
    with translation.override("zh-hans"):
        page = client.get(reverse("portal:arrears")).content.decode()

    assert "逾期欠费" in page and "已超时" not in page


def test_the_desk_tells_two_rooms_801_of_one_building_apart_by_their_entrance(client, estate, service):
    """Tour 73: cases #10 and #13 both read "阳光花园 2号楼 801" — one in entrance 1, one in entrance 2."""
    building = BuildingFactory(estate=estate, name="2号楼")
    for entrance in ("1", "2"):
        unit = UnitFactory(building=building, entrance=entrance, number="801")
        ledger_recent(unit, 3)
        arrears_case_open(unit=unit, actor=service)
    client.force_login(service)

    page = client.get(reverse("dashboard:arrears_list")).content.decode()

    assert "2号楼, entrance 1, room 801" in page and "2号楼, entrance 2, room 801" in page


def test_a_closed_case_marks_no_rung_of_the_ladder_as_current(client, estate, service):
    """Tour 74: a closed case still showed its last step in bold, as if it were under way."""
    from complaints.services.arrears import arrears_case_close

    unit = UnitFactory(building=BuildingFactory(estate=estate), entrance="", number="501")
    ledger_recent(unit, 3)
    case = arrears_case_open(unit=unit, actor=service)
    client.force_login(service)
    ladder = re.search(r'<ol[^>]*id="arrears-ladder".*?</ol>', client.get(reverse("dashboard:arrears_case", args=[case.pk])).content.decode(), re.S)[0]
    assert "fw-semibold" in ladder

    arrears_case_close(case, actor=service, outcome="written_off", note="核销")
    ladder = re.search(r'<ol[^>]*id="arrears-ladder".*?</ol>', client.get(reverse("dashboard:arrears_case", args=[case.pk])).content.decode(), re.S)[0]
    assert "fw-semibold" not in ladder
