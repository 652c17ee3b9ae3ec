"""The collection report (收缴率): exact amounts in yuan, the rate as a percentage, and the recovery
of prior arrears — on the selector, the page and the API, with known numbers."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from owners.selectors import collection_rate
from owners.services.ledger import fee_ledger_import, fee_payment_record
from tests.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db

MARCH, APRIL = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)


def _import(unit, rows, today):
    """rows: (month "2026-01", billed, paid)."""
    lines = ["楼栋,单元,房号,期间,应缴,已缴"] + [f"{unit.building.name},{unit.entrance},{unit.number},{m},{b},{p}" for m, b, p in rows]
    fee_ledger_import(estate=unit.building.estate, data="\n".join(lines).encode(), actor=None, today=today)


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_amounts_are_decimals_to_the_fen_and_the_rate_a_percentage_with_one_decimal(estate, manager):
    # Ten months of 0.10 yuan add up to 0.9999999999999999 in floating point (SQLite sums decimals so).
    unit = UnitFactory(building=BuildingFactory(estate=estate, name="1号楼"))
    _import(unit, [(f"2025-{m:02d}", "0.10", "0.10" if m <= 3 else "0") for m in range(1, 11)], datetime.date(2025, 12, 1))
    _import(UnitFactory(building=unit.building), [("2025-01", "556221.60", "185407.20")], datetime.date(2025, 12, 1))

    rows = collection_rate(manager, by="building")
    assert [(r["billed"], r["paid"], r["rate"]) for r in rows] == [(Decimal("556222.60"), Decimal("185407.50"), Decimal("33.3"))]
    assert str(rows[0]["billed"]) == "556222.60" and str(rows[0]["rate"]) == "33.3"

    api = _api(manager).get("/api/v1/arrears-cases/collection-rate/", {"by": "building", "estate": estate.pk}).json()
    assert [(r["billed"], r["paid"], r["rate"]) for r in api] == [("556222.60", "185407.50", "33.3")]
    page = _api(manager)
    page.force_login(manager)
    html = page.get(reverse("dashboard:arrears_report") + "?by=building").content.decode()
    assert "556,222.60" in html or "556222.60" in html
    assert "556221.599" not in html and "0.9999" not in html


@pytest.fixture
def march_and_april(estate, manager):
    """Two units billed 300 yuan a month from January to April 2026.

    A (1号楼): nothing paid in the first file; a payment of 450 on 10 March pays January and half
    of February (oldest first); a re-imported file on 20 March says March is paid.
    B (2号楼): February to April paid in the first file; January paid (300) on 5 April."""
    a = UnitFactory(building=BuildingFactory(estate=estate, name="1号楼"))
    b = UnitFactory(building=BuildingFactory(estate=estate, name="2号楼"))
    _import(a, [(f"2026-{m:02d}", "300.00", "0") for m in range(1, 5)], datetime.date(2026, 1, 31))
    _import(b, [("2026-01", "300.00", "0")] + [(f"2026-{m:02d}", "300.00", "300.00") for m in range(2, 5)], datetime.date(2026, 1, 31))
    fee_payment_record(unit=a, amount="450", paid_on=datetime.date(2026, 3, 10), actor=manager, today=datetime.date(2026, 3, 10))
    _import(a, [("2026-03", "300.00", "300.00")], datetime.date(2026, 3, 20))
    fee_payment_record(unit=b, amount="300", paid_on=datetime.date(2026, 4, 5), actor=manager, today=datetime.date(2026, 4, 5))
    return a, b


def test_recovery_of_prior_arrears_per_building_for_a_month(march_and_april, manager):
    rows = collection_rate(manager, period_from=MARCH, period_to=MARCH, by="building")
    got = [(r["building"], r["billed"], r["paid"], r["rate"], r["prior_arrears"], r["recovered"], r["recovery_rate"]) for r in rows]
    assert got == [
        # Owed on 1 March for January and February: 600; paid of it in March: 450 (the re-import's
        # March money is this month's fee, not prior arrears).
        ("1号楼", Decimal("300.00"), Decimal("300.00"), Decimal("100.0"), Decimal("600.00"), Decimal("450.00"), Decimal("75.0")),
        # January's 300 was owed on 1 March and paid only in April.
        ("2号楼", Decimal("300.00"), Decimal("300.00"), Decimal("100.0"), Decimal("300.00"), Decimal("0.00"), Decimal("0.0")),
    ]
    by_estate = collection_rate(manager, period_from=MARCH, period_to=MARCH)
    assert [(r["prior_arrears"], r["recovered"], r["recovery_rate"]) for r in by_estate] == [
        (Decimal("900.00"), Decimal("450.00"), Decimal("50.0"))]


def test_recovery_of_prior_arrears_month_by_month(march_and_april, manager):
    rows = collection_rate(manager, period_from=MARCH, period_to=APRIL, by="period")
    assert [(r["period"], r["billed"], r["paid"], r["prior_arrears"], r["recovered"], r["recovery_rate"]) for r in rows] == [
        (MARCH, Decimal("600.00"), Decimal("600.00"), Decimal("900.00"), Decimal("450.00"), Decimal("50.0")),
        # On 1 April: A's February half (150) and B's January (300); B's January paid on 5 April.
        (APRIL, Decimal("600.00"), Decimal("300.00"), Decimal("450.00"), Decimal("300.00"), Decimal("66.7")),
    ]


def test_without_a_first_month_there_is_no_recovery_to_report(march_and_april, manager):
    row = collection_rate(manager)[0]
    assert (row["billed"], row["paid"]) == (Decimal("2400.00"), Decimal("1950.00"))
    assert (row["prior_arrears"], row["recovered"], row["recovery_rate"]) == (None, None, None)


def test_the_api_and_the_page_show_the_recovery(march_and_april, estate, manager, client):
    rows = _api(manager).get("/api/v1/arrears-cases/collection-rate/", {"by": "building", "from": "2026-03", "to": "2026-03"}).json()
    assert [(r["building"], r["prior_arrears"], r["recovered"], r["recovery_rate"]) for r in rows] == [
        ("1号楼", "600.00", "450.00", "75.0"), ("2号楼", "300.00", "0.00", "0.0")]
    client.force_login(manager)
    html = client.get(reverse("dashboard:arrears_report") + "?by=building&from=2026-03&to=2026-03").content.decode()
    assert "450.00" in html and "75.0%" in html


def test_other_estates_see_none_of_it(march_and_april, manager):
    from owners.models import Role
    from tests.factories import EstateFactory, staff_member

    stranger = staff_member(EstateFactory(), Role.ESTATE_MANAGER)
    assert collection_rate(stranger, period_from=MARCH, period_to=MARCH, by="building") == []


def test_the_xlsx_has_the_same_exact_figures_and_the_recovery(march_and_april, manager, client):
    import io

    from openpyxl import load_workbook

    client.force_login(manager)
    download = client.get(reverse("dashboard:export_collection_rate", args=["xlsx"]) + "?by=building&from=2026-03&to=2026-03")
    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True))
    assert [row[1:] for row in rows[1:]] == [
        ("1号楼", None, 300, 300, 100, 600, 450, 75),
        ("2号楼", None, 300, 300, 100, 300, 0, 0),
    ]
    # Written as the decimals they are: "300.00", not a float's 299.99999999999994.
    raw = b"".join(client.get(reverse("dashboard:export_collection_rate", args=["csv"]) + "?by=building&from=2026-03&to=2026-03")
                   .streaming_content).decode("utf-8-sig")
    assert "300.00,300.00,100.0,600.00,450.00,75.0" in raw


def test_the_monthly_report_carries_the_same_collection_rate_and_recovery_by_building(march_and_april, estate, manager, client):
    import io

    from openpyxl import load_workbook

    client.force_login(manager)
    response = client.get(reverse("dashboard:report_download", args=[estate.pk, "2026-03", "xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = next(ws for ws in book.worksheets if any("收缴率" in str(c) or "Collection" in str(c)
                                                    for row in ws.iter_rows(max_row=2, values_only=True) for c in row if c))
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] in ("1号楼", "2号楼")]
    # Building, billed, paid, rate, owed at the month's start, recovered, recovery rate — as the arrears report says.
    assert [(r[0], float(r[1]), float(r[2]), float(r[4]), float(r[5])) for r in rows] == [
        ("1号楼", 300.0, 300.0, 600.0, 450.0), ("2号楼", 300.0, 300.0, 300.0, 0.0)]
    assert [round(float(r[6]), 3) for r in rows] == [0.75, 0.0]
