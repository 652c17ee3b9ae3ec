"""Staff pages for early-warning signals: the list (open first), and a signal's page with its
evidence, the similar past cases, and the two decisions (dismiss with a reason, promote)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communications.selectors import mention_list_for
from complaints.selectors import complaint_list_for
from core.messages import error_text
from owners.access import staff_required

from ..models import Kind, Level, WarningSignal
from ..permissions import signal_can_decide
from ..selectors import warning_signal_list_for
from ..services.early_warning import warning_signal_dismiss, warning_signal_promote
from ..similar import similar_cases

LIST_SIZE = 100


@staff_required
def signal_list(request):
    status = request.GET.get("status", "open")
    status = status if status in WarningSignal.Status.values or status == "all" else "open"
    rows = list(warning_signal_list_for(request.user, status="" if status == "all" else status)[:LIST_SIZE])
    return render(request, "incidents/staff/signals.html", {
        "rows": rows, "status": status, "statuses": WarningSignal.Status.choices})


def signal_for(user, pk) -> WarningSignal:
    signal = warning_signal_list_for(user).filter(pk=pk).first()
    if signal is None:
        raise Http404
    return signal


@staff_required
def signal_detail(request, pk):
    return _detail(request, signal_for(request.user, pk))


def _detail(request, signal, *, reason: str = "", reason_error: str = "", status: int = 200):
    ids = [int(i) for i in signal.evidence.get("complaints", [])]
    complaints = list(complaint_list_for(request.user).filter(pk__in=ids).select_related("category", "unit__building", "building")
                      .order_by("-created_at")[:50])
    mentions = list(mention_list_for(request.user).filter(pk__in=[int(i) for i in signal.evidence.get("mentions", [])])[:20])
    return render(request, "incidents/staff/signal.html", {
        "signal": signal, "complaints": complaints, "mentions": mentions, "matches": signal.evidence.get("matches", []),
        "similar": similar_cases(request.user, signal=signal), "may_decide": signal.is_open and signal_can_decide(request.user, signal),
        "kinds": Kind.choices, "levels": Level.choices, "reason": reason, "reason_error": reason_error,
    }, status=status)


@staff_required
@require_POST
def signal_action(request, pk, action):
    signal = signal_for(request.user, pk)
    try:
        if action == "dismiss":
            reason = request.POST.get("reason", "")
            if not reason.strip():
                # Said beside the field, the page as it was: nothing changed.
                return _detail(request, signal, reason=reason, reason_error=_("Say why the signal needs no incident."), status=400)
            warning_signal_dismiss(signal, actor=request.user, reason=reason)
            messages.success(request, _("Signal dismissed."))
        elif action == "promote":
            incident, _created = warning_signal_promote(signal, actor=request.user, kind=request.POST.get("kind", ""),
                                                        level=request.POST.get("level", ""))
            messages.success(request, _("Incident %(number)s opened from the signal.") % {"number": incident.number})
            return redirect("dashboard:incident_detail", incident.number)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect(reverse("dashboard:warning_signal_detail", args=[signal.pk]))
