"""The owner's notice board: notices for their units, urgent unread ones first in sight."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.messages import error_text
from owners.access import resident_required

from ..models import Acknowledgement, Delivery, Statement
from ..selectors import notice_board_for, statements_published_for_resident
from ..services.announcements import acknowledgement_record, notice_mark_read
from ..services.help_requests import resident_home_in


def _statement_notices(statements, deliveries):
    """Split the board: a statement also sent to residents arrives as a notice with its title
    (statement_publish with `announce`). It is listed once, as the statement (its latest version),
    and counts as new while that notice is unread."""
    titles = {s.title for s in statements}
    carried = [d for d in deliveries if d.announcement.title in titles]
    unread = {d.announcement.title for d in carried if d.read_at is None}
    for statement in statements:
        statement.unread = statement.title in unread
    return [d for d in deliveries if d.announcement.title not in titles]


@resident_required
def notice_list(request):
    resident = request.user.resident
    statements = statements_published_for_resident(resident)
    return render(request, "communications/portal/list.html", {
        "notices": _statement_notices(statements, notice_board_for(resident)),
        "statements": statements,
    })


@resident_required
def statement_detail(request, thread):
    """A published statement about the owner's estate (or the company), inside the portal: the
    current version and the earlier ones. The public press page is a link the owner may follow
    to share it; opening it here marks the notice that carried it as read."""
    resident = request.user.resident
    statement = next((s for s in statements_published_for_resident(resident, limit=None) if s.thread == thread), None)
    if statement is None:
        raise Http404
    earlier = (Statement.objects.filter(thread=thread, status=Statement.Status.SUPERSEDED, published_at__isnull=False)
               .order_by("-version"))
    titles = {statement.title, *(e.title for e in earlier)}
    for delivery in (Delivery.objects.filter(resident=resident, channel="portal", read_at__isnull=True,
                                             announcement__title__in=titles).select_related("announcement")):
        notice_mark_read(delivery.announcement, resident=resident)
    return render(request, "communications/portal/statement.html", {"s": statement, "history": earlier})


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
        ack = acknowledgement_record(delivery.announcement, resident=request.user.resident, answer=request.POST.get("answer", "received"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        if ack.answer != Acknowledgement.Answer.NEED_HELP:  # a call for help gets the red "what happens next" box, not a green thanks
            messages.success(request, _("Thank you, the management office has your answer."))
    return redirect("portal:notice_detail", pk=pk)
