"""All-or-nothing imports of units and residents into one estate.

One validation pass over every row collects every problem with its line number; only a file
with no problem at all is written, in one transaction with bulk inserts. Lookups are done once
per file (buildings, units, existing residents), never per row.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Building, Estate, Occupancy, Resident, Unit
from ..permissions import ALL, estate_can_import, estate_ids_with_perm
from ..phone import mobile_normalize
from .tabular import TableError, table_read

_BATCH = 2000
_IN_CHUNK = 5000


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self):
        return {"line": self.line, "column": self.column, "message": self.message}


class ImportError(Exception):  # noqa: A001 - the name reads well at call sites: services.ImportError
    """Nothing was written. `message` says what is wrong; `errors` lists every bad row."""

    def __init__(self, message: str, errors: list[RowError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass
class ImportResult:
    kind: str
    rows: int
    units_created: int = 0
    residents_created: int = 0
    residents_matched: int = 0
    occupancies_created: int = 0
    encoding: str = ""
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # lazily translated; the heading shown in errors and templates
    aliases: tuple[str, ...]
    required: bool


_COLUMNS = {
    "building": Column("building", gettext_lazy("Building"), ("楼栋", "楼号", "楼宇", "building"), True),
    "entrance": Column("entrance", gettext_lazy("Entrance"), ("单元", "entrance"), False),
    "number": Column("number", gettext_lazy("Room"), ("房号", "户号", "门牌号", "room", "number", "unit"), True),
    "floor": Column("floor", gettext_lazy("Floor"), ("楼层", "floor"), False),
    "area_sqm": Column("area_sqm", gettext_lazy("Area (m²)"), ("面积", "建筑面积", "area", "area_sqm"), False),
    "name": Column("name", gettext_lazy("Name"), ("姓名", "name"), True),
    "mobile": Column("mobile", gettext_lazy("Mobile"), ("手机", "手机号", "手机号码", "mobile"), True),
    "email": Column("email", gettext_lazy("E-mail"), ("邮箱", "电子邮箱", "email", "e-mail"), False),
    "relation": Column("relation", gettext_lazy("Relation"), ("身份", "关系", "relation"), False),
    "start_date": Column("start_date", gettext_lazy("Move-in date"), ("入住日期", "start_date", "move_in"), False),
}
UNIT_COLUMNS = ["building", "entrance", "number", "floor", "area_sqm"]
RESIDENT_COLUMNS = ["building", "entrance", "number", "name", "mobile", "email", "relation", "start_date"]
_RELATIONS = {
    "": Occupancy.Relation.OWNER, "业主": Occupancy.Relation.OWNER, "owner": Occupancy.Relation.OWNER,
    "产权人": Occupancy.Relation.OWNER, "租户": Occupancy.Relation.TENANT, "tenant": Occupancy.Relation.TENANT,
    "家属": Occupancy.Relation.FAMILY, "家庭成员": Occupancy.Relation.FAMILY, "family": Occupancy.Relation.FAMILY,
}


def import_columns(kind: str) -> list[Column]:
    """The columns a file of this kind may have, in template order."""
    return [_COLUMNS[k] for k in (UNIT_COLUMNS if kind == "units" else RESIDENT_COLUMNS)]


def _entrance(raw: str) -> str:
    value = raw.strip()
    return value[:-2].strip() if value.endswith("单元") else value


def _map_header(header: list[str], keys: list[str]) -> tuple[dict[str, int], list[str]]:
    wanted = {alias.lower(): key for key in keys for alias in _COLUMNS[key].aliases}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        key = wanted.get(title.strip().lower().lstrip("\ufeff"))
        if key and key not in positions:
            positions[key] = index
        elif title:
            ignored.append(title)
    missing = [str(_COLUMNS[k].label) for k in keys if _COLUMNS[k].required and k not in positions]
    if missing:
        raise ImportError(
            _("Missing required column(s): %(columns)s. The first row must name the columns.")
            % {"columns": "、".join(missing)}
        )
    return positions, ignored


def _read(data: bytes, keys: list[str]):
    try:
        table = table_read(data, max_rows=settings.IMPORT_MAX_ROWS)
    except TableError as exc:
        raise ImportError(str(exc))
    positions, ignored = _map_header(table.header, keys)
    if not table.rows:
        raise ImportError(_("The file has a header but no rows to import."))

    def value(cells, key):
        index = positions.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    rows = [(line, {key: value(cells, key) for key in keys}) for line, cells in table.rows]
    return rows, table.encoding, ignored


def _label(key):
    return str(_COLUMNS[key].label)


def _check_size(data: bytes):
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportError(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )


def _building_check(line, row, buildings, estate, row_errors) -> int | None:
    """The id of the row's building (None if unusable); records missing building or room number."""
    building_id = buildings.get(row["building"])
    if not row["building"]:
        row_errors.append(RowError(line, _label("building"), _("Building is empty.")))
    elif building_id is None:
        row_errors.append(RowError(line, _label("building"), _("Unknown building “%(name)s” in %(estate)s.")
                                   % {"name": row["building"], "estate": estate.name}))
    if not row["number"]:
        row_errors.append(RowError(line, _label("number"), _("Room number is empty.")))
    return building_id


def _refuse_unless_allowed(actor, estate: Estate, kind: str) -> None:
    if actor is not None and not estate_can_import(actor, estate, kind):
        raise PermissionDenied(_("Your role may not import this kind of file."))


def import_units(*, estate: Estate, data: bytes, actor) -> ImportResult:
    """Create the units listed in a file, or nothing at all if any row is wrong. `actor` None is a
    management command acting for the whole company."""
    _refuse_unless_allowed(actor, estate, "units")
    _check_size(data)
    rows, encoding, ignored = _read(data, UNIT_COLUMNS)
    buildings = dict(Building.objects.filter(estate=estate).values_list("name", "id"))
    existing = set(
        Unit.objects.filter(building__estate=estate).values_list("building_id", "entrance", "number")
    )
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    new_units: list[Unit] = []
    for line, row in rows:
        row_errors = []
        building_id = _building_check(line, row, buildings, estate, row_errors)
        floor = None
        if row["floor"]:
            try:
                floor = int(row["floor"])
            except ValueError:
                row_errors.append(RowError(line, _label("floor"), _("Floor “%(value)s” is not a whole number.") % {"value": row["floor"]}))
        area = None
        if row["area_sqm"]:
            try:
                area = Decimal(row["area_sqm"])
                if area <= 0 or area >= Decimal("1000000"):
                    raise InvalidOperation
            except InvalidOperation:
                row_errors.append(RowError(line, _label("area_sqm"), _("Area “%(value)s” is not a positive number.") % {"value": row["area_sqm"]}))
        entrance = _entrance(row["entrance"])
        if building_id and row["number"]:
            key = (building_id, entrance, row["number"])
            if key in seen:
                row_errors.append(RowError(line, _label("number"), _("Duplicate unit: the same unit is on line %(line)d.") % {"line": seen[key]}))
            elif key in existing:
                row_errors.append(RowError(line, _label("number"), _("Duplicate unit: this unit already exists.")))
            else:
                seen[key] = line
        if row_errors:
            errors.extend(row_errors)
            continue
        new_units.append(Unit(building_id=building_id, entrance=entrance, number=row["number"], floor=floor, area_sqm=area))
    _raise_if(errors, len(rows))
    with _atomic_import():
        Unit.objects.bulk_create(new_units, batch_size=_BATCH)
    return ImportResult(kind="units", rows=len(rows), units_created=len(new_units), encoding=encoding, ignored_columns=ignored)


def import_residents(*, estate: Estate, data: bytes, actor) -> ImportResult:
    """Create residents and move them into existing units, or nothing at all if any row is wrong.

    A mobile number already on file names the same person: that resident gets the new unit —
    but only a resident the actor may edit (every home in an estate where their role changes
    residents). Someone who lives or lived anywhere else is not matched, and the row error says the same whoever they are and names nobody, so a file
    can neither reveal nor take over another estate's owner. `actor` None is a management command
    acting for the whole company.
    """
    _refuse_unless_allowed(actor, estate, "residents")
    # Whom the actor may match: residents they could edit (permissions.resident_can_edit).
    scope = ALL if actor is None else estate_ids_with_perm(actor, "owners.change_resident")
    _check_size(data)
    rows, encoding, ignored = _read(data, RESIDENT_COLUMNS)
    buildings = dict(Building.objects.filter(estate=estate).values_list("name", "id"))
    units = {
        (b, e, n): uid
        for uid, b, e, n in Unit.objects.filter(building__estate=estate).values_list("id", "building_id", "entrance", "number")
    }
    errors: list[RowError] = []
    parsed = []
    for line, row in rows:
        row_errors = []
        building_id = _building_check(line, row, buildings, estate, row_errors)
        unit_id = None
        if building_id and row["number"]:
            unit_id = units.get((building_id, _entrance(row["entrance"]), row["number"]))
            if unit_id is None:
                row_errors.append(RowError(line, _label("number"), _("Unknown unit %(building)s %(entrance)s %(number)s; import the units first.") % {"building": row["building"], "entrance": row["entrance"], "number": row["number"]}))
        if not row["name"]:
            row_errors.append(RowError(line, _label("name"), _("Name is empty.")))
        elif len(row["name"]) > 100:
            row_errors.append(RowError(line, _label("name"), _("Name is longer than 100 characters.")))
        mobile = None
        if row["mobile"]:
            try:
                mobile = mobile_normalize(row["mobile"])
            except ValidationError as exc:
                row_errors.append(RowError(line, _label("mobile"), exc.messages[0]))
        email = row["email"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row_errors.append(RowError(line, _label("email"), _("“%(value)s” is not a valid e-mail address.") % {"value": email}))
        relation = _RELATIONS.get(row["relation"].lower())
        if relation is None:
            row_errors.append(RowError(line, _label("relation"), _("Relation “%(value)s” should be 业主 (owner), 租户 (tenant) or 家属 (family).") % {"value": row["relation"]}))
        start_date = None
        if row["start_date"]:
            try:
                start_date = datetime.date.fromisoformat(row["start_date"].replace("/", "-")[:10])
            except ValueError:
                row_errors.append(RowError(line, _label("start_date"), _("Date “%(value)s” should look like 2024-03-01.") % {"value": row["start_date"]}))
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
    for line, row, unit_id, mobile, _rel, _date, bad in parsed:
        if not mobile:
            continue
        if mobile in known and known[mobile][0] in elsewhere:
            errors.append(RowError(line, _label("mobile"), _("This mobile number cannot be registered here; ask the company administrator.")))
            continue
        if mobile in known and known[mobile][1] != row["name"]:
            errors.append(RowError(line, _label("mobile"), _("This mobile number is on file for a resident with another name.")))
        elif mobile in first_line_of_mobile and first_line_of_mobile[mobile][1] != row["name"]:
            errors.append(RowError(line, _label("mobile"), _("The same mobile number is given for “%(name)s” on line %(line)d.") % {"name": first_line_of_mobile[mobile][1], "line": first_line_of_mobile[mobile][0]}))
        first_line_of_mobile.setdefault(mobile, (line, row["name"]))
        if unit_id is None:
            continue
        if (mobile, unit_id) in first_line_of_pair:
            errors.append(RowError(line, _label("mobile"), _("Duplicate: the same person and unit are on line %(line)d.") % {"line": first_line_of_pair[(mobile, unit_id)]}))
        elif mobile in known and (known[mobile][0], unit_id) in living:
            errors.append(RowError(line, _label("mobile"), _("Duplicate: this person is already registered in this unit.")))
        first_line_of_pair.setdefault((mobile, unit_id), line)
    _raise_if(errors, len(rows))

    new_residents: dict[str, Resident] = {}
    anonymous: list[Resident] = []
    occupancy_rows = []
    for line, row, unit_id, mobile, relation, start_date, _bad in parsed:
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
    with _atomic_import():
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


def _raise_if(errors: list[RowError], total: int):
    if errors:
        errors.sort(key=lambda e: e.line)
        bad_lines = len({e.line for e in errors})
        raise ImportError(
            _("Nothing was imported: %(bad)d of %(total)d rows have problems. Fix them and upload the file again.")
            % {"bad": bad_lines, "total": total},
            errors,
        )


class _atomic_import:
    """A transaction that turns a race with another writer into a clear ImportError."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def __exit__(self, exc_type, exc, tb):
        suppressed = self._atomic.__exit__(exc_type, exc, tb)
        if exc_type is not None and issubclass(exc_type, IntegrityError):
            raise ImportError(_("Someone changed the same units or residents while this file was importing. Nothing was imported; please try again.")) from exc
        return suppressed
