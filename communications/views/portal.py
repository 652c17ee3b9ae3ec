"""The owner's notice board: notices for their units, urgent unread ones first in sight."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.messages import error_text
from owners.access import resident_required

from ..models import Acknowledgement, Delivery
from ..selectors import notice_board_for, statements_published_for_resident
from ..services.announcements import acknowledgement_record, notice_mark_read
from ..services.help_requests import resident_home_in


@resident_required
def notice_list(request):
    return render(request, "communications/portal/list.html", {
        "notices": notice_board_for(request.user.resident),
        "statements": statements_published_for_resident(request.user.resident),
    })


def _notice(request, pk):
    delivery = (Delivery.objects.filter(resident=request.user.resident, channel="portal", announcement_id=pk)
                .exclude(announcement__status="cancelled").select_related("announcement").first())
    if delivery is None:
        raise Http404
    return delivery


@resident_required
def notice_detail(request, pk):
    delivery = _notice(request, pk)
    if delivery.read_at is None:
        notice_mark_read(delivery.announcement, resident=request.user.resident)
    answer = Acknowledgement.objects.filter(announcement_id=pk, resident=request.user.resident).first()
    help_home = None
    if answer is not None and answer.answer == Acknowledgement.Answer.NEED_HELP:
        # Whoever asked for help is told what happens next and which number to ring now.
        help_home = resident_home_in(delivery.announcement, request.user.resident)
    return render(request, "communications/portal/detail.html", {
        "n": delivery.announcement, "answer": answer, "answers": Acknowledgement.Answer.choices,
        "help_estate": help_home.unit.building.estate if help_home else None})


@resident_required
@require_POST
def notice_acknowledge(request, pk):
    delivery = _notice(request, pk)
    try:
        acknowledgement_record(delivery.announcement, resident=request.user.resident, answer=request.POST.get("answer", "received"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Thank you, the management office has your answer."))
    return redirect("portal:notice_detail", pk=pk)
