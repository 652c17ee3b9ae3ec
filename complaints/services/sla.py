"""SLA deadlines and the periodic sweep that warns before and escalates after a breach."""

import logging
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import Complaint, ComplaintEvent, SlaAlert, SlaPolicy
from ..models.complaints import AWAITING_RESPONSE_STATUSES, OPEN_STATUSES
from .notify import managers_notify, staff_notify

log = logging.getLogger("lighthouse.sla")


def sla_due_times(category, priority, start):
    """(response due, resolution due) counted from `start` by the category × priority policy."""
    policy = SlaPolicy.objects.filter(category=category, priority=priority).first()
    response, resolution = (policy.first_response, policy.resolution) if policy else SlaPolicy.DEFAULTS[priority]
    return start + response, start + resolution


def _alert_once(complaint, kind, due_at, announce) -> bool:
    """Record the alert and run `announce()` (timeline event, flags, notices as outbox rows) in one
    transaction; False if the alert was already recorded (by an earlier or a concurrent sweep).

    Both or neither: a crash or an error while announcing rolls the alert row back with it, so
    the next sweep announces the deadline instead of finding it already "done". A concurrent
    sweep's insert waits on the unique row and then finds it taken.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                SlaAlert.objects.create(complaint=complaint, kind=kind, due_at=due_at)
        except IntegrityError:
            return False
        announce()
    return True


def _warn_window(complaint, start_field, due):
    total = (due - getattr(complaint, start_field)).total_seconds()
    return due - timezone.timedelta(seconds=max(total * settings.SLA_WARNING_SHARE, 0))


def sla_sweep(now=None) -> dict:
    """Warn assignees before a deadline and escalate to managers after it, once per deadline.

    Safe to run often and concurrently: each alert is a unique row, and only the run that
    inserts it sends anything. A complaint whose alert fails is logged and left for the next run;
    the others go ahead.
    """
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0, "failed": 0}
    unanswered = Complaint.objects.filter(first_response_at__isnull=True, status__in=AWAITING_RESPONSE_STATUSES)
    unresolved = Complaint.objects.filter(status__in=OPEN_STATUSES)
    checks = [
        (unanswered, "response_due_at", SlaAlert.Kind.RESPONSE_WARNING, SlaAlert.Kind.RESPONSE_BREACH, "response_breached",
         gettext_lazy("First response for complaint %(number)s is due at %(due)s."), gettext_lazy("Complaint %(number)s has had no first response by its deadline %(due)s.")),
        (unresolved, "resolution_due_at", SlaAlert.Kind.RESOLUTION_WARNING, SlaAlert.Kind.RESOLUTION_BREACH, "resolution_breached",
         gettext_lazy("Complaint %(number)s must be resolved by %(due)s."), gettext_lazy("Complaint %(number)s was not resolved by its deadline %(due)s.")),
    ]
    horizon = now + timezone.timedelta(days=3)  # no SLA window is warned earlier than this
    for queryset, due_field, warn_kind, breach_kind, flag, warn_text, breach_text in checks:
        candidates = queryset.filter(**{f"{due_field}__lte": horizon}).select_related("assignee")
        for complaint in candidates.iterator(chunk_size=500):
            due = getattr(complaint, due_field)
            params = {"number": complaint.number, "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"), "due_field": due_field}
            try:
                if due <= now:
                    if _alert_once(complaint, breach_kind, due, partial(_breach_announce, complaint, flag, breach_kind, breach_text, params)):
                        counts["breaches"] += 1
                elif now >= _warn_window(complaint, "created_at", due) and complaint.assignee_id:
                    if _alert_once(complaint, warn_kind, due, partial(_warning_announce, complaint, warn_kind, warn_text, params)):
                        counts["warnings"] += 1
            except Exception:
                counts["failed"] += 1
                log.exception("SLA alert for complaint %s failed; the next sweep tries again", complaint.number)
    return counts


def _event_params(kind, complaint, due_field):
    """What the timeline entry records; complaints.events words it in the reader's language."""
    return {"alert": kind, "number": complaint.number, "due": getattr(complaint, due_field).isoformat()}


def _breach_announce(complaint, flag, kind, text, params):
    Complaint.objects.filter(pk=complaint.pk).update(**{flag: True})
    ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.SLA_BREACH,
                                  params=_event_params(kind, complaint, params["due_field"]))
    managers_notify(complaint, "complaint.sla_breach", kind, lambda: str(text % params))


def _warning_announce(complaint, kind, text, params):
    ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.SLA_WARNING,
                                  params=_event_params(kind, complaint, params["due_field"]))
    staff_notify(complaint, [complaint.assignee], "complaint.sla_warning", kind, lambda: str(text % params))
