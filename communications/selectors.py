"""Reads of announcements and notices, scoped: staff see their estates' sends, residents their notices."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from owners.permissions import ALL, staff_estate_ids

from .models import Acknowledgement, Announcement, Delivery


def announcement_list_for(user) -> QuerySet[Announcement]:
    """Staff: announcements that reach one of their estates (all for company-wide roles)."""
    scope = staff_estate_ids(user)
    qs = Announcement.objects.select_related("author", "approved_by")
    if scope is ALL:
        return qs
    if not scope:
        return qs.none()
    reach = (Q(estates__in=scope) | Q(buildings__estate_id__in=scope) | Q(units__building__estate_id__in=scope))
    ids = Announcement.objects.filter(reach).values("id")
    return qs.filter(id__in=ids)


def notice_board_for(resident, *, limit: int = 50) -> list[Delivery]:
    """The resident's portal notices, newest first, each with whether they have answered."""
    acked = Acknowledgement.objects.filter(announcement=OuterRef("announcement_id"), resident=resident)
    return list(
        Delivery.objects.filter(resident=resident, channel="portal", announcement__isnull=False)
        .exclude(announcement__status=Announcement.Status.CANCELLED)
        .select_related("announcement").annotate(answered=Exists(acked)).order_by("-created_at")[:limit]
    )


def notice_unread_urgent_count(resident) -> int:
    return Delivery.objects.filter(resident=resident, channel="portal", read_at__isnull=True,
                                   announcement__kind__in=list(Announcement.URGENT_KINDS)).count()


def announcement_failures(announcement, *, limit: int = 100) -> list[Delivery]:
    return list(Delivery.objects.filter(announcement=announcement, status=Delivery.Status.FAILED)
                .select_related("resident").order_by("id")[:limit])
