"""What communications shows on other apps' pages: the resident page's messages (registered in
CommunicationsConfig.ready) and, on the dashboard home, what waits for the user's approval."""

from django.db.models import Count, F, Func, IntegerField, Subquery
from django.template.loader import render_to_string

from owners.models import User

from .models import Announcement, Delivery
from .permissions import announcements_awaiting_approval_by, statements_awaiting_approval_by
from .selectors import announcement_list_for, announcements_reaching_estate, deliveries_for_resident
from .services.announcements import delivery_percent_done

RESIDENT_MESSAGES_SHOWN = 20
APPROVALS_SHOWN = 20
SENDS_SHOWN = 5


def resident_messages_panel(request, resident) -> str:
    """The latest messages sent to a resident, for the staff's resident page (owners.panels)."""
    deliveries = deliveries_for_resident(request.user, resident, limit=RESIDENT_MESSAGES_SHOWN)
    return render_to_string("communications/includes/resident_messages.html", {"deliveries": deliveries}, request=request)


def _count(queryset) -> Subquery:
    """COUNT(*) of `queryset` as a scalar subquery (no GROUP BY on the outer query)."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField())


def approvals_waiting_count(user) -> int:
    """How many announcements and statements wait for `user`'s approval: one query, and none for
    someone who approves nothing (their scope is known without asking the database)."""
    announcements = announcements_awaiting_approval_by(user)
    statements = statements_awaiting_approval_by(user)
    if not announcements.query.is_empty() or not statements.query.is_empty():
        row = (User.objects.filter(pk=user.pk)
               .annotate(a=_count(announcements), s=_count(statements)).values_list("a", "s").first())
        return sum(row or (0, 0))
    return 0


def approvals_panel(request, estate_id: int | None = None) -> str:
    """"Waiting for your approval" on the dashboard home: the announcements and statements the
    user may approve (reaching one estate with `estate_id`), oldest first, each linking to where it
    is approved or sent back. Empty (nothing rendered) when nothing waits."""
    user = request.user
    announcements = announcements_awaiting_approval_by(user)
    statements = statements_awaiting_approval_by(user)
    if estate_id is not None:
        announcements = announcements_reaching_estate(announcements, estate_id)
        statements = statements.filter(estate_id=estate_id)
    announcements = list(announcements.select_related("author").order_by("created_at")[:APPROVALS_SHOWN])
    statements = list(statements.select_related("author", "estate").order_by("created_at")[:APPROVALS_SHOWN])
    if not announcements and not statements:
        return ""
    return render_to_string("communications/includes/approvals.html",
                            {"announcements": announcements, "statements": statements}, request=request)


def sends_in_progress_panel(request, estate_id: int | None = None) -> str:
    """"Sends in progress" on the dashboard home: the announcements of the user's estates (reaching
    one estate with `estate_id`) being sent, newest first, each with a progress bar (sent, failed,
    still queued). Two queries: the announcements, then their deliveries counted by status."""
    sending = announcement_list_for(request.user).filter(status=Announcement.Status.SENDING)
    if estate_id is not None:
        sending = announcements_reaching_estate(sending, estate_id)
    sending = list(sending.order_by("-published_at", "-id")[:SENDS_SHOWN])
    if not sending:
        return ""
    counts: dict[int, dict[str, int]] = {a.pk: {} for a in sending}
    rows = (Delivery.objects.filter(announcement_id__in=counts).order_by()
            .values_list("announcement_id", "status").annotate(n=Count("id")))
    for announcement_id, status, n in rows:
        counts[announcement_id][status] = n
    for a in sending:
        by_status = counts[a.pk]
        a.total = sum(by_status.values())
        a.sent = by_status.get("sent", 0) + by_status.get("delivered", 0)
        a.failed = by_status.get("failed", 0)
        a.percent_done = delivery_percent_done(by_status)
    return render_to_string("communications/includes/sends_in_progress.html", {"sends": sending}, request=request)
