"""The one document helper: a printable A4 PDF from a title and simple blocks.

Every printed document (an incident certificate, an arrears letter, a statement of account) is
built here, so they share one look, one font and one way of numbering pages. Text is Chinese by
default, so the font is reportlab's built-in CJK font (UnicodeCIDFont 'STSong-Light'): PDF readers
carry it, nothing is embedded and nothing is fetched.

    pdf = render_pdf(
        title="催缴通知书",
        number="AR-2026-0001",
        issued_on=date.today(),
        issuer="Lighthouse 物业",
        blocks=[
            Heading("欠费明细"),
            Paragraph("尊敬的业主：……"),
            KeyValues([("房号", "1-2-301"), ("欠费合计", "¥1,200.00")]),
            Table(header=("期间", "应缴", "已缴"), rows=[("2026-01", "400.00", "0.00")]),
            Signature("物业服务中心（盖章）"),
        ],
    )
    return pdf_response(pdf, filename="催缴通知书.pdf")

Callers pass plain strings (already translated); the helper escapes them, so text typed by a user
can never become reportlab markup.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

FONT = "STSong-Light"


@dataclass(frozen=True)
class Heading:
    """A section heading."""

    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text; line breaks in the text are kept."""

    text: str


@dataclass(frozen=True)
class KeyValues:
    """A two-column table of labels and values (房号 | 1-2-301)."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    """A table with a header row; the last row can be set apart as a total."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    total: Sequence[str] | None = None


@dataclass(frozen=True)
class Signature:
    """A signature line: the label under the line, and the name (or blank to sign by hand)."""

    label: str
    name: str = ""
    dated: bool = True


@dataclass(frozen=True)
class Spacing:
    """Vertical space, in millimetres."""

    height_mm: float = 6


Block = Heading | Paragraph | KeyValues | Table | Signature | Spacing


class _Styles:
    """The paragraph styles of a document, all in the CJK font."""

    def __init__(self):
        def style(name, **kwargs):
            return ParagraphStyle(name, fontName=FONT, wordWrap="CJK", **kwargs)

        self.title = style("title", fontSize=18, leading=24, alignment=1, spaceAfter=4 * mm)
        self.meta = style("meta", fontSize=9, leading=13, alignment=2, textColor=colors.HexColor("#444444"))
        self.heading = style("heading", fontSize=13, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm)
        self.body = style("body", fontSize=11, leading=17, spaceAfter=2 * mm)
        self.cell = style("cell", fontSize=10, leading=14)


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _text(value) -> str:
    """Plain text as reportlab paragraph markup: escaped, line breaks kept."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


def _flowables(blocks: Iterable[Block], styles: _Styles, width: float) -> list:
    out: list = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(RLParagraph(_text(block.text), styles.heading))
        elif isinstance(block, Paragraph):
            out.append(RLParagraph(_text(block.text), styles.body))
        elif isinstance(block, KeyValues):
            rows = [[RLParagraph(_text(k), styles.cell), RLParagraph(_text(v), styles.cell)] for k, v in block.rows]
            if rows:
                table = RLTable(rows, colWidths=[width * 0.3, width * 0.7])
                table.setStyle(
                    TableStyle(
                        [
                            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ]
                    )
                )
                out.extend([table, Spacer(1, 3 * mm)])
        elif isinstance(block, Table):
            header = [RLParagraph(_text(h), styles.cell) for h in block.header]
            body = [[RLParagraph(_text(c), styles.cell) for c in row] for row in block.rows]
            data = [header, *body]
            if block.total is not None:
                data.append([RLParagraph(_text(c), styles.cell) for c in block.total])
            columns = max(len(r) for r in data) or 1
            table = RLTable(data, colWidths=[width / columns] * columns, repeatRows=1)
            style = [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
            if block.total is not None:
                style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f2f2f2")))
            table.setStyle(TableStyle(style))
            out.extend([table, Spacer(1, 3 * mm)])
        elif isinstance(block, Signature):
            line = "_" * 28
            parts = [f"{_text(block.label)}：{_text(block.name) if block.name else line}"]
            if block.dated:
                date_label = _("Date")
                parts.append(_text(date_label) + "：" + "_" * 16)
            out.append(Spacer(1, 10 * mm))
            out.append(RLParagraph("<br/><br/>".join(parts), ParagraphStyle("signature", parent=styles.body, alignment=2)))
        elif isinstance(block, Spacing):
            out.append(Spacer(1, block.height_mm * mm))
        else:  # a programming error, not user input
            raise TypeError(f"Unknown document block: {block!r}")
    return out


def render_pdf(
    *,
    title: str,
    blocks: Iterable[Block],
    number: str | None = None,
    issued_on: datetime.date | None = None,
    issuer: str | None = None,
) -> bytes:
    """An A4 PDF: the title, then number / issue date / issuer (when given), then the blocks;
    every page carries the number and "page n" in its footer. Returns the PDF's bytes."""
    _register_font()
    styles = _Styles()
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=issuer or "",
        creator="Lighthouse",
        invariant=True,
    )
    story: list = [RLParagraph(_text(title), styles.title)]
    meta = []
    labels = {"number": _("No."), "issued_on": _("Issued on"), "issuer": _("Issued by")}
    if number:
        meta.append(_text(labels["number"]) + " " + _text(number))
    if issued_on:
        meta.append(_text(labels["issued_on"]) + " " + _text(issued_on.isoformat()))
    if issuer:
        meta.append(_text(labels["issuer"]) + " " + _text(issuer))
    if meta:
        story.append(RLParagraph("<br/>".join(meta), styles.meta))
        story.append(Spacer(1, 4 * mm))
    story.extend(_flowables(blocks, styles, doc.width))

    page_label = _("Page %(page)s")

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        text = page_label % {"page": document.page}
        if number:
            text = f"{number} · {text}"
        canvas.drawCentredString(A4[0] / 2, 12 * mm, text)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def pdf_response(content: bytes, *, filename: str, inline: bool = True) -> HttpResponse:
    """An HTTP response that shows (or, with inline=False, downloads) a rendered PDF; the file
    name may be Chinese."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
