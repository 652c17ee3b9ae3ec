"""The registry's building and unit pages: buildings are clickable, a building lists its units,
a unit shows who lives there, its fee ledger (to roles that see it) and a payment form (to roles
that record payments)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from owners.models import FeeLedgerEntry, FeePayment, Role
from tests.complaints.arrears_helpers import english, ledger_recent  # noqa: F401 (english: a fixture)
from tests.factories import BuildingFactory, EstateFactory, OccupancyFactory, UnitFactory, staff_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def estate():
    return EstateFactory(name="春江花园")


@pytest.fixture
def building(estate):
    return BuildingFactory(estate=estate, name="3号楼")


@pytest.fixture
def unit(building):
    return UnitFactory(building=building, entrance="2", number="1201")


@pytest.fixture
def service(estate):
    return staff_member(estate, role=Role.SERVICE)


def _months_back(n):
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def test_the_estate_page_links_each_building_and_the_building_page_lists_its_units_with_who_lives_there(client, estate, building, unit, service):
    occupancy = OccupancyFactory(unit=unit, resident__name="周建国")
    client.force_login(service)

    estate_page = client.get(reverse("dashboard:estate_detail", args=[estate.pk])).content.decode()
    assert reverse("dashboard:building_detail", args=[building.pk]) in estate_page

    page = client.get(reverse("dashboard:building_detail", args=[building.pk])).content.decode()
    assert reverse("dashboard:unit_detail", args=[unit.pk]) in page
    assert "1201" in page
    assert "周建国" in page and reverse("dashboard:resident_detail", args=[occupancy.resident_id]) in page


def test_the_building_page_lists_rooms_in_numeric_order(client, building, service):
    for number in ("1001", "201", "101", "1101"):
        UnitFactory(building=building, entrance="1", number=number)
    client.force_login(service)
    page = client.get(reverse("dashboard:building_detail", args=[building.pk])).content.decode()
    positions = [page.index(f">{n}</a>") for n in ("101", "201", "1001", "1101")]
    assert positions == sorted(positions)


def test_another_estates_building_and_unit_answer_404(client, building, unit):
    other = staff_member(EstateFactory(name="翠湖苑"), role=Role.ESTATE_MANAGER)
    client.force_login(other)
    assert client.get(reverse("dashboard:building_detail", args=[building.pk])).status_code == 404
    assert client.get(reverse("dashboard:unit_detail", args=[unit.pk])).status_code == 404
    assert client.post(reverse("dashboard:unit_payment", args=[unit.pk]), {"amount": "1", "paid_on": "2026-01-01"}).status_code == 404


def test_the_building_page_costs_the_same_queries_for_many_units(client, building, service, django_assert_max_num_queries):
    for n in range(3):
        OccupancyFactory(unit=UnitFactory(building=building, number=f"10{n}"))
    client.force_login(service)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("dashboard:building_detail", args=[building.pk]))
    for n in range(20):
        OccupancyFactory(unit=UnitFactory(building=building, number=f"20{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboard:building_detail", args=[building.pk]))


def test_the_unit_page_shows_residents_ledger_and_payment_form_to_service_staff(client, unit, service):
    occupancy = OccupancyFactory(unit=unit, resident__name="周建国")
    ledger_recent(unit, 3)
    client.force_login(service)

    page = client.get(reverse("dashboard:unit_detail", args=[unit.pk])).content.decode()

    assert reverse("dashboard:resident_detail", args=[occupancy.resident_id]) in page
    assert 'id="unit-ledger"' in page and _months_back(1).strftime("%Y-%m") in page
    assert "¥900.00" in page  # overdue now
    assert 'id="payment"' in page and reverse("dashboard:unit_payment", args=[unit.pk]) in page


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.SPOKESPERSON])
def test_roles_without_the_ledger_see_the_unit_but_not_its_fees(client, estate, unit, role):
    ledger_recent(unit, 3)
    client.force_login(staff_member(estate, role=role))

    response = client.get(reverse("dashboard:unit_detail", args=[unit.pk]))

    page = response.content.decode()
    assert response.status_code == 200 and "1201" in page
    assert 'id="unit-ledger"' not in page and "900.00" not in page
    assert 'id="payment"' not in page


def test_a_payment_is_applied_to_the_oldest_month_and_said_on_the_page(client, unit, service):
    ledger_recent(unit, 3)
    client.force_login(service)

    response = client.post(reverse("dashboard:unit_payment", args=[unit.pk]),
                           {"amount": "300.00", "paid_on": timezone.localdate().isoformat(), "note": "现金 柜台"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("dashboard:unit_detail", args=[unit.pk])
    page = response.content.decode()
    assert "Payment of ¥300.00 recorded" in page
    assert "¥600.00" in page  # still overdue
    assert "现金 柜台" in page
    oldest = FeeLedgerEntry.objects.get(unit=unit, period=_months_back(3))
    assert oldest.paid == Decimal("300.00")
    assert FeePayment.objects.get(unit=unit).recorded_by == service


@pytest.mark.parametrize("data,field,words", [
    ({"amount": "abc"}, "amount", "Enter a number"),
    ({"amount": "0"}, "amount", "greater than or equal to 0.01"),
    ({"amount": "12.345"}, "amount", "2 decimal places"),
    ({"amount": "5000.00"}, "amount", "owes 900.00 yuan"),  # the service's refusal, beside the amount
    ({"amount": "100", "paid_on": "2999-01-01"}, "paid_on", "cannot be dated in the future"),
    ({"amount": "100", "paid_on": ""}, "paid_on", "This field is required"),
])
def test_a_wrong_payment_says_what_is_wrong_beside_the_field_and_writes_nothing(client, unit, service, data, field, words):
    ledger_recent(unit, 3)
    client.force_login(service)
    body = {"paid_on": timezone.localdate().isoformat(), **data}

    response = client.post(reverse("dashboard:unit_payment", args=[unit.pk]), body)

    assert response.status_code == 400
    errors = response.context["payment_form"].errors
    assert field in errors and words in " ".join(errors[field])
    assert words in response.content.decode().replace("&#x27;", "'")
    assert not FeePayment.objects.exists()
    assert sum(e.paid for e in FeeLedgerEntry.objects.filter(unit=unit)) == 0


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.SPOKESPERSON])
def test_roles_that_may_not_record_payments_are_refused_and_nothing_changes(client, estate, unit, role):
    ledger_recent(unit, 3)
    client.force_login(staff_member(estate, role=role))

    response = client.post(reverse("dashboard:unit_payment", args=[unit.pk]), {"amount": "300", "paid_on": timezone.localdate().isoformat()})

    assert response.status_code == 403
    assert not FeePayment.objects.exists()


def test_after_a_payment_the_form_goes_back_to_a_dashboard_page_it_came_from_never_elsewhere(client, unit, service):
    ledger_recent(unit, 3)
    client.force_login(service)
    today = timezone.localdate().isoformat()
    back = reverse("dashboard:estate_detail", args=[unit.building.estate_id])

    came = client.post(reverse("dashboard:unit_payment", args=[unit.pk]), {"amount": "1", "paid_on": today, "next": back})
    away = client.post(reverse("dashboard:unit_payment", args=[unit.pk]), {"amount": "1", "paid_on": today, "next": "https://evil.example/"})

    assert came.url == back
    assert away.url == reverse("dashboard:unit_detail", args=[unit.pk])


def test_the_resident_page_links_their_units(client, unit, service):
    occupancy = OccupancyFactory(unit=unit)
    client.force_login(service)
    page = client.get(reverse("dashboard:resident_detail", args=[occupancy.resident_id])).content.decode()
    assert reverse("dashboard:unit_detail", args=[unit.pk]) in page


def test_the_payment_date_starts_at_today_in_the_form_a_date_input_reads_in_chinese_too(client, unit, service, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(service)
    with translation.override("zh-hans"):
        page = client.get(reverse("dashboard:unit_detail", args=[unit.pk])).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in page


def test_the_building_page_says_what_each_unit_owes_only_to_roles_that_see_the_ledger(client, estate, building, unit, service):
    ledger_recent(unit, 3)
    UnitFactory(building=building, entrance="2", number="1202")
    client.force_login(service)
    page = client.get(reverse("dashboard:building_detail", args=[building.pk])).content.decode()
    assert "¥900.00" in page
    client.force_login(staff_member(estate, role=Role.ENGINEER))
    page = client.get(reverse("dashboard:building_detail", args=[building.pk])).content.decode()
    assert "900.00" not in page and "Overdue now" not in page
