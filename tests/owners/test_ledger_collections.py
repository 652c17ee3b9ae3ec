"""Each ledger entry knows its estate and building (the report groups by them), and every later
change of what was paid is kept with its date (the recovery of prior arrears counts from it)."""

import datetime
from decimal import Decimal

import pytest

from owners.models import FeeCollection, FeeLedgerEntry
from owners.services.ledger import fee_ledger_import, fee_payment_record
from owners.signals import fees_collected
from tests.factories import BuildingFactory, UnitFactory

from .test_ledger import LEDGER_CSV, TODAY, _unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected():
    received = []

    def receiver(sender, unit_ids, collected_on, source, **kwargs):
        received.append((unit_ids, collected_on, source))

    fees_collected.connect(receiver, dispatch_uid="test-collected")
    yield received
    fees_collected.disconnect(dispatch_uid="test-collected")


def test_imported_entries_carry_their_units_estate_and_building(estate):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=None, today=TODAY)
    building = _unit("101").building
    assert set(FeeLedgerEntry.objects.values_list("estate_id", "building_id")) == {(estate.pk, building.pk)}


def test_an_entry_saved_by_itself_takes_them_from_its_unit(estate):
    other = UnitFactory(building=BuildingFactory(estate=estate, name="9号楼"))
    entry = FeeLedgerEntry.objects.create(unit=other, period=datetime.date(2026, 1, 1), billed=100, due_date=datetime.date(2026, 1, 31))
    assert (entry.estate_id, entry.building_id) == (estate.pk, other.building_id)


def test_a_first_import_is_history_and_a_changed_reimport_is_money_collected_that_day(estate, collected):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=None, today=TODAY)
    assert not FeeCollection.objects.exists() and collected == []

    again = LEDGER_CSV.replace("1号楼,1,101,2026-02,300.00,0,", "1号楼,1,101,2026-02,300.00,250.00,")
    fee_ledger_import(estate=estate, data=again.encode(), actor=None, today=TODAY)
    fee_ledger_import(estate=estate, data=again.encode(), actor=None, today=TODAY + datetime.timedelta(days=1))  # the same file
    assert list(FeeCollection.objects.values_list("period", "collected_on", "amount", "source")) == [
        (datetime.date(2026, 2, 1), TODAY, Decimal("250.00"), "import")]
    assert collected == [([_unit("101").pk], TODAY, "import")]

    corrected = again.replace("300.00,250.00,", "300.00,200.00,")
    fee_ledger_import(estate=estate, data=corrected.encode(), actor=None, today=TODAY + datetime.timedelta(days=2))
    assert FeeCollection.objects.order_by("id").last().amount == Decimal("-50.00")


def test_a_staff_payment_is_collected_on_the_day_paid_per_month_it_pays(estate, manager, collected):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=None, today=TODAY)
    paid_on = datetime.date(2026, 4, 10)
    payment = fee_payment_record(unit=_unit("101"), amount="400", paid_on=paid_on, actor=manager, today=TODAY)
    assert list(FeeCollection.objects.order_by("period").values_list("period", "collected_on", "amount", "payment_id")) == [
        (datetime.date(2026, 2, 1), paid_on, Decimal("300.00"), payment.pk),
        (datetime.date(2026, 3, 1), paid_on, Decimal("100.00"), payment.pk),
    ]
    assert collected == [([_unit("101").pk], paid_on, "payment")]
