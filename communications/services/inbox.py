"""The staff inbox (models/inbox.py): items written with the event that causes them, read when opened.

Callers record items inside their own transaction; a unique key per (event, recipient) makes a
retry or a second sweep add nothing (INSERT … ON CONFLICT DO NOTHING, so a conflict never breaks
the caller's transaction). Opening an item marks it read; only its recipient can.
"""

from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from owners.models import User

from ..models import Announcement, AnnouncementEvent, InboxItem, MediaInquiry, Statement, StatementEvent

Kind = InboxItem.Kind
# Overdue work older than this when first seen is left to the dashboard home's lists: a sweep
# looks back this far, so a scheduler that was down for a while still catches up.
OVERDUE_LOOKBACK = timedelta(days=7)


def inbox_add(users, *, kind: str, key: str, target_url: str, params: dict | None = None, at=None) -> int:
    """One item per staff member in `users` (None and non-staff skipped), keyed `key:u<id>`.
    Returns how many keys were offered; existing ones stay as they are."""
    at = at or timezone.now()
    rows, seen = [], set()
    for user in users:
        if user is None or user.pk in seen or getattr(user, "kind", None) != User.Kind.STAFF:
            continue
        seen.add(user.pk)
        rows.append(InboxItem(recipient_id=user.pk, kind=kind, params=params or {}, target_url=target_url,
                              created_at=at, dedupe_key=f"{key}:u{user.pk}"[:160]))
    InboxItem.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def inbox_close(key_prefix: str) -> int:
    """Mark every unread item whose key starts with `key_prefix` read: the thing they announced is
    no longer waiting (an approval given or refused by someone)."""
    return InboxItem.objects.filter(dedupe_key__startswith=key_prefix, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def inbox_item_open(item_id, *, user) -> InboxItem:
    """The recipient opens an item: it is read from now on. Anyone else's item is a 404."""
    try:
        item = InboxItem.objects.select_for_update().get(pk=item_id, recipient_id=user.pk)
    except (InboxItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return item


def inbox_mark_all_read(user) -> int:
    """Everything in `user`'s inbox read. Returns how many items changed."""
    return InboxItem.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- approvals: written and closed where the history of a record is written (history.lifecycle_apply)

def _approval_prefix(record) -> str:
    return f"approval:{type(record).__name__.lower()}:{record.pk}:"


def _approvers(record, actor) -> list:
    """Active staff whose approve permission covers the record (communications.permissions)."""
    from ..permissions import (
        APPROVE_ANNOUNCEMENT,
        APPROVE_STATEMENT,
        announcement_can_approve,
        statement_can_approve,
    )

    if isinstance(record, Announcement):
        perm, may = APPROVE_ANNOUNCEMENT, (lambda u: announcement_can_approve(u, record))
    else:
        perm, may = APPROVE_STATEMENT, (lambda u: statement_can_approve(u, record.estate_id))
    holders = (User.objects.with_perm(perm, backend="django.contrib.auth.backends.ModelBackend")
               .filter(is_active=True, kind=User.Kind.STAFF).order_by("pk"))
    return [u for u in holders if u.pk != getattr(actor, "pk", None) and may(u)]


def inbox_on_history(record, kind, actor, event) -> None:
    """Called with every history row: a record sent for approval puts an item in each approver's
    inbox; once it is approved, sent back or cancelled, those items are closed."""
    if not isinstance(record, (Announcement, Statement)):
        return
    submitted = (AnnouncementEvent.Kind.SUBMITTED, StatementEvent.Kind.SUBMITTED,  # edited after approval: it waits again
                 AnnouncementEvent.Kind.EDITED_AFTER_APPROVAL, StatementEvent.Kind.EDITED_AFTER_APPROVAL)
    if kind in submitted:
        from django.urls import reverse

        name = "dashboard:announcement_detail" if isinstance(record, Announcement) else "dashboard:statement_detail"
        inbox_add(_approvers(record, actor), kind=Kind.APPROVAL, key=f"{_approval_prefix(record)}{event.pk}",
                  target_url=reverse(name, args=[record.pk]), params={"title": record.title}, at=event.at)
    elif record.status not in (Announcement.Status.PENDING_APPROVAL, Statement.Status.IN_REVIEW):
        inbox_close(_approval_prefix(record))


# --- overdue media inquiries (swept; follow-ups are swept by complaints.services.notify)

def inquiries_overdue_inbox(now=None) -> int:
    """An item for whoever must answer each open inquiry whose deadline passed in the last week:
    its assignee, or when it has none everyone who may answer for its estate."""
    from django.urls import reverse

    from ..permissions import ANSWER_INQUIRY, inquiry_can_answer

    now = now or timezone.now()
    rows = list(MediaInquiry.objects.filter(status=MediaInquiry.Status.OPEN, deadline__lt=now,
                                            deadline__gte=now - OVERDUE_LOOKBACK)
                .select_related("assigned_to").order_by("deadline")[:500])
    answerers = None
    count = 0
    for inquiry in rows:
        if inquiry.assigned_to_id:
            people = [inquiry.assigned_to]
        else:
            if answerers is None:
                answerers = list(User.objects.with_perm(ANSWER_INQUIRY, backend="django.contrib.auth.backends.ModelBackend")
                                 .filter(is_active=True, kind=User.Kind.STAFF))
            people = [u for u in answerers if inquiry_can_answer(u, inquiry.estate_id)]
        count += inbox_add(people, kind=Kind.INQUIRY_OVERDUE, key=f"inquiry:{inquiry.pk}:{inquiry.deadline:%Y%m%d%H%M}",
                           target_url=reverse("dashboard:inquiry_detail", args=[inquiry.pk]),
                           params={"outlet": inquiry.outlet or inquiry.journalist}, at=now)
    return count
