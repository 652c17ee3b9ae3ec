"""Streamed CSV and XLSX exports, safe to open in a spreadsheet.

A 1M-row export never sits in memory: CSV rows are written as the database cursor yields them
(`iterator(chunk_size=…)`, a server-side cursor on PostgreSQL) into a StreamingHttpResponse;
XLSX goes through openpyxl's write-only workbook (rows go to a temporary file as they come) and
the finished file is streamed from disk with FileResponse.

Text a user typed can start with =, +, -, @, a tab or a carriage return, which a spreadsheet would
run as a formula ("=HYPERLINK(…)", "@SUM(…)"): such cells get a leading apostrophe. Numbers and
dates stay what they are.

Every export is recorded (owners.services.exports) with who, what, the filters and, when the
last row is out, how many rows.
"""

from __future__ import annotations

import csv
import datetime
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from owners.services import export_record_finish, export_record_start

CHUNK = 2000  # rows fetched per round trip, and written per piece of the CSV stream
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an XLSX file may not hold (openpyxl refuses them): control characters but tab,
# newline and carriage return.
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """Text as a spreadsheet must show it, never run it: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell_value(value, *, for_xlsx: bool = False):
    """One cell: numbers stay numbers, times local, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value) if for_xlsx else ("1" if value else "0")
    if isinstance(value, (int, float, Decimal)):
        return value if for_xlsx else str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.replace(tzinfo=None, microsecond=0)
        return value if for_xlsx else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value if for_xlsx else value.isoformat()
    text = neutralise(str(value))
    return _ILLEGAL_XLSX.sub("", text) if for_xlsx else text


class _Echo:
    """A file-like object that hands back what is written (csv.writer writes into it)."""

    def write(self, value):
        return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence], on_done: Callable[[int], None]) -> Iterator[str]:
    """The CSV text in pieces of CHUNK rows, UTF-8 with a BOM (so Excel reads the Chinese)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([cell_value(h) for h in header])
    count, piece = 0, []
    for row in rows:
        piece.append(writer.writerow([cell_value(v) for v in row]))
        count += 1
        if len(piece) >= CHUNK:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)
    on_done(count)


def xlsx_file(title: str, header: Sequence[str], rows: Iterable[Sequence]):
    """(an open temporary file holding the workbook, number of rows). openpyxl's write-only mode
    keeps no rows in memory; the file is deleted when closed."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_ILLEGAL_XLSX.sub("", title)[:31] or "Sheet")
    sheet.append([cell_value(h, for_xlsx=True) for h in header])
    count = 0
    for row in rows:
        sheet.append([cell_value(v, for_xlsx=True) for v in row])
        count += 1
    handle = tempfile.TemporaryFile()
    book.save(handle)
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
