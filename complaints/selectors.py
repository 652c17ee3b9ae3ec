"""Reads of complaints for pages, the API and tasks, already scoped to the user.

The staff queue is planned for large tables: it filters on the estate (indexed with status and
due time), orders by the deadline shown (due_at, id) and fetches one row more than a page instead of
counting, so its cost does not grow with the table.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from owners.models import Building, Estate, Unit, User
from owners.permissions import ALL, staff_estate_ids
from owners.selectors import staff_with_roles

from .filters import ComplaintQueueFilter
from .models import CannedReply, Complaint, ComplaintEvent, ComplaintLink, ComplaintPhoto, FollowUp
from .models.complaints import OPEN_STATUSES
from .permissions import complaint_working_roles


def complaint_list_for(user) -> QuerySet[Complaint]:
    """Staff: complaints of their estates. Owners: their own. Everyone else: nothing."""
    scope = staff_estate_ids(user)
    qs = Complaint.objects.all()
    if scope is ALL:
        return qs
    if scope:
        return qs.filter(estate_id__in=scope)
    if getattr(user, "is_authenticated", False) and user.is_resident:
        return qs.filter(resident__user=user)
    return qs.none()


def complaint_queue(user, params=None, *, offset: int = 0, limit: int = 50):
    """One page of the staff queue: (rows, has_more), open tickets unless `params` ask for a
    status. Never counts the whole table."""
    rows = list(complaint_queue_queryset(user, params, open_by_default=True)[offset:offset + limit + 1])
    return rows[:limit], len(rows) > limit


def complaint_queue_queryset(user, params=None, *, open_by_default=False) -> QuerySet[Complaint]:
    """The user's queue, filtered and ordered by `params` (a query string's values, checked by
    ComplaintQueueFilter), for the staff page and the API's cursor pagination alike.

    Only two small tables are joined; the other related rows come by prefetch (one `id IN (…)`
    query each). At a million rows PostgreSQL spent ~17 ms planning the full seven-way join
    and ~1 ms running it; with two joins planning takes ~1.5 ms.
    """
    qs = (
        complaint_list_for(user)
        .select_related("category", "resident")
        .prefetch_related(
            # Only the columns a queue row shows: building model instances is most of the cost.
            Prefetch("estate", queryset=Estate.objects.only("id", "name")),
            Prefetch("assignee", queryset=User.objects.only("id", "username", "first_name", "last_name")),
            Prefetch("unit", queryset=Unit.objects.only("id", "building_id", "entrance", "number").select_related("building")),
            Prefetch("building", queryset=Building.objects.only("id", "name", "estate_id")),
        )
        .defer("resolution_summary", "rejection_reason", "rating_comment", "resident__notes")
    )
    return ComplaintQueueFilter(params, queryset=qs, user=user, open_by_default=open_by_default).qs


def complaint_owner_list(user, *, limit: int = 50) -> list[Complaint]:
    return list(
        complaint_list_for(user).select_related("category").prefetch_related("unit__building", "building")
        .order_by("-created_at")[:limit]
    )


def complaint_timeline(complaint, *, for_owner: bool) -> list[ComplaintEvent]:
    events = complaint.events.select_related("actor").prefetch_related("photos")
    if for_owner:
        events = events.filter(public=True)
    return list(events)


def complaint_photos(complaint, *, for_owner: bool) -> QuerySet[ComplaintPhoto]:
    photos = complaint.photos.all()
    return photos.filter(public=True) if for_owner else photos


def complaint_linked(complaint) -> list[Complaint]:
    """The tickets linked to `complaint`, either way round. A link is stored once (smaller id
    first), so the other ends are `id IN (… UNION ALL …)` of two indexed lookups on the link
    table; an OR across the two joins made PostgreSQL scan every ticket (193–353 ms at 1M)."""
    other_ends = ComplaintLink.objects.filter(from_complaint_id=complaint.pk).values("to_complaint_id").union(
        ComplaintLink.objects.filter(to_complaint_id=complaint.pk).values("from_complaint_id"), all=True)
    return list(Complaint.objects.filter(id__in=other_ends).select_related("resident", "category").order_by("id"))


def assignable_staff(estate_id) -> QuerySet[User]:
    """Active staff who hold a ticket-working role at the estate (or company-wide): who may be
    assigned one, and whom the queue can be filtered by."""
    return staff_with_roles([estate_id], complaint_working_roles()).order_by("first_name", "username")


def follow_ups_overdue_for(user, *, limit: int = 20, estate_id: int | None = None) -> list[FollowUp]:
    """Overdue follow-up visits of the user's estates, or of one of them (`estate_id`, already
    checked against the user's scope by the caller), the longest overdue first."""
    scope = staff_estate_ids(user)
    qs = FollowUp.objects.filter(done_at__isnull=True, due_at__lt=timezone.now()).select_related("complaint", "assignee")
    if scope is not ALL:
        qs = qs.filter(estate_id__in=scope or [])
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return list(qs.order_by("due_at")[:limit])


def complaint_dashboard_counts(user, estate_id: int | None = None) -> dict:
    """Open, overdue, unassigned, flagged and my tickets of the user's estates (or of one of them:
    `estate_id`, within the user's scope), counted by the database in one query, live (no cache:
    the numbers are never stale).

    Planned as an index-only scan of complaint_open_counts_idx (open tickets only, carrying every
    column counted here), so it reads the open tickets' index entries and never the table: its
    cost follows the number of open tickets, not the table. Overdue means what the queue's
    "overdue" filter means: open and past the deadline shown (due_at).
    """
    now = timezone.now()
    open_qs = complaint_list_for(user).filter(status__in=OPEN_STATUSES)
    if estate_id is not None:  # the index's leading column: still an index-only scan
        open_qs = open_qs.filter(estate_id=estate_id)
    return open_qs.aggregate(
        open=Count("estate"),  # a column of the index (Count("id") would read the table)
        overdue=Count("estate", filter=Q(due_at__lt=now)),
        unassigned=Count("estate", filter=Q(assignee__isnull=True)),
        flagged=Count("estate", filter=Q(flagged=True)),
        mine=Count("estate", filter=Q(assignee=user)),
    )


OTHER_TICKETS_SHOWN = 10


def complaint_others_of_owner(user, complaint, *, limit: int = OTHER_TICKETS_SHOWN) -> list[Complaint]:
    """The owner's other tickets that `user` may see, newest first (the ticket page's customer context)."""
    return list(
        complaint_list_for(user).filter(resident_id=complaint.resident_id).exclude(pk=complaint.pk)
        .select_related("category").only("id", "number", "status", "created_at", "description", "category__name", "category__name_en")
        .order_by("-created_at")[:limit]
    )


def complaints_of_resident(user, resident, *, limit: int = 20) -> list[Complaint]:
    """A resident's tickets that `user` may see, newest first (the resident page's panel)."""
    return list(
        complaint_list_for(user).filter(resident=resident).select_related("category")
        .only("id", "number", "status", "created_at", "description", "category__name", "category__name_en")
        .order_by("-created_at")[:limit]
    )


def canned_replies_for(complaint) -> list[tuple[str, str]]:
    """The company's offered canned replies as (title, text filled in for `complaint`)."""
    return [(reply.title, reply.fill(complaint)) for reply in CannedReply.objects.filter(active=True)]
