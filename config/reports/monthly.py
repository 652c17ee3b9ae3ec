"""The monthly PR report (物业服务月报) of one estate: what the owners' committee asks for —
complaints and outcomes by category, SLA and satisfaction, incidents with their reviews and time
to first statement, notices sent and acknowledged, media mentions and inquiries, the collection
rate. Each section is one aggregate query (incidents and notices: one query of the month's rows,
which are few). Printed as PDF through core.documents (charts as tables: the figures are what the
committee reads, and images would need a plotting library on the server) and as XLSX.
"""

from __future__ import annotations

import datetime
import tempfile

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from communications.models import Acknowledgement, Announcement, Delivery, MediaInquiry, MediaMention
from communications.reach import announcements_reaching
from complaints.models import Complaint, ComplaintEvent, Status
from core.documents import Heading, KeyValues, Paragraph, Table, render_pdf
from incidents.models import Incident
from owners.models import Estate, FeeLedgerEntry

DONE = (Status.RESOLVED, Status.CLOSED)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(month.replace(day=1), datetime.time.min))
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))


def _pct(part, whole) -> str:
    return f"{100 * float(part) / float(whole):.1f}%" if whole else "–"


def _hours(delta) -> str:
    return f"{delta.total_seconds() / 3600:.1f}" if delta is not None else "–"


def monthly_report(estate: Estate, month: datetime.date, *, collection: bool) -> dict:
    """The report's figures for `estate` and `month` (first day), as text ready to print.
    `collection`: include the collection rate (only for readers of the ledger)."""
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
        rows = list(FeeLedgerEntry.objects.filter(unit__building__estate=estate, period=month)
                    .values(building=F("unit__building__name")).annotate(billed=Sum("billed"), paid=Sum("paid")).order_by("building"))
        rate = {"rows": rows, "billed": sum(r["billed"] for r in rows), "paid": sum(r["paid"] for r in rows)}
    return {"estate": estate, "month": month, "by_category": by_category, "totals": totals, "incidents": incidents,
            "notices": notices, "mentions": mentions, "inquiries": inquiries, "collection": rate}


def report_sections(data: dict) -> list[tuple[str, list[str], list[list]]]:
    """The report as (heading, column headings, rows) sections: the PDF's tables and the XLSX's sheets."""
    sentiments = dict(MediaMention.Sentiment.choices)
    english = (get_language() or "").startswith("en")
    t = data["totals"]
    sections = [
        (_("Complaints and outcomes by category"), [_("Category"), _("Complaints"), _("Resolved or closed"), _("Rejected"), _("Open"), _("Average rating")],
         [[(r["category__name_en"] if english and r["category__name_en"] else r["category__name"]), r["total"], r["done"], r["rejected"], r["open"], f"{r['avg_rating']:.1f}" if r["avg_rating"] else "–"]
          for r in data["by_category"]]),
        (_("SLA and satisfaction"), [_("Measure"), _("Value")], [
            [_("Complaints received"), t["total"]],
            [_("First response on time"), _pct(t["response_met"], t["responded"])],
            [_("Resolved on time"), _pct(t["resolution_met"], t["resolved"])],
            [_("Average rating (1–5)"), f"{t['avg_rating']:.2f}" if t["avg_rating"] else "–"],
            [_("Satisfied (4–5 stars)"), _pct(t["satisfied"], t["rated"])],
            [_("Reopened"), t["reopened"]],
        ]),
        (_("Incidents"), [_("Number"), _("Title"), _("Type"), _("Level"), _("Stage"), _("Hours to first statement"), _("Review")],
         [[i.number, i.title, i.get_kind_display(), i.get_level_display() or "–", i.get_stage_display(),
           _hours(i.first_statement_at - i.response_at) if i.first_statement_at and i.response_at else "–",
           _review(i)] for i in data["incidents"]]),
        (_("Notices sent and acknowledged"), [_("Title"), _("Kind"), _("Published at"), _("Residents reached"), _("Acknowledged")],
         [[a.title, a.get_kind_display(), timezone.localtime(a.published_at).strftime("%Y-%m-%d %H:%M"), a.sent_n, a.ack_n]
          for a in data["notices"]]),
        (_("Media mentions and inquiries"), [_("Sentiment"), _("Mentions"), _("Estimated reach")],
         [[str(sentiments.get(m["sentiment"], m["sentiment"])), m["n"], m["reach"] or 0] for m in data["mentions"]]
         + [[_("Media inquiries (answered / declined)"), data["inquiries"]["total"],
             f"{data['inquiries']['answered']} / {data['inquiries']['declined']}"]]),
    ]
    if data["collection"] is not None:
        c = data["collection"]
        sections.append((_("Collection rate"), [_("Building"), _("Billed (yuan)"), _("Paid (yuan)"), _("Collection rate")],
                         [[r["building"], f"{r['billed']:.2f}", f"{r['paid']:.2f}", _pct(r["paid"], r["billed"])] for r in c["rows"]]
                         + [[_("Total"), f"{c['billed']:.2f}", f"{c['paid']:.2f}", _pct(c["paid"], c["billed"])]]))
    return sections


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
    for heading, header, rows in report_sections(data):
        blocks.append(Heading(heading))
        if rows:
            blocks.append(Table(header=[str(h) for h in header], rows=[[str(c) for c in r] for r in rows]))
        else:
            blocks.append(Paragraph(_("Nothing this month.")))
    return render_pdf(title=_("Monthly property service report"), blocks=blocks, number=f"{data['estate'].code}-{data['month']:%Y%m}",
                      issued_on=timezone.localdate(), issuer=data["estate"].name)


def report_xlsx(data: dict):
    """The report as a workbook, one sheet per section, in a temporary file (open, at its start)."""
    from openpyxl import Workbook

    from .exports import cell_value

    book = Workbook(write_only=True)
    for i, (heading, header, rows) in enumerate(report_sections(data), start=1):
        sheet = book.create_sheet(title=f"{i} {heading}"[:31].replace("/", " "))
        sheet.append([heading])
        sheet.append([cell_value(str(h), for_xlsx=True) for h in header])
        for row in rows:
            sheet.append([cell_value(c if isinstance(c, (int, float)) else str(c), for_xlsx=True) for c in row])
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle
