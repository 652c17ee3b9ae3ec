"""Importing residents into an estate's units from a file: all or nothing.

Validation is as for units (units.py), plus the checks over the whole set: one person per
mobile, no person twice in one unit, whether in the file or on file. Existing residents are looked
up in chunks, once per file.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ...models import Building, Estate, Occupancy, Resident, Unit
from ...permissions import ALL, estate_can_import, estate_ids_with_perm
from ...phone import mobile_normalize
from .columns import RELATIONS, RESIDENT_COLUMNS, building_check, column_label, entrance_normal, rows_read, size_check
from .results import ImportResult, RowError, atomic_import, rejected_if_any

_BATCH = 2000
_IN_CHUNK = 5000


def estate_residents_import(*, estate: Estate, data: bytes, actor) -> ImportResult:
    """Create residents and move them into existing units, or nothing at all if any row is wrong.

    A mobile number already on file names the same person: that resident gets the new unit —
    but only a resident the actor may edit (every home in an estate where their role changes
    residents). Someone who lives or lived anywhere else is not matched, and the row error says
    the same whoever they are and names nobody, so a file can neither reveal nor take over
    another estate's owner. `actor` None is a management command acting for the whole company.
    """
    if actor is not None and not estate_can_import(actor, estate, "residents"):
        raise PermissionDenied(_("Your role may not import this kind of file."))
    # Whom the actor may match: residents they could edit (permissions.resident_can_edit).
    scope = ALL if actor is None else estate_ids_with_perm(actor, "owners.change_resident")
    size_check(data)
    rows, encoding, ignored = rows_read(data, RESIDENT_COLUMNS)
    buildings = dict(Building.objects.filter(estate=estate).values_list("name", "id"))
    units = {
        (b, e, n): uid
        for uid, b, e, n in Unit.objects.filter(building__estate=estate).values_list("id", "building_id", "entrance", "number")
    }
    errors: list[RowError] = []
    parsed = []
    for line, row in rows:
        row_errors = []
        building_id = building_check(line, row, buildings, estate, row_errors)
        unit_id = None
        if building_id and row["number"]:
            unit_id = units.get((building_id, entrance_normal(row["entrance"]), row["number"]))
            if unit_id is None:
                row_errors.append(RowError(line, column_label("number"), _("Unknown unit %(building)s %(entrance)s %(number)s; import the units first.") % {"building": row["building"], "entrance": row["entrance"], "number": row["number"]}))
        if not row["name"]:
            row_errors.append(RowError(line, column_label("name"), _("Name is empty.")))
        elif len(row["name"]) > 100:
            row_errors.append(RowError(line, column_label("name"), _("Name is longer than 100 characters.")))
        mobile = None
        if row["mobile"]:
            try:
                mobile = mobile_normalize(row["mobile"])
            except ValidationError as exc:
                row_errors.append(RowError(line, column_label("mobile"), exc.messages[0]))
        email = row["email"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row_errors.append(RowError(line, column_label("email"), _("“%(value)s” is not a valid e-mail address.") % {"value": email}))
        relation = RELATIONS.get(row["relation"].lower())
        if relation is None:
            row_errors.append(RowError(line, column_label("relation"), _("Relation “%(value)s” should be 业主 (owner), 租户 (tenant) or 家属 (family).") % {"value": row["relation"]}))
        start_date = None
        if row["start_date"]:
            try:
                start_date = datetime.date.fromisoformat(row["start_date"].replace("/", "-")[:10])
            except ValueError:
                row_errors.append(RowError(line, column_label("start_date"), _("Date “%(value)s” should look like 2024-03-01.") % {"value": row["start_date"]}))
        errors.extend(row_errors)
        parsed.append((line, row, unit_id, mobile, relation, start_date, bool(row_errors)))

    # Set-level checks: one person per mobile, no person twice in one unit, in the file or on file.
    mobiles = sorted({p[3] for p in parsed if p[3]})
    known: dict[str, tuple[int, str]] = {}
    for start in range(0, len(mobiles), _IN_CHUNK):
        chunk = mobiles[start:start + _IN_CHUNK]
        known.update({m: (rid, name) for rid, m, name in Resident.objects.filter(mobile__in=chunk).values_list("id", "mobile", "name")})
    known_ids = [rid for rid, _name in known.values()]
    living, elsewhere = set(), set()
    for start in range(0, len(known_ids), _IN_CHUNK):
        chunk = known_ids[start:start + _IN_CHUNK]
        living.update(Occupancy.objects.filter(resident_id__in=chunk, end_date__isnull=True).values_list("resident_id", "unit_id"))
        if scope is not ALL:
            elsewhere.update(Occupancy.objects.filter(resident_id__in=chunk).exclude(
                unit__building__estate_id__in=scope).values_list("resident_id", flat=True))
    first_line_of_mobile: dict[str, tuple[int, str]] = {}
    first_line_of_pair: dict[tuple, int] = {}
    for line, row, unit_id, mobile, _rel, _date, _bad in parsed:
        if not mobile:
            continue
        if mobile in known and known[mobile][0] in elsewhere:
            errors.append(RowError(line, column_label("mobile"), _("This mobile number cannot be registered here; ask the company administrator.")))
            continue
        if mobile in known and known[mobile][1] != row["name"]:
            errors.append(RowError(line, column_label("mobile"), _("This mobile number is on file for a resident with another name.")))
        elif mobile in first_line_of_mobile and first_line_of_mobile[mobile][1] != row["name"]:
            errors.append(RowError(line, column_label("mobile"), _("The same mobile number is given for “%(name)s” on line %(line)d.") % {"name": first_line_of_mobile[mobile][1], "line": first_line_of_mobile[mobile][0]}))
        first_line_of_mobile.setdefault(mobile, (line, row["name"]))
        if unit_id is None:
            continue
        if (mobile, unit_id) in first_line_of_pair:
            errors.append(RowError(line, column_label("mobile"), _("Duplicate: the same person and unit are on line %(line)d.") % {"line": first_line_of_pair[(mobile, unit_id)]}))
        elif mobile in known and (known[mobile][0], unit_id) in living:
            errors.append(RowError(line, column_label("mobile"), _("Duplicate: this person is already registered in this unit.")))
        first_line_of_pair.setdefault((mobile, unit_id), line)
    rejected_if_any(errors, len(rows))

    new_residents: dict[str, Resident] = {}
    anonymous: list[Resident] = []
    occupancy_rows = []
    for _line, row, unit_id, mobile, relation, start_date, _bad in parsed:
        if mobile and mobile in known:
            resident_ref = ("id", known[mobile][0])
        elif mobile:
            if mobile not in new_residents:
                new_residents[mobile] = Resident(name=row["name"], mobile=mobile, email=row["email"])
            resident_ref = ("obj", new_residents[mobile])
        else:
            resident = Resident(name=row["name"], mobile=None, email=row["email"])
            anonymous.append(resident)
            resident_ref = ("obj", resident)
        occupancy_rows.append((resident_ref, unit_id, relation, start_date))
    with atomic_import():
        Resident.objects.bulk_create([*new_residents.values(), *anonymous], batch_size=_BATCH)
        occupancies = []
        for (how, ref), unit_id, relation, start_date in occupancy_rows:
            resident_id = ref if how == "id" else ref.pk
            occupancy = Occupancy(resident_id=resident_id, unit_id=unit_id, relation=relation)
            if start_date:
                occupancy.start_date = start_date
            occupancies.append(occupancy)
        Occupancy.objects.bulk_create(occupancies, batch_size=_BATCH)
    return ImportResult(
        kind="residents", rows=len(rows), residents_created=len(new_residents) + len(anonymous),
        residents_matched=len({m for m in mobiles if m in known}), occupancies_created=len(occupancies),
        encoding=encoding, ignored_columns=ignored,
    )
