"""The monthly report pages: choose an estate and a month, download the PDF or XLSX, and (managers)
send it to the estate's owners' committee with a download link that needs no account."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communications.models import Stakeholder
from communications.selectors import stakeholder_list_for
from communications.services.stakeholder_sends import stakeholder_message_send
from core.documents import pdf_response
from owners.access import staff_required
from owners.models import Estate
from owners.permissions import has_perm_at
from owners.selectors import LEDGER_VIEW_PERMISSION, estate_list_for
from owners.services import export_record_finish, export_record_start

from .exports import XLSX_TYPE
from .monthly import monthly_report, report_pdf, report_xlsx

SHARE_SALT = "lighthouse.monthly-report"
SHARE_DAYS = 30  # a shared link opens the report for this long
SEND_PERMISSION = "owners.change_estate"  # estate managers (and company administrators)


def monthly_report_can_send(user, estate_id) -> bool:
    """Who may send an estate's monthly report to its owners' committee: its managers."""
    return has_perm_at(user, SEND_PERMISSION, estate_id)


def _month(value) -> datetime.date:
    try:
        month = datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        raise Http404 from None
    if not (datetime.date(2000, 1, 1) <= month <= timezone.localdate()):
        raise Http404
    return month


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@staff_required
def reports(request):
    """The reports page: every estate of mine with its report for the chosen month."""
    try:
        month = _month(request.GET.get("month") or _last_month().strftime("%Y-%m"))
    except Http404:
        month = _last_month()
    estates = list(estate_list_for(request.user).order_by("name")[:200])
    for estate in estates:
        estate.may_send = monthly_report_can_send(request.user, estate.pk)
    return render(request, "dashboard/reports.html", {"estates": estates, "month": month, "month_key": month.strftime("%Y-%m"),
                                                      "any_send": any(e.may_send for e in estates)})


def _download(data, fmt):
    name = f"{data['estate'].name}-{data['month']:%Y-%m}-" + _("monthly report")
    if fmt == "xlsx":
        return FileResponse(report_xlsx(data), as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)
    return pdf_response(report_pdf(data), filename=f"{name}.pdf", inline=False)


@staff_required
def report_download(request, pk, month, fmt):
    """One estate's monthly report as PDF or XLSX, recorded like an export."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    estate = get_object_or_404(estate_list_for(request.user), pk=pk)
    month = _month(month)
    data = monthly_report(estate, month, collection=has_perm_at(request.user, LEDGER_VIEW_PERMISSION, estate.pk))
    record = export_record_start(actor=request.user, kind="monthly_report", format=fmt,
                                 filters={"estate": estate.pk, "month": month.strftime("%Y-%m")})
    export_record_finish(record, rows=sum(len(data[k]) for k in ("by_category", "incidents", "notices", "mentions")))
    return _download(data, fmt)


@staff_required
@require_POST
def report_send(request, pk, month):
    """Send the report's download link to every owners' committee member of the estate in the
    directory (e-mail, else SMS), recorded in the outbox and their contact log."""
    estate = get_object_or_404(estate_list_for(request.user), pk=pk)
    month = _month(month)
    if not monthly_report_can_send(request.user, estate.pk):
        raise PermissionDenied(_("Only the estate's managers send its monthly report."))
    members = list(stakeholder_list_for(request.user).filter(estate=estate, kind=Stakeholder.Kind.OWNERS_COMMITTEE).order_by("name"))
    collection = has_perm_at(request.user, LEDGER_VIEW_PERMISSION, estate.pk)
    sent, unreachable = [], []
    for member in members:
        token = signing.dumps({"e": estate.pk, "m": month.strftime("%Y-%m"), "s": member.pk, "c": collection}, salt=SHARE_SALT)
        link = settings.SITE_URL + reverse("report_shared", args=[token])
        subject = _("Monthly property service report") + f" · {estate.name} · {month:%Y-%m}"
        text = _("Dear %(name)s, the monthly property service report of %(estate)s for %(month)s is ready: %(link)s (the link works for %(days)s days).") % {
            "name": member.name, "estate": estate.name, "month": month.strftime("%Y-%m"), "link": link, "days": SHARE_DAYS}
        delivery = stakeholder_message_send(actor=request.user, stakeholder=member, topic="report.monthly",
                                            key=f"{estate.pk}:{month:%Y-%m}", subject=subject, text=text)
        (sent if delivery else unreachable).append(member.name)
    if sent:
        messages.success(request, _("Sent to: %(names)s.") % {"names": "、".join(sent)})
    if unreachable:
        messages.warning(request, _("No e-mail or phone on file for: %(names)s.") % {"names": "、".join(unreachable)})
    if not members:
        messages.warning(request, _("The estate has no owners' committee members in the stakeholder directory."))
    return redirect(reverse("dashboard:reports") + "?" + urlencode({"month": month.strftime("%Y-%m")}))


def report_shared(request, token):
    """The report behind a link sent to an owners' committee member: the signed token is the key
    (estate, month, recipient), valid for SHARE_DAYS days."""
    try:
        claim = signing.loads(token, salt=SHARE_SALT, max_age=datetime.timedelta(days=SHARE_DAYS))
    except signing.BadSignature:
        raise Http404 from None
    estate = get_object_or_404(Estate, pk=claim["e"])
    data = monthly_report(estate, _month(claim["m"]), collection=bool(claim.get("c")))
    return _download(data, "pdf")
