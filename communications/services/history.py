"""The history of announcements, statements and media inquiries: one way to apply a checked
lifecycle move and to write the row that records it, for every record that has a history."""

from ..models import Announcement, AnnouncementEvent, InquiryEvent, MediaInquiry, Statement, StatementEvent
from .inbox import inbox_on_history

_HISTORY = {
    Announcement: (AnnouncementEvent, "announcement"),
    Statement: (StatementEvent, "statement"),
    MediaInquiry: (InquiryEvent, "inquiry"),
}


def history_record(record, kind, actor, *, from_status="", note=""):
    """Write one history row for `record` (its current status as the new one)."""
    event_model, link = _HISTORY[type(record)]
    return event_model.objects.create(**{link: record}, kind=kind, actor=actor, from_status=from_status,
                                      to_status=record.status, note=note)


def lifecycle_apply(record, transition, actor, kind, *, note="", fields=()):
    """Apply a transition the lifecycle has already checked: its target status (if it has one)
    and `fields`, saved, and the history row — in the caller's transaction, under its row lock."""
    before = record.status
    if transition.target:
        record.status = transition.target
    record.save(update_fields=["status", *fields])
    event = history_record(record, kind, actor, from_status=before, note=note)
    inbox_on_history(record, kind, actor, event)  # approvers' to-do opens and closes with the record's state
    return record
