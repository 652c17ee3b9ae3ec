"""What owners and staff are told about a complaint, in their language, through the outbox."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.models import InboxItem
from communications.services import notice_send
from communications.services.inbox import OVERDUE_LOOKBACK, inbox_add
from owners.selectors import estate_managers

from ..models import FollowUp

# Staff notices that also wait in the recipient's in-app inbox (the bell), by topic.
INBOX_KINDS = {
    "complaint.assigned": InboxItem.Kind.ASSIGNED,
    "complaint.owner_message": InboxItem.Kind.OWNER_MESSAGE,
    "complaint.sla_warning": InboxItem.Kind.SLA_WARNING,
    "complaint.sla_breach": InboxItem.Kind.SLA_BREACH,
}


def _owner_link(complaint):
    return settings.SITE_URL + reverse("portal:complaint_detail", args=[complaint.number])


def _staff_link(complaint):
    return settings.SITE_URL + reverse("dashboard:complaint_detail", args=[complaint.number])


def owner_notify(complaint, topic: str, key: str, message):
    """Tell the owner something about their ticket. `message()` returns the sentence (gettext)."""

    def render(channel):
        return (_("Complaint %(number)s") % {"number": complaint.number},
                _("%(message)s Details: %(link)s") % {"message": message(), "link": _owner_link(complaint)})

    return notice_send(topic=topic, dedupe_key=f"complaint:{complaint.pk}:{key}", render=render, resident=complaint.resident)


def staff_notify(complaint, users, topic: str, key: str, message):
    """Tell staff members something about a ticket by message, and (for the topics in
    INBOX_KINDS) put it in their inbox, in the caller's transaction."""
    users = [user for user in users if user is not None]
    for user in users:
        def render(channel, user=user):
            return (_("Complaint %(number)s") % {"number": complaint.number},
                    f"{message()} {_staff_link(complaint)}")

        notice_send(topic=topic, dedupe_key=f"complaint:{complaint.pk}:{key}:u{user.pk}", render=render, user=user)
    if topic in INBOX_KINDS:
        staff_inbox(complaint, users, INBOX_KINDS[topic], key)


def staff_inbox(complaint, users, kind, key: str, *, at=None, **params):
    """An inbox item about the ticket for each of `users`, linking to its dashboard page; once per
    (ticket, key, person)."""
    return inbox_add(users, kind=kind, key=f"complaint:{complaint.pk}:{key}", at=at,
                     target_url=reverse("dashboard:complaint_detail", args=[complaint.number]),
                     params={"number": complaint.number, **params})


def managers_notify(complaint, topic: str, key: str, message):
    """Tell whoever answers for the complaint's estate (owners.selectors.estate_managers)."""
    staff_notify(complaint, estate_managers(complaint.estate_id), topic, key, message)


def owner_reopened_tell(complaint, now):
    """The owner says it is not solved (by a low rating or by reopening): the estate's managers
    are told by message; they and whoever works the ticket find it in their inbox."""
    key = f"reopened:{now.timestamp():.0f}"
    managers = estate_managers(complaint.estate_id)
    staff_notify(complaint, managers, "complaint.reopened", key,
                 lambda: _("The owner says complaint %(number)s is not solved; it has been reopened.") % {"number": complaint.number})
    if complaint.rating is not None and complaint.rating <= 2:
        staff_inbox(complaint, [*managers, complaint.assignee], InboxItem.Kind.LOW_RATED, key, at=now, rating=complaint.rating)
    else:
        staff_inbox(complaint, [*managers, complaint.assignee], InboxItem.Kind.REOPENED, key, at=now)


def follow_ups_overdue_inbox(now=None) -> int:
    """Swept with the SLA alerts: an inbox item for the assignee of every follow-up visit that
    fell due in the last week and is not done. Once per follow-up and due time."""
    now = now or timezone.now()
    count = 0
    for follow_up in (FollowUp.objects.filter(done_at__isnull=True, assignee__isnull=False, due_at__lt=now,
                                              due_at__gte=now - OVERDUE_LOOKBACK)
                      .select_related("complaint", "assignee").order_by("due_at")[:500]):
        count += staff_inbox(follow_up.complaint, [follow_up.assignee], InboxItem.Kind.FOLLOW_UP_OVERDUE,
                             f"follow-up:{follow_up.due_at:%Y%m%d%H%M}", at=now)
    return count
