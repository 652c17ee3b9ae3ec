"""Reads of announcements and notices, scoped: staff see their estates' sends, residents their notices."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from owners.models import Estate
from owners.permissions import ALL, staff_estate_ids

from .models import Acknowledgement, Announcement, AnnouncementEvent, Delivery, InquiryEvent, StatementEvent
from .reach import announcement_reach, announcements_reaching

HISTORY_MAX = 200  # entries shown; a record with more has been chased or edited far beyond the usual


def announcement_list_for(user) -> QuerySet[Announcement]:
    """Staff: announcements that reach one of their estates (all for company-wide roles).
    Acting on one needs more: see permissions.announcement_can_write."""
    scope = staff_estate_ids(user)
    qs = Announcement.objects.select_related("author", "approved_by")
    if scope is ALL:
        return qs
    if not scope:
        return qs.none()
    ids = Announcement.objects.filter(announcements_reaching(scope)).values("id")
    return qs.filter(id__in=ids)


NEED_HELP_RECENT_DAYS = 3  # until the incidents issue turns answers into tasks, "open" means recent


def announcements_reaching_estate(announcements: QuerySet[Announcement], estate_id: int) -> QuerySet[Announcement]:
    """Those of `announcements` that reach the estate (whole-company ones too): the dashboard
    home narrowed to one estate. By id, so an announcement is never listed twice."""
    reaching = Announcement.objects.filter(Q(audience=Announcement.Audience.COMPANY) | announcements_reaching([estate_id]))
    return announcements.filter(id__in=reaching.values("id"))


def need_help_open_for(user, *, limit: int = 20, estate_id: int | None = None) -> list[dict]:
    """"I need help" answers to urgent announcements of the user's estates sent in the last few
    days that nobody has marked handled yet, newest first, each with its announcement (to link
    to), resident, unit and mobile (services.help_requests.need_help_row). With `estate_id`
    (within the user's scope): only answers of that estate's current residents."""
    from owners.models import Occupancy

    from .services.help_requests import need_help_row

    since = timezone.now() - timedelta(days=NEED_HELP_RECENT_DAYS)
    announcements = announcement_list_for(user).filter(kind__in=Announcement.URGENT_KINDS, published_at__gte=since)
    answers = (Acknowledgement.objects.filter(answer=Acknowledgement.Answer.NEED_HELP, announcement__in=announcements,
                                              handled_at__isnull=True)
               .exclude(announcement__status=Announcement.Status.CANCELLED))
    if estate_id is not None:
        lives_there = Occupancy.objects.filter(resident=OuterRef("resident_id"), unit__building__estate_id=estate_id,
                                               end_date__isnull=True)
        answers = answers.filter(Exists(lives_there),
                                 announcement__in=announcements_reaching_estate(Announcement.objects.all(), estate_id))
    answers = answers.select_related("announcement", "resident").order_by("-created_at")[:limit]
    return [{**need_help_row(ack), "announcement": ack.announcement} for ack in answers]


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


def _estate_scoped(qs, user):
    """Rows of the user's estates plus company-wide ones (estate empty)."""
    scope = staff_estate_ids(user)
    if scope is ALL:
        return qs
    if not scope:
        return qs.none()
    return qs.filter(Q(estate_id__in=scope) | Q(estate__isnull=True))


def statement_list_for(user):
    from .models import Statement

    return _estate_scoped(Statement.objects.select_related("estate", "author", "approved_by"), user)


def mention_list_for(user):
    from .models import MediaMention

    return _estate_scoped(MediaMention.objects.select_related("estate"), user)


def inquiry_list_for(user):
    from .models import MediaInquiry

    return _estate_scoped(MediaInquiry.objects.select_related("estate", "assigned_to"), user)


def stakeholder_list_for(user):
    from .models import Stakeholder

    return _estate_scoped(Stakeholder.objects.select_related("estate"), user)


def statements_published_for_resident(resident, *, limit: int = 20):
    """Published statements about the resident's estates, or company-wide ones."""
    from owners.models import Occupancy

    from .models import Statement

    estates = Occupancy.objects.filter(resident=resident, end_date__isnull=True).values("unit__building__estate_id")
    return list(Statement.objects.filter(status=Statement.Status.PUBLISHED)
                .filter(Q(estate_id__in=estates) | Q(estate__isnull=True)).order_by("-published_at")[:limit])


# The history of a record, for staff pages and the API only: no public or owner-facing selector
# reads these tables. Newest first; the caller has already found the record through a scoped selector.
def announcement_history(announcement) -> list[AnnouncementEvent]:
    return list(AnnouncementEvent.objects.filter(announcement=announcement).select_related("actor")
                .order_by("-at", "-id")[:HISTORY_MAX])


def statement_history(statement) -> list[StatementEvent]:
    """Every version of the statement's thread: what was said about an earlier draft stays in sight."""
    return list(StatementEvent.objects.filter(statement__thread=statement.thread).select_related("actor", "statement")
                .order_by("-at", "-id")[:HISTORY_MAX])


def inquiry_history(inquiry) -> list[InquiryEvent]:
    return list(InquiryEvent.objects.filter(inquiry=inquiry).select_related("actor").order_by("-at", "-id")[:HISTORY_MAX])


def history_zone(estate_ids) -> str:
    """The time zone a record's history is shown in: its estates' zone when they share one,
    else the company's (a company-wide record, or estates in different zones)."""
    if not estate_ids:
        return settings.TIME_ZONE
    zones = set(Estate.objects.filter(pk__in=estate_ids).values_list("timezone", flat=True))
    return zones.pop() if len(zones) == 1 else settings.TIME_ZONE


def announcement_zone(announcement) -> str:
    return history_zone(announcement_reach(announcement))



# --- the staff inbox (models/inbox.py): a person sees only their own items

INBOX_PAGE = 100  # newest items on "my work"; older ones are long done


def inbox_list_for(user, *, unread_only: bool = False):
    """`user`'s inbox items, newest first (the caller slices; INBOX_PAGE on the page)."""
    from .models import InboxItem

    qs = InboxItem.objects.filter(recipient_id=user.pk)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def inbox_unread_count(user) -> int:
    """How many items wait unread under the bell: one COUNT off a partial index."""
    return inbox_list_for(user, unread_only=True).count()


def deliveries_for_resident(user, resident, *, limit: int = 20) -> list[Delivery]:
    """The latest messages sent to `resident`, newest first, with the announcement's title, for
    staff `user`: another estate's announcements (the resident may live there too) are left out."""
    return list(
        Delivery.objects.filter(resident=resident)
        .filter(Q(announcement__isnull=True) | Q(announcement__in=announcement_list_for(user).values("id")))
        .select_related("announcement").order_by("-created_at")[:limit]
    )
