"""The service-fee ledger: importing it, payments staff enter, arrears derived from it, and the
signal that a unit has paid up."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import Workbook

from owners.models import FeeLedgerEntry, FeePayment, Role
from owners.selectors import fee_entry_list_for, unit_account, unit_arrears
from owners.services import ImportRejected
from owners.services.ledger import fee_ledger_import, fee_payment_record, period_parse
from owners.signals import arrears_cleared
from tests.factories import EstateFactory, owner_with_account, staff_member

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 4, 15)
LEDGER_CSV = (
    "楼栋,单元,房号,期间,应缴,已缴,缴费截止日\n"
    "1号楼,1,101,2026-01,300.00,300.00,2026-01-31\n"
    "1号楼,1,101,2026-02,300.00,0,2026-02-28\n"
    "1号楼,1单元,101,2026年3月,300,100.50,\n"
    '1号楼,1,102,2026/01,"1,250.00",0,2026-01-31\n'
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _unit(number):
    from owners.models import Unit

    return Unit.objects.get(number=number)


@pytest.fixture
def signals():
    received = []

    def receiver(sender, unit_ids, actor, source, **kwargs):
        received.append((sorted(unit_ids), source))

    arrears_cleared.connect(receiver, dispatch_uid="test-ledger")
    yield received
    arrears_cleared.disconnect(dispatch_uid="test-ledger")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_ledger_imports_in_every_excel_encoding(estate, manager, encoding):
    result = fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(encoding), actor=manager, today=TODAY)

    assert result.rows == 4
    entries = {(e.unit.number, e.period): e for e in FeeLedgerEntry.objects.select_related("unit")}
    assert len(entries) == 4
    march = entries[("101", datetime.date(2026, 3, 1))]
    assert (march.billed, march.paid, march.due_date) == (Decimal("300.00"), Decimal("100.50"), datetime.date(2026, 3, 31))
    assert entries[("102", datetime.date(2026, 1, 1))].billed == Decimal("1250.00")


def test_an_xlsx_ledger_imports(estate, manager):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["楼栋", "单元", "房号", "期间", "应缴", "已缴"])
    sheet.append(["1号楼", "1", "101", "2026-02", 280.5, 0])
    buffer = io.BytesIO()
    workbook.save(buffer)

    fee_ledger_import(estate=estate, data=buffer.getvalue(), actor=manager, today=TODAY)

    entry = FeeLedgerEntry.objects.get()
    assert (entry.period, entry.billed, entry.paid) == (datetime.date(2026, 2, 1), Decimal("280.50"), Decimal("0.00"))


def test_bad_rows_are_each_reported_and_nothing_is_written(estate, manager):
    bad = (
        "楼栋,单元,房号,期间,应缴,已缴\n"
        "1号楼,1,101,2026-01,-5,0\n"  # negative
        "1号楼,1,101,2026-02,三百,0\n"  # not a number
        "1号楼,1,999,2026-01,300,0\n"  # unknown unit
        "1号楼,1,102,2026-01,300,0\n"
        "1号楼,1,102,2026-01,300,0\n"  # duplicate period
        "1号楼,1,102,2026-13,300,0\n"  # not a month
        "1号楼,1,102,2026-04,300,400\n"  # paid more than billed
        "1号楼,1,102,2026-05,300,0\n"  # fine, but the file is refused as a whole
    )
    with pytest.raises(ImportRejected) as refused:
        fee_ledger_import(estate=estate, data=bad.encode(), actor=manager, today=TODAY)

    assert [e.line for e in refused.value.errors] == [2, 3, 4, 6, 7, 8]
    messages = " ".join(e.message for e in refused.value.errors)
    assert "negative" in messages and "not an amount" in messages and "Unknown unit" in messages
    assert "line 5" in messages
    assert not FeeLedgerEntry.objects.exists()


def test_a_file_in_neither_utf8_nor_gbk_is_refused(estate, manager):
    with pytest.raises(ImportRejected, match="neither UTF-8 nor GBK"):
        fee_ledger_import(estate=estate, data=b"\xff\xfe\x00\xd8\x81\x81\xff", actor=manager, today=TODAY)
    assert not FeeLedgerEntry.objects.exists()


def test_reimporting_the_same_file_is_harmless_and_a_corrected_file_updates(estate, manager):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)
    assert FeeLedgerEntry.objects.count() == 4

    corrected = LEDGER_CSV.replace("1号楼,1,101,2026-02,300.00,0,", "1号楼,1,101,2026-02,300.00,300.00,")
    fee_ledger_import(estate=estate, data=corrected.encode(), actor=manager, today=TODAY)
    assert FeeLedgerEntry.objects.count() == 4
    assert FeeLedgerEntry.objects.get(unit__number="101", period=datetime.date(2026, 2, 1)).paid == Decimal("300.00")


def test_only_roles_carrying_the_import_permission_at_that_estate_may_import(estate):
    service = staff_member(estate, Role.SERVICE)
    elsewhere = staff_member(EstateFactory(), Role.ESTATE_MANAGER)
    for actor in (service, elsewhere):
        with pytest.raises(PermissionDenied):
            fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=actor, today=TODAY)
    assert not FeeLedgerEntry.objects.exists()


def test_arrears_per_unit_are_derived_from_the_ledger(estate, manager):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)

    rows = {r["unit_id"]: r for r in unit_arrears(TODAY, estate_ids=[estate.pk])}
    unit101, unit102 = _unit("101"), _unit("102")
    assert Decimal(rows[unit101.pk]["amount"]) == Decimal("499.50")
    assert rows[unit101.pk]["months"] == 2
    assert rows[unit101.pk]["oldest"] == datetime.date(2026, 2, 1)
    assert Decimal(rows[unit102.pk]["amount"]) == Decimal("1250.00")

    account = unit_account(unit101.pk, TODAY)
    assert account["arrears"] == Decimal("499.50")
    assert account["balance"] == Decimal("499.50")
    assert account["months_overdue"] == 2
    # A month not yet due is owed but not overdue.
    assert unit_account(unit101.pk, datetime.date(2026, 3, 15))["arrears"] == Decimal("300.00")


def test_a_payment_pays_the_oldest_months_first(estate, manager):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)
    service = staff_member(estate, Role.SERVICE)

    payment = fee_payment_record(unit=_unit("101"), amount="350", paid_on=TODAY, actor=service, today=TODAY)

    assert payment.allocations == [["2026-02", "300.00"], ["2026-03", "50.00"]]
    assert unit_account(_unit("101").pk, TODAY)["arrears"] == Decimal("149.50")


@pytest.mark.parametrize(
    ("amount", "paid_on", "words"),
    [
        ("0", TODAY, "greater than zero"),
        ("-3", TODAY, "greater than zero"),
        ("abc", TODAY, "amount"),
        ("500", TODAY, "more than that"),
        ("10", TODAY + datetime.timedelta(days=1), "future"),
    ],
)
def test_a_bad_payment_is_refused_and_changes_nothing(estate, manager, amount, paid_on, words):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)

    with pytest.raises(ValidationError, match=words):
        fee_payment_record(unit=_unit("101"), amount=amount, paid_on=paid_on, actor=manager, today=TODAY)

    assert not FeePayment.objects.exists()
    assert unit_account(_unit("101").pk, TODAY)["arrears"] == Decimal("499.50")


def test_staff_of_another_estate_may_not_record_a_payment(estate, manager):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)
    with pytest.raises(PermissionDenied):
        fee_payment_record(unit=_unit("101"), amount="10", paid_on=TODAY, actor=staff_member(EstateFactory(), Role.SERVICE), today=TODAY)


def test_paying_up_announces_that_the_units_arrears_are_cleared(estate, manager, signals):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)
    assert signals == []  # nothing owed before the first import

    fee_payment_record(unit=_unit("101"), amount="200", paid_on=TODAY, actor=manager, today=TODAY)
    assert signals == []  # still owes
    fee_payment_record(unit=_unit("101"), amount="299.50", paid_on=TODAY, actor=manager, today=TODAY)
    assert signals == [([_unit("101").pk], "payment")]

    paid_file = "楼栋,单元,房号,期间,应缴,已缴\n1号楼,1,102,2026-01,1250,1250\n"
    fee_ledger_import(estate=estate, data=paid_file.encode(), actor=manager, today=TODAY)
    assert signals[-1] == ([_unit("102").pk], "import")


def test_owners_see_only_their_own_ledger_and_other_staff_none(estate, manager):
    fee_ledger_import(estate=estate, data=LEDGER_CSV.encode(), actor=manager, today=TODAY)
    owner = owner_with_account(_unit("101"))

    assert {e.unit.number for e in fee_entry_list_for(owner)} == {"101"}
    assert fee_entry_list_for(manager).count() == 4
    assert not fee_entry_list_for(staff_member(estate, Role.ENGINEER)).exists()
    assert not fee_entry_list_for(staff_member(EstateFactory(), Role.ESTATE_MANAGER)).exists()


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-03", (2026, 3)),
        ("2026/3", (2026, 3)),
        ("202603", (2026, 3)),
        ("2026年3月", (2026, 3)),
        ("2026-03-01", (2026, 3)),
        ("2026-13", None),
        ("March", None),
        ("", None),
    ],
)
def test_months_are_read_the_ways_billing_exports_write_them(text, month):
    assert period_parse(text) == (datetime.date(*month, 1) if month else None)
