"""Streamed CSV and XLSX exports, safe to open in a spreadsheet.

A 1M-row export never sits in memory: rows come from the database cursor in chunks
(`iterator(chunk_size=…)`, a server-side cursor on PostgreSQL). CSV is written as they come
into a StreamingHttpResponse. XLSX is a zip whose parts are only known at the end, so no writer
can send it while writing; XlsxWriter in constant_memory mode writes each row to a temporary
file as it comes (memory stays flat at any size), assembles the workbook into another temporary
file, and that file is streamed from disk with FileResponse. (XlsxWriter rather than openpyxl's
write-only mode: the same flat memory, but openpyxl builds every cell as an object and serialises
it through an XML tree — about twice as slow as XlsxWriter without lxml, 1.5 times with it.)

Text a user typed can start with =, +, -, @, a tab or a carriage return, which a spreadsheet would
run as a formula ("=HYPERLINK(…)", "@SUM(…)"): such cells get a leading apostrophe, and the
XLSX writer never turns a string into a formula or a link. Numbers and dates stay what they are.

Every export is recorded (owners.services.exports) with who, what, the filters and, when the
last row is out, how many rows.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from owners.services import export_record_finish, export_record_start

CHUNK = 2000  # rows fetched per round trip, and written per piece of the CSV stream
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """Text as a spreadsheet must show it, never run it: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_START) else text


# Characters an XLSX file may not hold: control characters but tab, newline and carriage return.
_XLSX_DROP = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


def cell_converter(*, for_xlsx: bool = False) -> Callable[[object], object]:
    """The function that makes one value a cell: numbers stay numbers, times local (the current
    time zone, read once here rather than per cell), text neutralised. For XLSX: dates stay dates,
    booleans 0/1, None an empty cell, characters XLSX may not hold dropped. Built once per export:
    it runs for every cell of a million rows."""
    zone = timezone.get_current_timezone()
    empty = None if for_xlsx else ""

    def convert(value):
        kind = value.__class__
        if kind is str:
            text = "'" + value if value.startswith(FORMULA_START) else value
            return text.translate(_XLSX_DROP) if for_xlsx else text
        if value is None:
            return empty
        if kind is bool:
            return int(value) if for_xlsx else ("1" if value else "0")
        if kind in (int, float, Decimal):
            return value if for_xlsx else str(value)
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(zone)
            value = value.replace(tzinfo=None, microsecond=0)
            return value if for_xlsx else value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, datetime.date):
            return value if for_xlsx else value.isoformat()
        if isinstance(value, (int, float, Decimal)):  # subclasses (a Percent of a report)
            return value if for_xlsx else str(value)
        return convert(str(value))  # lazy translations, enums and the like

    return convert


def cell_value(value, *, for_xlsx: bool = False):
    """One cell (see cell_converter; a loop over many cells takes the converter once)."""
    return cell_converter(for_xlsx=for_xlsx)(value)


class _Echo:
    """A file-like object that hands back what is written (csv.writer writes into it)."""

    def write(self, value):
        return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence], on_done: Callable[[int], None]) -> Iterator[str]:
    """The CSV text in pieces of CHUNK rows, UTF-8 with a BOM (so Excel reads the Chinese)."""
    writer = csv.writer(_Echo())
    cell = cell_converter()
    yield "\ufeff" + writer.writerow([cell(h) for h in header])
    count, piece = 0, []
    for row in rows:
        piece.append(writer.writerow([cell(v) for v in row]))
        count += 1
        if len(piece) >= CHUNK:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)
    on_done(count)


XLSX_OPTIONS = {
    "constant_memory": True,  # each row goes to a temporary file once the next one starts
    "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,  # text stays text
    "default_date_format": "yyyy-mm-dd hh:mm",
}
XLSX_MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows, the header one of them
_SHEET_NAME_REFUSED = str.maketrans({c: " " for c in "[]:*?/\\"})


def xlsx_sheet_name(title: str) -> str:
    """A title as a worksheet may be named: at most 31 characters, none of []:*?/\\."""
    return (str(title).translate(_XLSX_DROP).translate(_SHEET_NAME_REFUSED).strip("' ")[:31]) or "Sheet"


def xlsx_dates(book, sheet) -> None:
    """Days (a due date, a billing month) shown as days; times keep the workbook's default format."""
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.add_write_handler(datetime.date, lambda ws, row, col, value, *args: ws.write_datetime(row, col, value, day))


def xlsx_file(title: str, header: Sequence[str], rows: Iterable[Sequence]):
    """(an open temporary file holding the workbook, at its start; the number of rows). Memory
    stays flat whatever the number of rows (XlsxWriter's constant_memory); the file is deleted
    when closed."""
    import xlsxwriter

    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(handle, XLSX_OPTIONS)
    sheet = book.add_worksheet(xlsx_sheet_name(title))
    xlsx_dates(book, sheet)
    cell = cell_converter(for_xlsx=True)
    sheet.set_column(0, max(len(header) - 1, 0), 16)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [cell(h) for h in header], book.add_format({"bold": True}))
    count = 0
    for row in rows:
        if count == XLSX_MAX_ROWS:  # the sheet is full: say so on a second one, rather than lose rows silently
            book.add_worksheet(xlsx_sheet_name(_("Note"))).write(0, 0, _(
                "Only the first %(rows)s rows fit in a spreadsheet. Export as CSV for every row.") % {"rows": f"{XLSX_MAX_ROWS:,}"})
            break
        count += 1
        sheet.write_row(count, 0, [cell(v) for v in row])
    book.close()
    handle.seek(0)
    return handle, count


def export_response(*, actor, kind: str, fmt: str, filters: dict, title: str, filename: str,
                    header: Sequence[str], rows: Iterable[Sequence]):
    """The streamed download of `rows` as `fmt`, recorded as `actor`'s export of `kind`.
    `header` and any labels inside `rows` must already be text (the stream may be read after
    the request's language is gone)."""
    record = export_record_start(actor=actor, kind=kind, format=fmt, filters=filters)
    name = f"{filename}.{fmt}"
    if fmt == "xlsx":
        handle, count = xlsx_file(title, header, rows)
        export_record_finish(record, rows=count)
        return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_TYPE)
    response = StreamingHttpResponse(
        csv_stream(header, rows, lambda count: export_record_finish(record, rows=count)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
