"""The monthly PR report (物业服务月报) of one estate: what the owners' committee asks for —
complaints and outcomes by category and per day, SLA and satisfaction, incidents with their
reviews and time to first statement, notices sent and acknowledged, media mentions and
inquiries, the collection rate. Each section is one aggregate query (incidents and notices: one
query of the month's rows, which are few), so the time does not grow with the month's tickets.

Printed as PDF through core.documents — each section's table, and its chart drawn as vector
graphics (reportlab.graphics: no plotting library, no browser) in the same CJK font — and as
XLSX (XlsxWriter, as the exports), one sheet per section with a native chart over the section's cells.
"""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from communications.models import Acknowledgement, Announcement, Delivery, MediaInquiry, MediaMention
from communications.reach import announcements_reaching
from complaints.models import Complaint, ComplaintEvent, Status
from core.documents import CHART_COLOURS, Chart, Heading, KeyValues, Paragraph, Table, render_pdf
from incidents.models import Incident
from owners.models import Estate
from owners.selectors import estate_month_collection

from .exports import XLSX_OPTIONS, cell_converter, xlsx_sheet_name

DONE = (Status.RESOLVED, Status.CLOSED)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(month.replace(day=1), datetime.time.min))
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))


class Percent(float):
    """A share (0–1) that prints as "93.5%": a number in the XLSX (formatted as a percentage),
    text in the PDF, a bar on the 0–100 axis of a chart."""

    def __str__(self):
        return f"{100 * self:.1f}%"


def _pct(part, whole):
    return Percent(float(part) / float(whole)) if whole else "–"


class SectionChart(NamedTuple):
    """The chart of a section: its `series` are column indexes of the section's rows (the first
    column names the categories), over rows [first, stop)."""

    kind: str  # "bar", "hbar" or "line" (core.documents.Chart)
    series: tuple[int, ...]
    first: int = 0
    stop: int | None = None
    percent: bool = False


class Section(NamedTuple):
    heading: str
    header: list
    rows: list
    chart: SectionChart | None = None
    table_in_pdf: bool = True  # False: the PDF shows the chart (values on its bars), the XLSX the table too


def section_chart_rows(section: Section) -> list:
    """The rows the section's chart shows; none when it has no chart or nothing measured ("–")."""
    chart = section.chart
    if chart is None:
        return []
    rows = section.rows[chart.first:chart.stop]
    measured = any(isinstance(r[col], (int, float, Decimal)) for r in rows for col in chart.series)
    return rows if measured else []


def _yuan(amount) -> Decimal:
    return Decimal(amount or 0).quantize(Decimal("0.01"))


def _hours(delta) -> str:
    return f"{delta.total_seconds() / 3600:.1f}" if delta is not None else "–"


def monthly_report(estate: Estate, month: datetime.date, *, collection: bool) -> dict:
    """The report's figures for `estate` and `month` (first day): a fixed number of aggregate
    queries, whatever the number of tickets. `collection`: include the collection rate (only for readers of the ledger)."""
    start, end = month_bounds(month)
    complaints = Complaint.objects.filter(estate=estate, created_at__gte=start, created_at__lt=end)
    reopened = ComplaintEvent.objects.filter(complaint_id=OuterRef("pk"), to_status=Status.REOPENED)
    by_category = list(complaints.values("category__name", "category__name_en").annotate(
        total=Count("id"), done=Count("id", filter=Q(status__in=DONE)), rejected=Count("id", filter=Q(status=Status.REJECTED)),
        open=Count("id", filter=~Q(status__in=[*DONE, Status.REJECTED, Status.WITHDRAWN])), avg_rating=Avg("rating"),
    ).order_by("-total", "category__name"))
    totals = complaints.annotate(was_reopened=Exists(reopened)).aggregate(
        total=Count("id"), response_met=Count("id", filter=Q(first_response_at__lte=F("response_due_at"))),
        responded=Count("id", filter=Q(first_response_at__isnull=False)),
        resolution_met=Count("id", filter=Q(resolved_at__lte=F("resolution_due_at"))),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)), rated=Count("rating"), avg_rating=Avg("rating"),
        satisfied=Count("id", filter=Q(rating__gte=4)), reopened=Count("id", filter=Q(was_reopened=True)),
    )
    per_day = dict(complaints.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
                   .values("day").annotate(n=Count("id")).order_by().values_list("day", "n"))
    incidents = list(Incident.objects.filter(estate=estate, opened_at__gte=start, opened_at__lt=end)
                     .select_related("review").order_by("opened_at"))
    acks = Acknowledgement.objects.filter(announcement_id=OuterRef("pk")).order_by().values("announcement_id").annotate(n=Count("id")).values("n")
    sent = (Delivery.objects.filter(announcement_id=OuterRef("pk"), status__in=[Delivery.Status.SENT, Delivery.Status.DELIVERED])
            .order_by().values("announcement_id").annotate(n=Count("resident_id", distinct=True)).values("n"))
    notices = list(Announcement.objects.filter(announcements_reaching([estate.pk]), published_at__gte=start, published_at__lt=end)
                   .annotate(sent_n=Coalesce(Subquery(sent), 0), ack_n=Coalesce(Subquery(acks), 0)).order_by("published_at"))
    mentions = list(MediaMention.objects.filter(Q(estate=estate), mentioned_at__gte=start, mentioned_at__lt=end)
                    .values("sentiment").annotate(n=Count("id"), reach=Sum("reach")).order_by("sentiment"))
    inquiries = MediaInquiry.objects.filter(estate=estate, created_at__gte=start, created_at__lt=end).aggregate(
        total=Count("id"), answered=Count("id", filter=Q(status="answered")), declined=Count("id", filter=Q(status="declined")))
    rate = None
    if collection:
        # The arrears report's own figures (exact yuan, the recovery of prior arrears), by building.
        rows = estate_month_collection(estate.pk, month)
        rate = {"rows": rows, **{k: sum((r[k] for r in rows), Decimal(0)) for k in ("billed", "paid", "prior_arrears", "recovered")}}
    return {"estate": estate, "month": month, "by_category": by_category, "per_day": per_day, "totals": totals, "incidents": incidents,
            "notices": notices, "mentions": mentions, "inquiries": inquiries, "collection": rate}


def report_sections(data: dict) -> list[Section]:
    """The report as sections (heading, column headings, rows, chart): the PDF's tables and charts,
    the XLSX's sheets and charts."""
    sentiments = dict(MediaMention.Sentiment.choices)
    english = (get_language() or "").startswith("en")
    t = data["totals"]
    start = data["month"].replace(day=1)
    days = [start + datetime.timedelta(days=n) for n in range((month_bounds(start)[1].date() - start).days)]
    sections = [
        Section(_("Complaints and outcomes by category"),
                [_("Category"), _("Complaints"), _("Resolved or closed"), _("Rejected"), _("Open"), _("Average rating")],
                [[(r["category__name_en"] if english and r["category__name_en"] else r["category__name"]), r["total"], r["done"], r["rejected"],
                  r["open"], round(r["avg_rating"], 1) if r["avg_rating"] else "–"] for r in data["by_category"]],
                SectionChart("hbar", (1, 2))),
        Section(_("Complaints per day"), [_("Day"), _("Complaints received")],
                [[f"{day:%m-%d}", data["per_day"].get(day, 0)] for day in days], SectionChart("bar", (1,)), table_in_pdf=False),
        Section(_("SLA and satisfaction"), [_("Measure"), _("Value")], [
            [_("Complaints received"), t["total"]],
            [_("Reopened"), t["reopened"]],
            [_("Average rating (1–5)"), round(t["avg_rating"], 2) if t["avg_rating"] else "–"],
            [_("First response on time"), _pct(t["response_met"], t["responded"])],
            [_("Resolved on time"), _pct(t["resolution_met"], t["resolved"])],
            [_("Satisfied (4–5 stars)"), _pct(t["satisfied"], t["rated"])],
        ], SectionChart("bar", (1,), first=3, percent=True)),
        Section(_("Incidents"), [_("Number"), _("Title"), _("Type"), _("Level"), _("Stage"), _("Hours to first statement"), _("Review")],
                [[i.number, i.title, i.get_kind_display(), i.get_level_display() or "–", i.get_stage_display(),
                  _hours(i.first_statement_at - i.response_at) if i.first_statement_at and i.response_at else "–",
                  _review(i)] for i in data["incidents"]]),
        Section(_("Notices sent and acknowledged"), [_("Title"), _("Kind"), _("Published at"), _("Residents reached"), _("Acknowledged")],
                [[a.title, a.get_kind_display(), timezone.localtime(a.published_at).strftime("%Y-%m-%d %H:%M"), a.sent_n, a.ack_n]
                 for a in data["notices"]]),
        Section(_("Media mentions and inquiries"), [_("Sentiment"), _("Mentions"), _("Estimated reach")],
                [[str(sentiments.get(m["sentiment"], m["sentiment"])), m["n"], m["reach"] or 0] for m in data["mentions"]]
                + [[_("Media inquiries (answered / declined)"), data["inquiries"]["total"],
                    f"{data['inquiries']['answered']} / {data['inquiries']['declined']}"]],
                SectionChart("bar", (1,), stop=-1) if data["mentions"] else None),
    ]
    if data["collection"] is not None:
        c = data["collection"]
        sections.append(Section(
            _("Collection rate and recovery of arrears"),
            [_("Building"), _("Billed (yuan)"), _("Paid (yuan)"), _("Collection rate"), _("Arrears at the month's start (yuan)"),
             _("Recovered (yuan)"), _("Recovery rate")],
            [[r["building"], _yuan(r["billed"]), _yuan(r["paid"]), _pct(r["paid"], r["billed"]), _yuan(r["prior_arrears"]),
              _yuan(r["recovered"]), _pct(r["recovered"], r["prior_arrears"])] for r in c["rows"]]
            + [[_("Total"), _yuan(c["billed"]), _yuan(c["paid"]), _pct(c["paid"], c["billed"]), _yuan(c["prior_arrears"]),
                _yuan(c["recovered"]), _pct(c["recovered"], c["prior_arrears"])]],
            SectionChart("bar", (3,), stop=-1, percent=True) if c["rows"] else None))
    return sections


def _chart_value(value, percent: bool) -> float:
    if isinstance(value, (int, float, Decimal)):
        return 100 * float(value) if percent else float(value)
    return 0.0  # "–": nothing to measure


def section_pdf_chart(section: Section) -> Chart | None:
    """The section's chart as core.documents draws it, or None when it has nothing to show."""
    chart, rows = section.chart, section_chart_rows(section)
    if not rows:
        return None
    # No title of its own: the section's heading stands above it.
    return Chart(title="", categories=[str(r[0]) for r in rows], kind=chart.kind, percent=chart.percent,
                 series=[(str(section.header[col]), [_chart_value(r[col], chart.percent) for r in rows]) for col in chart.series])


def _review(incident) -> str:
    review = getattr(incident, "review", None)
    if review is None:
        return _("No review yet")
    text = review.get_status_display()
    return f"{text}: {review.cause}" if review.cause else text


def report_title(data) -> str:
    return _("Monthly property service report") + f" · {data['estate'].name} · {data['month']:%Y-%m}"


def report_pdf(data: dict) -> bytes:
    blocks = [KeyValues([(_("Estate"), data["estate"].name), (_("Month"), f"{data['month']:%Y-%m}")]),
              Paragraph(_("Figures for complaints, incidents, notices and media are for the month shown, in the estate's records."))]
    for section in report_sections(data):
        blocks.append(Heading(section.heading))
        chart = section_pdf_chart(section)
        if chart is not None:
            blocks.append(chart)
        if section.rows and (section.table_in_pdf or chart is None):
            blocks.append(Table(header=[str(h) for h in section.header], rows=[[str(c) for c in r] for r in section.rows]))
        elif not section.rows:
            blocks.append(Paragraph(_("Nothing this month.")))
    return render_pdf(title=_("Monthly property service report"), blocks=blocks, number=f"{data['estate'].code}-{data['month']:%Y%m}",
                      issued_on=timezone.localdate(), issuer=data["estate"].name)


def _xlsx_chart(book, sheet_name: str, section: Section, first_row: int):
    """A native chart over the section's cells (its rows from `first_row`, 0-based, on the sheet)."""
    spec = section.chart
    rows = section_chart_rows(section)
    top = first_row + spec.first
    bottom = top + len(rows) - 1
    chart = book.add_chart({"type": {"hbar": "bar", "bar": "column"}.get(spec.kind, "line")})
    for i, col in enumerate(spec.series):
        colour = CHART_COLOURS[i % len(CHART_COLOURS)]
        chart.add_series({"name": [sheet_name, first_row - 1, col], "categories": [sheet_name, top, 0, bottom, 0],
                          "values": [sheet_name, top, col, bottom, col],
                          **({"line": {"color": colour}} if spec.kind == "line" else {"fill": {"color": colour}, "border": {"none": True}})})
    chart.set_title({"name": str(section.heading), "name_font": {"size": 11}})
    values = {"major_gridlines": {"visible": True, "line": {"color": "#dddddd"}}, "min": 0}
    if spec.percent:
        values.update(num_format="0%", max=1)
    if spec.kind == "hbar":  # bars: the value axis runs along the bottom, the first category on top
        chart.set_x_axis(values)
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 640, "height": max(300, 22 * len(rows) * len(spec.series) + 90)})
    else:
        chart.set_y_axis(values)
        chart.set_size({"width": max(640, 22 * len(rows)), "height": 300})
    if len(spec.series) == 1:
        chart.set_legend({"none": True})
    return chart


def report_xlsx(data: dict):
    """The report as a workbook, one sheet per section with its chart, in a temporary file (open, at its start)."""
    import xlsxwriter

    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(handle, XLSX_OPTIONS)
    bold, share = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    cell = cell_converter(for_xlsx=True)
    for i, section in enumerate(report_sections(data), start=1):
        name = xlsx_sheet_name(f"{i} {section.heading}")
        sheet = book.add_worksheet(name)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, max(len(section.header) - 1, 1), 14)
        sheet.write(0, 0, cell(section.heading), bold)
        sheet.write_row(1, 0, [cell(str(h)) for h in section.header], bold)
        for r, row in enumerate(section.rows, start=2):
            for c, value in enumerate(row):
                if isinstance(value, Percent):
                    sheet.write_number(r, c, float(value), share)
                else:
                    sheet.write(r, c, cell(value))
        if section_chart_rows(section):
            sheet.insert_chart(1, len(section.header) + 1, _xlsx_chart(book, name, section, first_row=2))
    book.close()
    handle.seek(0)
    return handle
