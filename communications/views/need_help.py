"""Staff mark an "I need help" answer handled, from the announcement page or the dashboard home."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.messages import error_text
from owners.access import staff_required

from .. import selectors
from ..models import Acknowledgement
from ..services.help_requests import need_help_mark_handled


@staff_required
@require_POST
def need_help_handled(request, pk, answer):
    """Another estate's answer is a 404; a refusal (no right, already handled, no note) is a
    message on the page the form was on, with nothing changed."""
    ack = get_object_or_404(
        Acknowledgement.objects.filter(announcement__in=selectors.announcement_list_for(request.user),
                                       answer=Acknowledgement.Answer.NEED_HELP).select_related("resident"),
        pk=answer, announcement_id=pk)
    try:
        need_help_mark_handled(ack, actor=request.user, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Marked handled: %(name)s.") % {"name": ack.resident.name})
    if request.POST.get("back") == "home":
        return redirect("dashboard:home")
    return redirect("dashboard:announcement_detail", pk=pk)
