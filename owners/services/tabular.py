"""Reading a spreadsheet upload (CSV in UTF-8, UTF-8 with BOM or GBK, or XLSX) into rows.

Chinese Excel saves CSV as GBK by default; we read GB18030, its superset. Anything that is
neither readable text nor an XLSX workbook is refused with a reason a person can act on.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _


class TableError(Exception):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number as the user sees it, cells)
    encoding: str


_XLSX_MAGIC = b"PK\x03\x04"
_KNOWN_BINARY = {b"%PDF": "PDF", b"\xd0\xcf\x11\xe0": "Excel 97-2003 (.xls)", b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG"}


def table_read(data: bytes, *, max_rows: int) -> Table:
    if not data:
        raise TableError(_("The file is empty."))
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data, max_rows)
    for magic, kind in _KNOWN_BINARY.items():
        if data.startswith(magic):
            raise TableError(
                _("This is a %(kind)s file, not a spreadsheet we can read. Save it as CSV or XLSX.") % {"kind": kind}
            )
    text, encoding = _decode(data)
    if "\x00" in text:
        raise TableError(_("The file contains binary data. Save it as CSV (UTF-8 or GBK) or XLSX."))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if not any(c.strip() for c in cells):
                continue
            rows.append((reader.line_num, [c.strip() for c in cells]))
            if len(rows) > max_rows:
                raise TableError(_("The file has more than %(max)d rows; split it into smaller files.") % {"max": max_rows})
    except csv.Error as exc:
        raise TableError(_("Line %(line)d is not valid CSV: %(error)s") % {"line": reader.line_num, "error": exc})
    if not header or not any(header):
        raise TableError(_("The file has no header row."))
    return Table(header=header, rows=rows, encoding=encoding)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise TableError(_("The file starts as UTF-8 but contains bytes that are not UTF-8."))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise TableError(_("The file is neither UTF-8 nor GBK text. Save it from Excel as CSV or XLSX."))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return str(value).strip()


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(_("The XLSX workbook cannot be opened (%(error)s).") % {"error": exc.__class__.__name__})
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if header is None:
                if not any(cells):
                    continue
                header = cells
                continue
            if not any(cells):
                continue
            rows.append((line, cells))
            if len(rows) > max_rows:
                raise TableError(_("The file has more than %(max)d rows; split it into smaller files.") % {"max": max_rows})
    finally:
        workbook.close()
    if not header:
        raise TableError(_("The file has no header row."))
    return Table(header=header, rows=rows, encoding="xlsx")
