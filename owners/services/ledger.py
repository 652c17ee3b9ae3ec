"""Writing the service-fee ledger: importing it from a file, and payments entered by staff.

The import is all or nothing like the other imports (imports/): one validation pass collects every
row error with its line, and only a file with none is written, in one transaction. Re-importing a
file is harmless: a row for a unit and month already in the ledger replaces that entry (the
billing system's file is the record of what was billed and paid), so no month is ever counted twice.

Every change of an entry's paid amount after it was first written is also kept as a dated
FeeCollection row (what the recovery of prior arrears is counted from), and announced through
owners.signals.fees_collected (instalment plans follow it). After either write, units whose
overdue fees are now fully paid are announced through owners.signals.arrears_cleared, in the same
transaction, so their arrears cases close with it.
"""

import datetime
import re
from calendar import monthrange
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Building, Estate, FeeCollection, FeeLedgerEntry, FeePayment, Unit
from ..permissions import has_perm_at
from ..signals import arrears_cleared, fees_collected
from .imports.columns import LEDGER_COLUMNS, building_check, column_label, entrance_normal, rows_read, size_check
from .imports.results import ImportResult, RowError, atomic_import, rejected_if_any

IMPORT_PERMISSION = "owners.add_feeledgerentry"
PAYMENT_PERMISSION = "owners.add_feepayment"
MAX_AMOUNT = Decimal("10000000")  # ten million yuan a month is a typing error, not a fee
_BATCH = 2000
_PERIOD = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?(?:[-/.]\d{1,2}日?)?$")


def period_parse(text: str) -> datetime.date | None:
    """The first day of the month named by "2026-03", "2026/3", "202603", "2026年3月" or a full
    date in that month ("2026-03-01"); None if it names no month."""
    match = _PERIOD.match((text or "").strip().replace(" ", ""))
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def default_due_date(period: datetime.date) -> datetime.date:
    """Fees are due by the end of the month billed unless the file says otherwise."""
    return period.replace(day=monthrange(period.year, period.month)[1])


def _money(line, key, raw, errors, *, required):
    if not raw:
        if required:
            errors.append(RowError(line, column_label(key), _("The amount is empty.")))
        return None if required else Decimal("0")
    text = raw.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors.append(RowError(line, column_label(key), _("“%(value)s” is not an amount in yuan.") % {"value": raw}))
        return None
    if value < 0:
        errors.append(RowError(line, column_label(key), _("The amount “%(value)s” is negative.") % {"value": raw}))
        return None
    if value >= MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        errors.append(RowError(line, column_label(key), _("“%(value)s” is not an amount in yuan with at most two decimals.") % {"value": raw}))
        return None
    return value.quantize(Decimal("0.01"))


def _date(line, key, raw, errors):
    try:
        return datetime.date.fromisoformat(raw.replace("/", "-").strip()[:10])
    except ValueError:
        errors.append(RowError(line, column_label(key), _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}))
        return None


def _units_with_arrears(unit_ids, today) -> set[int]:
    return set(
        FeeLedgerEntry.objects.filter(unit_id__in=unit_ids, due_date__lt=today, billed__gt=F("paid")).values_list("unit_id", flat=True).distinct()
    )


def _announce_cleared(owing_before: set[int], today, actor, source) -> list[int]:
    """Send arrears_cleared for the units that owed before this write and owe nothing now."""
    if not owing_before:
        return []
    cleared = sorted(owing_before - _units_with_arrears(owing_before, today))
    if cleared:
        arrears_cleared.send(sender=FeeLedgerEntry, unit_ids=cleared, actor=actor, source=source)
    return cleared


def fee_ledger_import(*, estate: Estate, data: bytes, actor, today=None) -> ImportResult:
    """Write the ledger rows of a file (unit, month, billed, paid, due date), or nothing at all if
    any row is wrong. `actor` None is a management command acting for the whole company."""
    if actor is not None and not has_perm_at(actor, IMPORT_PERMISSION, estate.pk):
        raise PermissionDenied(_("Your role may not import this kind of file."))
    today = today or timezone.localdate()
    size_check(data)
    rows, encoding, ignored = rows_read(data, LEDGER_COLUMNS)
    buildings = dict(Building.objects.filter(estate=estate).values_list("name", "id"))
    units = {(b, e, n): pk for pk, b, e, n in Unit.objects.filter(building__estate=estate).values_list("id", "building_id", "entrance", "number")}
    building_of = {pk: b for (b, _e, _n), pk in units.items()}
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    entries: list[FeeLedgerEntry] = []
    for line, row in rows:
        row_errors: list[RowError] = []
        building_id = building_check(line, row, buildings, estate, row_errors)
        unit_id = None
        if building_id and row["number"]:
            unit_id = units.get((building_id, entrance_normal(row["entrance"]), row["number"]))
            if unit_id is None:
                row_errors.append(RowError(line, column_label("number"), _("Unknown unit: there is no such room in this building.")))
        period = period_parse(row["period"])
        if period is None:
            row_errors.append(RowError(line, column_label("period"), _("“%(value)s” is not a month (YYYY-MM).") % {"value": row["period"]}))
        billed = _money(line, "billed", row["billed"], row_errors, required=True)
        paid = _money(line, "paid", row["paid"], row_errors, required=False)
        if billed is not None and paid is not None and paid > billed:
            row_errors.append(RowError(line, column_label("paid"), _("Paid is more than billed.")))
        due = _date(line, "due_date", row["due_date"], row_errors) if row["due_date"] else (default_due_date(period) if period else None)
        if unit_id and period:
            key = (unit_id, period)
            if key in seen:
                row_errors.append(
                    RowError(line, column_label("period"), _("Duplicate month: the same unit and month are on line %(line)d.") % {"line": seen[key]})
                )
            else:
                seen[key] = line
        if row_errors:
            errors.extend(row_errors)
            continue
        entries.append(FeeLedgerEntry(unit_id=unit_id, estate_id=estate.pk, building_id=building_of[unit_id], period=period,
                                      billed=billed, paid=paid, due_date=due))
    rejected_if_any(errors, len(rows))
    touched = {e.unit_id for e in entries}
    with atomic_import():
        owing_before = _units_with_arrears(touched, today)
        before = {(u, p): (pk, paid) for pk, u, p, paid in FeeLedgerEntry.objects.select_for_update().filter(
            unit_id__in=touched, period__in={e.period for e in entries}).values_list("id", "unit_id", "period", "paid")}
        FeeLedgerEntry.objects.bulk_create(
            entries,
            batch_size=_BATCH,
            update_conflicts=True,
            unique_fields=["unit", "period"],
            update_fields=["billed", "paid", "due_date", "updated_at"],
        )
        changed = [(e, *before[(e.unit_id, e.period)]) for e in entries
                   if (e.unit_id, e.period) in before and e.paid != before[(e.unit_id, e.period)][1]]
        FeeCollection.objects.bulk_create(
            [FeeCollection(entry_id=pk, estate_id=e.estate_id, building_id=e.building_id, period=e.period, collected_on=today,
                           amount=e.paid - old_paid, source=FeeCollection.Source.IMPORT) for e, pk, old_paid in changed],
            batch_size=_BATCH)
        if changed:
            fees_collected.send(sender=FeeLedgerEntry, unit_ids=sorted({e.unit_id for e, _pk, _paid in changed}), collected_on=today,
                                actor=actor, source="import")
        _announce_cleared(owing_before, today, actor, "import")
    return ImportResult(kind="ledger", rows=len(rows), encoding=encoding, ignored_columns=ignored)


@transaction.atomic
def fee_payment_record(*, unit: Unit, amount, paid_on: datetime.date, actor, note: str = "", today=None) -> FeePayment:
    """Record a payment staff received and apply it to the unit's oldest unpaid months. A payment
    larger than what the unit owes is refused (nothing is kept as credit)."""
    estate_id = unit.building.estate_id
    if not has_perm_at(actor, PAYMENT_PERMISSION, estate_id):
        raise PermissionDenied(_("Your role may not record payments at this estate."))
    today = today or timezone.localdate()
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Enter an amount in yuan.")})
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise ValidationError({"amount": _("Enter an amount in yuan greater than zero.")})
    if paid_on > today:
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("Please keep it under %(n)d characters.") % {"n": 200}})
    open_entries = list(FeeLedgerEntry.objects.select_for_update().filter(unit=unit, billed__gt=F("paid")).order_by("period"))
    owed = sum((e.billed - e.paid for e in open_entries), Decimal("0"))
    if amount > owed:
        raise ValidationError(
            {"amount": _("This unit owes %(owed)s yuan; the payment of %(amount)s yuan is more than that.") % {"owed": owed, "amount": amount}}
        )
    owing_before = _units_with_arrears([unit.pk], today)
    left, paid_parts = amount, []
    for entry in open_entries:
        if left <= 0:
            break
        part = min(left, entry.billed - entry.paid)
        entry.paid += part
        entry.updated_at = timezone.now()
        left -= part
        paid_parts.append((entry, part))
    allocations = [[e.period.isoformat()[:7], str(part)] for e, part in paid_parts]
    FeeLedgerEntry.objects.bulk_update([e for e, _part in paid_parts], ["paid", "updated_at"])
    payment = FeePayment.objects.create(unit=unit, amount=amount, paid_on=paid_on, note=note, allocations=allocations, recorded_by=actor)
    FeeCollection.objects.bulk_create([
        FeeCollection(entry_id=e.pk, estate_id=estate_id, building_id=unit.building_id, period=e.period, collected_on=paid_on,
                      amount=part, source=FeeCollection.Source.PAYMENT, payment=payment)
        for e, part in paid_parts])
    fees_collected.send(sender=FeeLedgerEntry, unit_ids=[unit.pk], collected_on=paid_on, actor=actor, source="payment")
    _announce_cleared(owing_before, today, actor, "payment")
    return payment
