"""The export downloads: the complaint queue (with the page's filters), an announcement's
deliveries, the stakeholder directory, the arrears cases (with the desk's filters) and the
collection-rate report. Each reads through the same scoped selector as its page, so an export
never holds a row its page would not show."""

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from communications.failures import failure_reason
from communications.models import Acknowledgement, Delivery, Stakeholder
from communications.selectors import announcement_list_for, stakeholder_list_for
from complaints.api.arrears import report_params
from complaints.arrears_filters import arrears_case_filter
from complaints.arrears_selectors import arrears_case_list_for
from complaints.filters import ComplaintQueueFilter
from complaints.models import Channel, Priority, Status
from complaints.models.arrears import CaseStatus, Cause, Outcome, Step
from complaints.selectors import complaint_queue_queryset
from owners.access import staff_required
from owners.models import Channel as ResidentChannel
from owners.permissions import ALL, resident_mobile_estates, staff_estate_ids
from owners.phone import mobile_mask
from owners.selectors import collection_rate

from .exports import CHUNK, FORMATS, export_response


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404
    return fmt


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def _person(first, last, username) -> str:
    return " ".join(part for part in (first, last) if part) or username or ""


def _unit_labeller():
    """The function naming a unit (1号楼, entrance 2, room 301), its wording translated once per
    export rather than once per row."""
    with_entrance = _("%(building)s, entrance %(entrance)s, room %(number)s")
    without = _("%(building)s, room %(number)s")

    def label(building, entrance, number, fallback="") -> str:
        if not number:
            return fallback
        if entrance:
            return with_entrance % {"building": building, "entrance": entrance, "number": number}
        return without % {"building": building, "number": number}

    return label


COMPLAINT_FIELDS = (
    "number", "created_at", "estate__name", "building__name", "unit__building__name", "unit__entrance", "unit__number",
    "location", "category__name", "category__name_en", "priority", "status", "channel", "resident__name",
    "assignee__first_name", "assignee__last_name", "assignee__username", "due_at", "first_response_at", "resolved_at",
    "closed_at", "rating", "response_breached", "resolution_breached", "description",
)


@staff_required
def complaints_export(request, fmt):
    """The complaint queue as the page shows it: the same filters (status, category, estate,
    building, assignee, priority, overdue, search), the same scope, every row rather than a page."""
    fmt = _fmt(fmt)
    applied = ComplaintQueueFilter(request.GET, user=request.user, open_by_default=True).values
    qs = (complaint_queue_queryset(request.user, request.GET, open_by_default=True)
          .prefetch_related(None).select_related(None).values_list(*COMPLAINT_FIELDS))
    english = (get_language() or "").startswith("en")
    status, priority, channel = _labels(Status.choices), _labels(Priority.choices), _labels(Channel.choices)
    yes, no = _("yes"), _("no")
    unit = _unit_labeller()

    def rows():
        for r in qs.iterator(chunk_size=CHUNK):
            (number, created, estate, building, unit_building, entrance, unit_number, location, category, category_en,
             prio, stat, chan, owner, first, last, username, due, responded, resolved, closed, rating, late1, late2, text) = r
            where = unit(unit_building, entrance, unit_number, " ".join(p for p in (building or "", location) if p))
            yield (number, created, estate, building or unit_building or "", where, (category_en if english and category_en else category),
                   priority.get(prio, prio), status.get(stat, stat), channel.get(chan, chan), owner,
                   _person(first, last, username), due, responded, resolved, closed, rating,
                   yes if late1 else no, yes if late2 else no, text)

    header = [_("Ticket number"), _("Submitted at"), _("Estate"), _("Building"), _("Where"), _("Category"), _("Priority"),
              _("Status"), _("Received via"), _("Owner"), _("Assigned to"), _("Due"), _("First response at"),
              _("Resolved at"), _("Closed at"), _("Rating"), _("Response SLA breached"), _("Resolution SLA breached"),
              _("Description")]
    filters = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in applied.items() if v not in ("", None, False)}
    return export_response(actor=request.user, kind="complaints", fmt=fmt, filters=filters, title=_("Complaints"),
                           filename="complaints", header=header, rows=rows())


@staff_required
def deliveries_export(request, pk, fmt):
    """Who an announcement went to, on which channel, what became of it and how they answered.
    Mobile numbers whole only for roles that see them whole at every estate the user sees."""
    fmt = _fmt(fmt)
    announcement = get_object_or_404(announcement_list_for(request.user), pk=pk)
    mobiles, seen = resident_mobile_estates(request.user), staff_estate_ids(request.user)
    full = mobiles is ALL or (seen is not ALL and bool(seen) and set(seen) <= set(mobiles or ()))
    answer_of = Acknowledgement.objects.filter(announcement=announcement, resident=OuterRef("resident_id")).values("answer")[:1]
    qs = (Delivery.objects.filter(announcement=announcement).order_by("id")
          .annotate(answer=Subquery(answer_of))
          .values_list("resident__name", "channel", "address", "round", "status", "attempts", "sent_at", "read_at",
                       "last_error", "answer"))
    statuses, answers = _labels(Delivery.Status.choices), _labels(Acknowledgement.Answer.choices)
    channels = _labels(ResidentChannel.choices)
    failed = Delivery.Status.FAILED

    def rows():
        for name, chan, address, rnd, stat, attempts, sent, read, error, answer in qs.iterator(chunk_size=CHUNK):
            shown = address if full or chan == "email" else mobile_mask(address)
            yield (name or "", channels.get(chan, chan), shown, rnd, statuses.get(stat, stat), attempts, sent, read,
                   failure_reason(error) if stat == failed else "", answers.get(answer, "") if answer else "")

    header = [_("Resident"), _("Channel"), _("Address"), _("Round"), _("Status"), _("Attempts"), _("Sent at"),
              _("Read at"), _("Failure reason"), _("Answer")]
    return export_response(actor=request.user, kind="deliveries", fmt=fmt, filters={"announcement": announcement.pk},
                           title=_("Deliveries"), filename=f"deliveries-{announcement.pk}", header=header, rows=rows())


@staff_required
def stakeholders_export(request, fmt):
    """The stakeholder directory the user sees: their estates' and the company-wide contacts."""
    fmt = _fmt(fmt)
    qs = stakeholder_list_for(request.user).select_related(None).order_by("kind", "name", "id").values_list(
        "kind", "name", "organisation", "title", "phone", "email", "estate__name", "notes")
    kinds = _labels(Stakeholder.Kind.choices)
    company = _("Company-wide")

    def rows():
        for kind, name, org, title, phone, email, estate, notes in qs.iterator(chunk_size=CHUNK):
            yield (kinds.get(kind, kind), name, org, title, phone, email, estate or company, notes)

    header = [_("Kind"), _("Name"), _("Organisation"), _("Position"), _("Phone"), _("E-mail"), _("Estate"), _("Notes")]
    return export_response(actor=request.user, kind="stakeholders", fmt=fmt, filters={}, title=_("Stakeholders"),
                           filename="stakeholders", header=header, rows=rows())


ARREARS_FIELDS = (
    "pk", "estate__name", "unit__building__name", "unit__entrance", "unit__number", "resident__name", "cause", "step",
    "step_due_on", "amount_at_open", "months_at_open", "assignee__first_name", "assignee__last_name", "assignee__username",
    "status", "opened_at", "closed_at", "outcome",
)


@staff_required
def arrears_cases_export(request, fmt):
    """The arrears desk's cases with its filters (open by default; ?status=closed or all; show,
    cause, step), only those the user may see: none without an arrears role."""
    fmt = _fmt(fmt)
    qs, applied = arrears_case_filter(arrears_case_list_for(request.user), request.GET, request.user, timezone.localdate())
    qs = qs.select_related(None).order_by("id").values_list(*ARREARS_FIELDS)
    causes, steps, statuses, outcomes = _labels(Cause.choices), _labels(Step.choices), _labels(CaseStatus.choices), _labels(Outcome.choices)
    unit = _unit_labeller()

    def rows():
        for (pk, estate, building, entrance, number, owner, cause, step, due, amount, months, first, last, username,
             stat, opened, closed, outcome) in qs.iterator(chunk_size=CHUNK):
            yield (pk, estate, building, unit(building, entrance, number), owner or "", causes.get(cause, cause),
                   steps.get(step, step), due, amount, months, _person(first, last, username), statuses.get(stat, stat),
                   opened, closed, outcomes.get(outcome, ""))

    header = [_("Case"), _("Estate"), _("Building"), _("Unit"), _("Owner"), _("Cause"), _("Current step"), _("Next action due"),
              _("Overdue when opened"), _("Months overdue when opened"), _("Assigned to"), _("Status"), _("Opened at"),
              _("Closed at"), _("Outcome")]
    return export_response(actor=request.user, kind="arrears_cases", fmt=fmt, filters=applied, title=_("Arrears cases"),
                           filename="arrears-cases", header=header, rows=rows())


@staff_required
def collection_rate_export(request, fmt):
    """The collection-rate report as the page shows it (by estate, building or month, the same
    period and estate filters), over the estates whose ledger the user may see."""
    fmt = _fmt(fmt)
    params = report_params(request.GET)
    report = collection_rate(request.user, **params)

    # The recovery of prior arrears is reported only when the period has a first month.
    recovery = bool(report) and report[0].get("prior_arrears") is not None

    def rows():
        for r in report:
            row = (r["estate"], r.get("building", ""), r["period"].strftime("%Y-%m") if r.get("period") else "", r["billed"], r["paid"], r["rate"])
            yield row + ((r["prior_arrears"], r["recovered"], r["recovery_rate"]) if recovery else ())

    header = [_("Estate"), _("Building"), _("Month"), _("Billed"), _("Paid"), _("Collection rate (%)")]
    if recovery:
        header += [_("Prior arrears"), _("Recovered"), _("Recovery rate (%)")]
    filters = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items() if v not in ("", None)}
    return export_response(actor=request.user, kind="collection_rate", fmt=fmt, filters=filters, title=_("Collection rate"),
                           filename="collection-rate", header=header, rows=rows())
