"""Importing units into an estate from a file: all or nothing.

One validation pass over every row collects every problem with its line number; only a file with
no problem at all is written, in one transaction with bulk inserts. Buildings and existing units
are looked up once per file, never per row.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ...models import Building, Estate, Unit
from ...permissions import estate_can_import
from .columns import UNIT_COLUMNS, building_check, column_label, entrance_normal, rows_read, size_check
from .results import ImportResult, RowError, atomic_import, rejected_if_any

_BATCH = 2000


def estate_units_import(*, estate: Estate, data: bytes, actor) -> ImportResult:
    """Create the units listed in a file, or nothing at all if any row is wrong. `actor` None is a
    management command acting for the whole company."""
    if actor is not None and not estate_can_import(actor, estate, "units"):
        raise PermissionDenied(_("Your role may not import this kind of file."))
    size_check(data)
    rows, encoding, ignored = rows_read(data, UNIT_COLUMNS)
    buildings = dict(Building.objects.filter(estate=estate).values_list("name", "id"))
    existing = set(
        Unit.objects.filter(building__estate=estate).values_list("building_id", "entrance", "number")
    )
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    new_units: list[Unit] = []
    for line, row in rows:
        row_errors = []
        building_id = building_check(line, row, buildings, estate, row_errors)
        floor = None
        if row["floor"]:
            try:
                floor = int(row["floor"])
            except ValueError:
                row_errors.append(RowError(line, column_label("floor"), _("Floor “%(value)s” is not a whole number.") % {"value": row["floor"]}))
        area = None
        if row["area_sqm"]:
            try:
                area = Decimal(row["area_sqm"])
                if area <= 0 or area >= Decimal("1000000"):
                    raise InvalidOperation
            except InvalidOperation:
                row_errors.append(RowError(line, column_label("area_sqm"), _("Area “%(value)s” is not a positive number.") % {"value": row["area_sqm"]}))
        entrance = entrance_normal(row["entrance"])
        if building_id and row["number"]:
            key = (building_id, entrance, row["number"])
            if key in seen:
                row_errors.append(RowError(line, column_label("number"), _("Duplicate unit: the same unit is on line %(line)d.") % {"line": seen[key]}))
            elif key in existing:
                row_errors.append(RowError(line, column_label("number"), _("Duplicate unit: this unit already exists.")))
            else:
                seen[key] = line
        if row_errors:
            errors.extend(row_errors)
            continue
        new_units.append(Unit(building_id=building_id, entrance=entrance, number=row["number"], floor=floor, area_sqm=area))
    rejected_if_any(errors, len(rows))
    with atomic_import():
        Unit.objects.bulk_create(new_units, batch_size=_BATCH)
    return ImportResult(kind="units", rows=len(rows), units_created=len(new_units), encoding=encoding, ignored_columns=ignored)
