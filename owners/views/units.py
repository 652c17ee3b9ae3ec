"""Staff pages of the registry's buildings and units: a building's units, and one unit's page —
who lives there, its fee ledger (for roles that see the ledger) and the payment form (for roles
that record payments), and what apps above owners show about the unit (the "owners.unit_panels"
slot, e.g. complaints' arrears cases)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.slots import slot_render

from ..access import staff_required
from ..forms import FeePaymentForm
from ..permissions import has_perm_at
from ..selectors import (
    LEDGER_VIEW_PERMISSION,
    building_list_for,
    fee_entry_list_for,
    fee_payment_list_for,
    occupancy_list_for,
    unit_account,
    unit_arrears,
    unit_list_for,
)
from ..services.ledger import PAYMENT_PERMISSION, fee_payment_record

UNITS_PAGE = 100
LEDGER_MONTHS_SHOWN = 24
PAYMENTS_SHOWN = 12


@staff_required
def building_detail(request, pk):
    """A building's units, with who lives in each now, each unit linking to its page."""
    building = get_object_or_404(building_list_for(request.user), pk=pk)
    current = occupancy_list_for(request.user).filter(end_date__isnull=True).select_related("resident").order_by("start_date", "id")
    # Room numbers in numeric order (101, 102 … 1001), not as text (1001 before 101).
    units = (unit_list_for(request.user).filter(building=building).order_by("entrance", Length("number"), "number", "id")
             .prefetch_related(Prefetch("occupancies", queryset=current, to_attr="current")))
    page = Paginator(units, UNITS_PAGE).get_page(request.GET.get("page"))
    # What each unit of the page owes, for roles that see the ledger (one aggregate query).
    sees_ledger = has_perm_at(request.user, LEDGER_VIEW_PERMISSION, building.estate_id)
    if sees_ledger:
        owing = {r["unit_id"]: r for r in unit_arrears(timezone.localdate(), unit_ids=[u.pk for u in page])}
        for unit in page:
            unit.owing = owing.get(unit.pk)
    return render(request, "owners/building_detail.html", {"building": building, "page": page, "sees_ledger": sees_ledger})


def _unit_page(request, unit, form, *, status=200, next_url=""):
    user, estate_id, today = request.user, unit.building.estate_id, timezone.localdate()
    occupancies = (occupancy_list_for(user).filter(unit=unit).select_related("resident")
                   .order_by(F("end_date").desc(nulls_first=True), "-start_date", "id"))
    context = {
        "unit": unit, "occupancies": occupancies, "today": today, "next": next_url,
        # The ledger is private: only roles carrying the ledger view permission at this estate.
        "sees_ledger": has_perm_at(user, LEDGER_VIEW_PERMISSION, estate_id),
        "can_pay": has_perm_at(user, PAYMENT_PERMISSION, estate_id),
        "payment_form": form,
        # What apps above owners show about the unit, e.g. its arrears cases (complaints).
        "panels": slot_render("owners.unit_panels", request, unit),
    }
    if context["sees_ledger"]:
        context.update(
            account=unit_account(unit.pk, today),
            entries=list(fee_entry_list_for(user).filter(unit=unit).select_related(None).order_by("-period")[:LEDGER_MONTHS_SHOWN]),
            payments=list(fee_payment_list_for(user).filter(unit=unit).select_related(None).select_related("recorded_by")[:PAYMENTS_SHOWN]),
        )
    return render(request, "owners/unit_detail.html", context, status=status)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if ok and target.startswith("/dashboard/") else ""


def _errors_to_fields(form, exc: ValidationError) -> None:
    """The service names the field it refuses (amount, paid_on, note): put the error beside it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@staff_required
def unit_detail(request, pk):
    unit = get_object_or_404(unit_list_for(request.user), pk=pk)
    return _unit_page(request, unit, FeePaymentForm(initial={"paid_on": timezone.localdate()}), next_url=_safe_next(request))


@staff_required
@require_POST
def unit_payment(request, pk):
    """Record a payment received for the unit (the same service and permission as the API's
    /fee-ledger/payments/). Paying the overdue balance closes the unit's arrears case, in the same
    transaction (owners.signals.arrears_cleared). Back to `next` (the case page) or the unit page."""
    unit = get_object_or_404(unit_list_for(request.user), pk=pk)
    if not has_perm_at(request.user, PAYMENT_PERMISSION, unit.building.estate_id):
        raise PermissionDenied(_("Your role may not record payments at this estate."))
    form = FeePaymentForm(request.POST)
    next_url = _safe_next(request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = fee_payment_record(unit=unit, amount=data["amount"], paid_on=data["paid_on"], note=data["note"], actor=request.user)
        except ValidationError as exc:
            _errors_to_fields(form, exc)
        else:
            account = unit_account(unit.pk, timezone.localdate())
            text = _("Payment of ¥%(amount)s recorded for %(unit)s.") % {"amount": payment.amount, "unit": unit.label}
            if not account["arrears"]:
                text += " " + _("Nothing is overdue any more.")
            messages.success(request, text)
            return redirect(next_url) if next_url else redirect("dashboard:unit_detail", pk=unit.pk)
    return _unit_page(request, unit, form, status=400, next_url=next_url)
