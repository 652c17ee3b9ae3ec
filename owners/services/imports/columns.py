"""The columns an import file may have, how their headings are recognised, and reading a file's
rows by column (every kind of import reads its file here)."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import Occupancy
from ..tabular import TableError, table_read
from .results import ImportRejected, RowError


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # lazily translated; the heading shown in errors and templates
    aliases: tuple[str, ...]
    required: bool


COLUMNS = {
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
    "period": Column("period", gettext_lazy("Period"), ("期间", "月份", "账期", "计费月份", "period", "month"), True),
    "billed": Column("billed", gettext_lazy("Billed"), ("应缴", "应收", "应缴金额", "应收金额", "billed"), True),
    "paid": Column("paid", gettext_lazy("Paid"), ("已缴", "实收", "已缴金额", "实收金额", "paid"), False),
    "due_date": Column("due_date", gettext_lazy("Due date"), ("缴费截止日", "截止日期", "到期日", "due_date", "due"), False),
}
UNIT_COLUMNS = ["building", "entrance", "number", "floor", "area_sqm"]
RESIDENT_COLUMNS = ["building", "entrance", "number", "name", "mobile", "email", "relation", "start_date"]
LEDGER_COLUMNS = ["building", "entrance", "number", "period", "billed", "paid", "due_date"]
RELATIONS = {
    "": Occupancy.Relation.OWNER, "业主": Occupancy.Relation.OWNER, "owner": Occupancy.Relation.OWNER,
    "产权人": Occupancy.Relation.OWNER, "租户": Occupancy.Relation.TENANT, "tenant": Occupancy.Relation.TENANT,
    "家属": Occupancy.Relation.FAMILY, "家庭成员": Occupancy.Relation.FAMILY, "family": Occupancy.Relation.FAMILY,
}


def import_columns(kind: str) -> list[Column]:
    """The columns a file of this kind may have, in template order."""
    keys = {"units": UNIT_COLUMNS, "ledger": LEDGER_COLUMNS}.get(kind, RESIDENT_COLUMNS)
    return [COLUMNS[k] for k in keys]


def entrance_normal(raw: str) -> str:
    """An entrance as stored: “2单元” and “2” are the same entrance."""
    value = raw.strip()
    return value[:-2].strip() if value.endswith("单元") else value


def _map_header(header: list[str], keys: list[str]) -> tuple[dict[str, int], list[str]]:
    wanted = {alias.lower(): key for key in keys for alias in COLUMNS[key].aliases}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        key = wanted.get(title.strip().lower().lstrip("\ufeff"))
        if key and key not in positions:
            positions[key] = index
        elif title:
            ignored.append(title)
    missing = [str(COLUMNS[k].label) for k in keys if COLUMNS[k].required and k not in positions]
    if missing:
        raise ImportRejected(
            _("Missing required column(s): %(columns)s. The first row must name the columns.")
            % {"columns": "、".join(missing)}
        )
    return positions, ignored


def rows_read(data: bytes, keys: list[str]):
    """The file's rows as (line, {column key: text}), its encoding and the headings not used;
    ImportRejected when the file cannot be read or lacks a required column."""
    try:
        table = table_read(data, max_rows=settings.IMPORT_MAX_ROWS)
    except TableError as exc:
        raise ImportRejected(str(exc)) from exc
    positions, ignored = _map_header(table.header, keys)
    if not table.rows:
        raise ImportRejected(_("The file has a header but no rows to import."))

    def value(cells, key):
        index = positions.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    rows = [(line, {key: value(cells, key) for key in keys}) for line, cells in table.rows]
    return rows, table.encoding, ignored


def column_label(key: str) -> str:
    """The column's heading in the current language, as row errors name it."""
    return str(COLUMNS[key].label)


def size_check(data: bytes) -> None:
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRejected(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )


def building_check(line, row, buildings, estate, row_errors) -> int | None:
    """The id of the row's building (None if unusable); records missing building or room number."""
    building_id = buildings.get(row["building"])
    if not row["building"]:
        row_errors.append(RowError(line, column_label("building"), _("Building is empty.")))
    elif building_id is None:
        row_errors.append(RowError(line, column_label("building"), _("Unknown building “%(name)s” in %(estate)s.")
                                   % {"name": row["building"], "estate": estate.name}))
    if not row["number"]:
        row_errors.append(RowError(line, column_label("number"), _("Room number is empty.")))
    return building_id
