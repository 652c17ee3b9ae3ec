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
            Chart(title="收缴率", categories=("1号楼", "2号楼"), series=[("收缴率", (86.0, 92.5))], percent=True),
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
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Paragraph as RLParagraph
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


@dataclass(frozen=True)
class Chart:
    """A chart drawn as vector graphics in the PDF (no image library, no browser): `kind` "bar"
    (categories along the bottom), "hbar" (categories down the side: long Chinese labels) or
    "line"; one or more named series of numbers, one value per category. Labels are in the
    document's CJK font. `percent`: the value axis runs 0–100 and reads "%". An empty title
    draws none (a Heading above says what it is)."""

    title: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    kind: str = "bar"
    percent: bool = False


Block = Heading | Paragraph | KeyValues | Table | Signature | Spacing | Chart

# The series colours of a chart (the dashboard's palette, readable in grey when printed).
CHART_COLOURS = ("#0d6efd", "#20c997", "#fd7e14", "#dc3545", "#6f42c1", "#6c757d")


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


# The CJK font has no glyph for the Latin middle dot (U+00B7, "一号楼 · 101", our separator
# everywhere) and drew a box; the katakana middle dot (U+30FB) looks the same and is in the font.
_MISSING_GLYPHS = str.maketrans({"\u00b7": "\u30fb"})


def _printable(value) -> str:
    return ("" if value is None else str(value)).translate(_MISSING_GLYPHS)


def _text(value) -> str:
    """Plain text as reportlab paragraph markup: escaped, line breaks kept."""
    return escape(_printable(value)).replace("\n", "<br/>")


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
        elif isinstance(block, Chart):
            drawing = _chart_drawing(block, width)
            if out and isinstance(out[-1], RLParagraph) and out[-1].style is styles.heading:
                drawing = KeepTogether([out.pop(), drawing])  # never a heading alone at the foot of a page
            out.extend([drawing, Spacer(1, 3 * mm)])
        else:  # a programming error, not user input
            raise TypeError(f"Unknown document block: {block!r}")
    return out


def _short(label: str, limit: int) -> str:
    label = _printable(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _chart_drawing(chart: Chart, width: float):
    """The Drawing (a flowable) of one chart: title, plot, value axis, legend when there is more
    than one series. Values are plain numbers; missing ones (None) are drawn as 0."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String

    count = max(len(chart.categories), 1)
    horizontal = chart.kind == "hbar"
    legend = len(chart.series) > 1
    plot_height = min(max(count * 3.5 * len(chart.series) + count * 2, 30), 150) * mm if horizontal else 55 * mm
    height = plot_height + (18 if legend else 10) * mm + (12 if chart.title else 4) * mm
    drawing = Drawing(width, height)
    if chart.title:
        drawing.add(String(0, height - 5 * mm, _short(chart.title, 60), fontName=FONT, fontSize=10))
    plot = {"bar": VerticalBarChart, "hbar": HorizontalBarChart, "line": HorizontalLineChart}[chart.kind]()
    label_room = 38 * mm if horizontal else 12 * mm
    plot.x, plot.y = label_room, (18 if legend else 10) * mm + (0 if horizontal else 4 * mm)
    plot.width, plot.height = width - label_room - 4 * mm, plot_height - (0 if horizontal else 4 * mm)
    plot.data = [tuple(float(v or 0) for v in values) or (0.0,) for _name, values in chart.series] or [(0.0,)]
    categories, values = plot.categoryAxis, plot.valueAxis
    limit = 12 if horizontal else (8 if count > 8 else max(4, 60 // count))
    categories.categoryNames = [_short(c, limit) for c in chart.categories] or [""]
    for axis in (categories, values):
        axis.labels.fontName, axis.labels.fontSize = FONT, 7
    if horizontal:
        categories.reverseDirection = 1  # the first category on top, as in the table
        categories.labels.boxAnchor = "e"
    elif count > 8:
        categories.labels.angle, categories.labels.boxAnchor, categories.labels.dy = 45, "ne", -2
    values.valueMin = 0
    top = max([v for row in plot.data for v in row] or [0])
    if chart.percent:
        values.valueMax, values.valueStep = 100, 20
        values.labelTextFormat = "%d%%"
    elif top <= 5:
        values.valueMax, values.valueStep = 5, 1
    values.visibleGrid, values.gridStrokeColor, values.gridStrokeWidth = 1, colors.HexColor("#dddddd"), 0.4
    for i in range(len(plot.data)):
        colour = colors.HexColor(CHART_COLOURS[i % len(CHART_COLOURS)])
        if chart.kind == "line":
            plot.lines[i].strokeColor, plot.lines[i].strokeWidth = colour, 1.5
        else:
            plot.bars[i].fillColor, plot.bars[i].strokeColor = colour, None
    if chart.kind != "line":
        plot.barLabelFormat = "%.0f%%" if chart.percent else "%.10g"
        plot.barLabels.fontName, plot.barLabels.fontSize = FONT, 6
        plot.barLabels.boxAnchor = "w" if horizontal else "s"
        plot.barLabels.dx, plot.barLabels.dy = (2, 0) if horizontal else (0, 1)
    drawing.add(plot)
    if legend:
        key = Legend()
        key.x, key.y, key.alignment = label_room, 5 * mm, "right"
        key.fontName, key.fontSize, key.columnMaximum, key.dx, key.dy = FONT, 7, 1, 6, 6
        key.colorNamePairs = [(colors.HexColor(CHART_COLOURS[i % len(CHART_COLOURS)]), _short(name, 20))
                              for i, (name, _values) in enumerate(chart.series)]
        drawing.add(key)
    return drawing


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
        canvas.drawCentredString(A4[0] / 2, 12 * mm, _printable(text))
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
