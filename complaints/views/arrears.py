"""Arrears pages: the staff arrears desk and case page, and the owner's account in the portal.

Every change goes through complaints.services.arrears; these views parse, call and report.
Owners see only their own homes' accounts (404 for any other unit); staff only their estates'.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.documents import pdf_response
from core.messages import error_text
from owners.access import resident_required, staff_required
from owners.forms import FeePaymentForm
from owners.permissions import has_perm_at
from owners.selectors import fee_entry_list_for, fee_payment_list_for, unit_account
from owners.services.ledger import PAYMENT_PERMISSION

from ..arrears_filters import arrears_case_filter
from ..arrears_selectors import (
    arrears_approvals_waiting_for,
    arrears_broken_promises,
    arrears_case_list_for,
    arrears_case_timeline,
    arrears_dashboard,
    owner_account_units,
    relief_request_list_for,
)
from ..lifecycle.arrears import CONTACT_KINDS, arrears_ladders, ladder, needs_approval, recommended_next
from ..models import ArrearsApproval, ReliefRequestFile
from ..models.arrears import Cause, Outcome, Step
from ..models.arrears import ReliefRequest as Relief
from ..permissions import arrears_can_approve, arrears_can_work, resident_of
from ..services.arrears import (
    arrears_approval_decide,
    arrears_case_close,
    arrears_contact_log,
    arrears_letter_issue,
    arrears_reminder_send,
    arrears_statement_pdf,
    arrears_step_advance,
    relief_request_decide,
    relief_request_submit,
)

PAGE = 50


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What was done"), choices=[(k, Step(k).label) for k in CONTACT_KINDS])
    date = forms.DateField(label=gettext_lazy("Date"), required=False)
    outcome = forms.CharField(label=gettext_lazy("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    cause = forms.ChoiceField(label=gettext_lazy("Cause (if learned)"), required=False,
                              choices=[("", "–")] + [(c, Cause(c).label) for c in Cause.values if c != Cause.UNKNOWN])
    promise_date = forms.DateField(label=gettext_lazy("Promised to pay by"), required=False)
    promise_amount = forms.DecimalField(label=gettext_lazy("Promised amount (yuan)"), required=False, max_digits=12, decimal_places=2)


def _case_for(user, pk):
    return get_object_or_404(arrears_case_list_for(user).select_related("unit__building__estate", "complaint"), pk=pk)


def _act(request, pk, do):
    """Run one staff action on a case and come back to it with the outcome as a message."""
    case = _case_for(request.user, pk)
    try:
        done = do(case)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("dashboard:arrears_case", pk=pk)


@staff_required
def arrears_list(request):
    """The arrears desk: open cases by cause and step, next action due, my cases, broken promises,
    approvals waiting for me, relief requests waiting."""
    today = timezone.localdate()
    qs, applied = arrears_case_filter(arrears_case_list_for(request.user).order_by("step_due_on", "id"), request.GET, request.user, today)
    show, cause, step = applied.get("show", ""), applied.get("cause", ""), applied.get("step", "")
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    counts = arrears_dashboard(request.user, today=today)
    return render(request, "complaints/arrears/staff_list.html", {
        "page": page, "counts": counts, "today": today, "show": show, "cause": cause, "step": step,
        "status": applied.get("status", "all"),
        # The export takes the page's filters (config.reports.export_views.arrears_cases_export).
        "export_query": urlencode(applied),
        "causes": [(c, Cause(c).label, counts["by_cause"].get(c, 0)) for c in Cause.values],
        "steps": [(s, Step(s).label, counts["by_step"].get(s, 0)) for s in Step.values if counts["by_step"].get(s)],
        "broken": list(arrears_broken_promises(request.user)[:10]),
        "approvals": list(arrears_approvals_waiting_for(request.user)[:20]),
        "relief": list(relief_request_list_for(request.user).filter(status=Relief.Status.PENDING)[:20]),
    })


@staff_required
def arrears_case(request, pk):
    """One case: the unit's account and ledger, the recommended next step and its due date, the
    contacts and the timeline, and the actions this person may take."""
    case = _case_for(request.user, pk)
    today = timezone.localdate()
    configured = arrears_ladders()
    recommended = recommended_next(case.cause, case.step, configured) if case.is_open else None
    pending = case.approvals.filter(decided_at__isnull=True).select_related("requested_by").first()
    return render(request, "complaints/arrears/staff_case.html", {
        "case": case, "account": unit_account(case.unit_id, today), "today": today,
        "entries": list(fee_entry_list_for(request.user).filter(unit_id=case.unit_id).order_by("-period")[:24]),
        "actions": list(case.actions.select_related("actor")[:50]), "timeline": list(arrears_case_timeline(case)),
        "ladder": [(r, Step(r.step).label) for r in ladder(case.cause, configured)],
        "recommended": recommended, "recommended_label": Step(recommended.step).label if recommended else "",
        "recommended_needs_approval": bool(recommended and needs_approval(recommended.step)),
        "pending": pending, "can_approve": bool(pending and arrears_can_approve(request.user, pending)),
        "can_work": arrears_can_work(request.user, case) and case.is_open,
        "letter_ready": case.step == Step.LAWYER_LETTER and case.approvals.filter(step=Step.LAWYER_LETTER, approved=True).exists(),
        "contact_form": ContactForm(initial={"date": today}),
        "steps": [(s, Step(s).label) for s in Step.values], "outcomes": Outcome.choices,
        "relief": list(relief_request_list_for(request.user).filter(unit_id=case.unit_id)[:10]),
        # Payments are entered on the unit (owners' page and service); the form posts there and
        # comes back here, where a paid-up case shows closed.
        "payment_form": FeePaymentForm(initial={"paid_on": today}) if case.is_open and has_perm_at(
            request.user, PAYMENT_PERMISSION, case.estate_id) else None,
    })


@staff_required
@require_POST
def arrears_contact(request, pk):
    def do(case):
        form = ContactForm(request.POST)
        if not form.is_valid():
            raise ValidationError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        data = form.cleaned_data
        arrears_contact_log(case, actor=request.user, kind=data["kind"], outcome=data["outcome"], date=data["date"] or None,
                            cause=data["cause"] or None, promise_date=data["promise_date"], promise_amount=data["promise_amount"])
        return _("Contact recorded on case %(number)s.") % {"number": case.pk}

    return _act(request, pk, do)


@staff_required
@require_POST
def arrears_advance(request, pk):
    def do(case):
        result = arrears_step_advance(case, actor=request.user, to_step=request.POST.get("to_step") or None, note=request.POST.get("note", ""))
        if isinstance(result, ArrearsApproval):
            return _("Approval asked for case %(number)s; an estate manager decides.") % {"number": case.pk}
        return _("Case %(number)s moved to: %(step)s.") % {"number": case.pk, "step": Step(result.step).label}

    return _act(request, pk, do)


@staff_required
@require_POST
def arrears_approval(request, pk, approval_pk):
    def do(case):
        approval = get_object_or_404(ArrearsApproval, pk=approval_pk, case=case)
        approve = request.POST.get("decision") == "approve"
        arrears_approval_decide(approval, actor=request.user, approve=approve, reason=request.POST.get("reason", ""))
        return (_("Approved for case %(number)s.") if approve else _("Declined for case %(number)s.")) % {"number": case.pk}

    return _act(request, pk, do)


@staff_required
@require_POST
def arrears_close(request, pk):
    def do(case):
        arrears_case_close(case, actor=request.user, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", ""))
        return _("Case %(number)s closed.") % {"number": case.pk}

    return _act(request, pk, do)


@staff_required
@require_POST
def arrears_reminder(request, pk):
    def do(case):
        arrears_reminder_send(case, actor=request.user)
        return _("Reminder sent for case %(number)s.") % {"number": case.pk}

    return _act(request, pk, do)


@staff_required
@require_POST
def arrears_letter(request, pk):
    """Print the approved lawyer letter (recorded on the timeline with its number)."""
    case = _case_for(request.user, pk)
    try:
        event, pdf = arrears_letter_issue(case, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return redirect("dashboard:arrears_case", pk=pk)
    return pdf_response(pdf, filename=f"{event.document_number}.pdf", inline=False)


@staff_required
@require_POST
def relief_decide(request, pk):
    relief = get_object_or_404(relief_request_list_for(request.user), pk=pk)
    try:
        approve = request.POST.get("decision") == "approve"
        relief_request_decide(relief, actor=request.user, approve=approve, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Relief request decided; the owner is told the reason."))
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/dashboard/") else "dashboard:arrears_list")


def _relief_file(request, pk):
    item = get_object_or_404(ReliefRequestFile.objects.select_related("request"), pk=pk)
    if not relief_request_list_for(request.user).filter(pk=item.request_id).exists():
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = "attachment" if item.content_type == "application/pdf" else "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
def relief_file_staff(request, pk):
    return _relief_file(request, pk)


# ---- The owner's side

class ReliefForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What you ask for"), choices=Relief.Kind.choices)
    instalments = forms.IntegerField(label=gettext_lazy("In how many instalments (for a plan)"), required=False, min_value=2, max_value=24)
    reason = forms.CharField(label=gettext_lazy("Why"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _own_unit(request, unit_id):
    for unit in owner_account_units(request.user):
        if unit.pk == unit_id:
            return unit
    raise Http404


@resident_required
def portal_arrears(request):
    """My fees: for each home, the balance, the months due, the payments, a statement of account,
    and relief or instalment requests with the decision and its reason. Never anyone else's."""
    today = timezone.localdate()
    units = owner_account_units(request.user)
    entries = fee_entry_list_for(request.user)
    payments = fee_payment_list_for(request.user)
    homes = []
    for unit in units:
        homes.append({
            "unit": unit, "account": unit_account(unit.pk, today),
            "due": [e for e in entries.filter(unit_id=unit.pk).order_by("period") if e.billed > e.paid],
            "payments": list(payments.filter(unit_id=unit.pk)[:12]),
        })
    return render(request, "complaints/arrears/portal.html", {
        "homes": homes, "today": today, "form": ReliefForm(), "requests": list(relief_request_list_for(request.user)[:20]),
    })


@resident_required
def portal_statement(request, unit_id):
    unit = _own_unit(request, unit_id)
    today = timezone.localdate()
    pdf = arrears_statement_pdf(unit.pk, resident_name=resident_of(request.user).name, today=today)
    return pdf_response(pdf, filename=f"statement-{today.isoformat()}.pdf", inline=False)


@resident_required
@require_POST
def portal_relief(request, unit_id):
    unit = _own_unit(request, unit_id)
    form = ReliefForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("portal:arrears")
    try:
        relief_request_submit(user=request.user, unit=unit, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"],
                              instalments=form.cleaned_data["instalments"], files=request.FILES.getlist("files"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your request was sent. We will tell you the decision and the reason."))
    return redirect("portal:arrears")


@resident_required
def relief_file_owner(request, pk):
    return _relief_file(request, pk)



# ---- The collection report

@staff_required
def arrears_report(request):
    """The collection rate (收缴率) per estate, building or month, with cases by cause and step and
    the outcome of each cause's cases. The rate table downloads through the recorded exports
    (config.reports.export_views.collection_rate_export), with the same parameters."""
    from owners.selectors import collection_rate

    from ..api.arrears import report_params

    params = report_params(request.GET)
    rows = collection_rate(request.user, **params)
    from ..arrears_selectors import arrears_outcomes

    return render(request, "complaints/arrears/report.html", {
        "rows": rows, "by": params["by"], "query": request.GET.urlencode(), "counts": arrears_dashboard(request.user),
        "outcomes": [{"cause": Cause(o["cause"]).label, "outcome": Outcome(o["outcome"]).label if o["outcome"] in Outcome.values else "",
                      "cases": o["cases"]} for o in arrears_outcomes(request.user)],
    })
