"""Reading a spreadsheet upload (CSV in UTF-8, UTF-8 with BOM or GBK, or XLSX) into rows.

Chinese Excel saves CSV as GBK by default; we read GB18030, its superset. Anything that is
neither readable text nor an XLSX workbook is refused with a reason a person can act on.

An XLSX is a zip of XML parts, and a few kilobytes of zip can unpack to gigabytes, or to a row
of millions of cells that openpyxl would hold in memory at once. So before openpyxl opens a
workbook, its parts are checked: sizes from the zip directory, then one streaming pass of expat
over every XML part that counts rows, cells, strings and elements and stops at the first excess.
Nothing larger than a real import ever reaches openpyxl.
"""

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from django.conf import settings
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


# Limits of what a real import workbook holds, relative to IMPORT_MAX_ROWS; openpyxl's cost grows
# with each (about 50 µs a cell with inline text), so these keep the worst case near a real one.
_CELLS_PER_ROW = 10  # the widest import has 8 columns; a few ignored ones are fine
_STRINGS_PER_ROW = 5  # distinct texts (names, mobiles, e-mails …) in the shared-strings table
_MAX_COLUMNS = 100  # cells read per row; anything to the right is ignored
_RECORD_ELEMENTS = 10_000  # XML elements in one row or one shared string
_OTHER_ELEMENTS = 500_000  # XML elements of any other part (styles, theme, workbook …)
_MAX_MEMBERS = 1_000  # files in the zip


def _too_complex(part: str) -> TableError:
    return TableError(
        _("The XLSX workbook is too large or complex to read (%(part)s). Save it again from Excel, or as CSV.")
        % {"part": part}
    )


def _too_many_rows(max_rows: int) -> TableError:
    return TableError(_("The file has more than %(max)d rows; split it into smaller files.") % {"max": max_rows})


class _PartBudget:
    """Expat handlers that count one XML part's elements and raise TableError at the first excess.

    A "record" is a sheet row or a shared string: each is held in memory whole by openpyxl, so its
    elements are bounded, as are the number of records and the elements outside them.
    """

    def __init__(self, part: str, *, record: str | None, max_records: int, max_cells: int, max_rows: int):
        self.part, self.record, self.max_records, self.max_cells, self.max_rows = part, record, max_records, max_cells, max_rows
        self.depth = self.records = self.cells = self.outside = 0
        self.record_depth: int | None = None
        self.in_record = 0

    def start(self, name, attrs):
        local = name.rpartition(" ")[2]
        if self.record_depth is not None:
            self.in_record += 1
            if self.in_record > _RECORD_ELEMENTS:
                raise _too_complex(self.part)
            if local == "c" and self.record == "row":
                self.cells += 1
                if self.cells > self.max_cells:
                    raise TableError(
                        _("The workbook has more than %(max)d cells; delete the columns that are not imported, "
                          "or split it into smaller files.") % {"max": self.max_cells}
                    )
        elif local == self.record:
            self.records += 1
            self.record_depth, self.in_record = self.depth, 0
            number = attrs.get("r", "")
            if self.records > self.max_records or (number.isdigit() and int(number[:12]) > self.max_records):
                raise _too_many_rows(self.max_rows) if self.record == "row" else _too_complex(self.part)
        else:
            self.outside += 1
            if self.outside > _OTHER_ELEMENTS:
                raise _too_complex(self.part)
        self.depth += 1

    def end(self, name):
        self.depth -= 1
        if self.record_depth == self.depth:
            self.record_depth = None


def _doctype(*args):
    # No part of a real workbook declares a DTD; refusing it rules out entity expansion.
    raise TableError(_("The XLSX workbook cannot be opened (%(error)s).") % {"error": "DOCTYPE"})


def _part_budget(info: zipfile.ZipInfo, max_rows: int) -> _PartBudget:
    name = info.filename
    if name.startswith("xl/worksheets/"):
        return _PartBudget(name, record="row", max_records=max_rows + 1, max_cells=max_rows * _CELLS_PER_ROW, max_rows=max_rows)
    if name == "xl/sharedStrings.xml":
        return _PartBudget(name, record="si", max_records=max_rows * _STRINGS_PER_ROW, max_cells=0, max_rows=max_rows)
    return _PartBudget(name, record=None, max_records=0, max_cells=0, max_rows=max_rows)


def xlsx_check(data: bytes, *, max_rows: int, max_bytes: int) -> None:
    """Raise TableError unless the workbook is small enough for openpyxl to read at bounded cost:
    at most `max_bytes` unpacked (all parts together, from the zip directory, whose sizes zipfile
    enforces when reading), and XML parts within the budgets above. Costs one streaming pass,
    with memory that does not grow with the file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > _MAX_MEMBERS or sum(m.file_size for m in members) > max_bytes:
            raise TableError(
                _("The workbook unpacks to more than %(mb)d MB, far more than a spreadsheet of %(rows)d rows; "
                  "save it again from Excel or split it.") % {"mb": max_bytes // (1024 * 1024), "rows": max_rows}
            )
        for info in members:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            budget = _part_budget(info, max_rows)
            parser = expat.ParserCreate(namespace_separator=" ")
            parser.StartElementHandler, parser.EndElementHandler = budget.start, budget.end
            parser.StartDoctypeDeclHandler = _doctype
            with archive.open(info) as stream:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, expat.ExpatError, zlib.error, NotImplementedError,
            RuntimeError, EOFError, OSError, ValueError) as exc:
        raise TableError(_("The XLSX workbook cannot be opened (%(error)s).") % {"error": exc.__class__.__name__})


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    from openpyxl import load_workbook

    xlsx_check(data, max_rows=max_rows, max_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(_("The XLSX workbook cannot be opened (%(error)s).") % {"error": exc.__class__.__name__})
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        # Bounded in both directions: a dimension or a row number far out cannot make openpyxl
        # pad millions of empty cells or rows.
        width = min(sheet.max_column or _MAX_COLUMNS, _MAX_COLUMNS)
        grid = sheet.iter_rows(values_only=True, max_col=width, max_row=max_rows + 2)
        for line, values in enumerate(grid, start=1):
            if line > max_rows + 1:
                raise _too_many_rows(max_rows)
            if not any(v is not None and v != "" for v in values):
                continue
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
                raise _too_many_rows(max_rows)
    finally:
        workbook.close()
    if not header:
        raise TableError(_("The file has no header row."))
    return Table(header=header, rows=rows, encoding="xlsx")
