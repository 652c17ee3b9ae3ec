"""SLA deadlines and the periodic sweep that warns before and escalates after a breach."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import Complaint, ComplaintEvent, SlaAlert, SlaPolicy
from ..models.complaints import OPEN_STATUSES, Status
from .notify import managers_of, staff_notify


def sla_due_times(category, priority, start):
    """(response due, resolution due) counted from `start` by the category × priority policy."""
    policy = SlaPolicy.objects.filter(category=category, priority=priority).first()
    response, resolution = (policy.first_response, policy.resolution) if policy else SlaPolicy.DEFAULTS[priority]
    return start + response, start + resolution


def _alert_once(complaint, kind, due_at) -> bool:
    """Record the alert; False if it was already recorded (by an earlier or a concurrent sweep)."""
    try:
        with transaction.atomic():
            SlaAlert.objects.create(complaint=complaint, kind=kind, due_at=due_at)
    except IntegrityError:
        return False
    return True


def _warn_window(complaint, start_field, due):
    total = (due - getattr(complaint, start_field)).total_seconds()
    return due - timezone.timedelta(seconds=max(total * settings.SLA_WARNING_SHARE, 0))


def sla_sweep(now=None) -> dict:
    """Warn assignees before a deadline and escalate to managers after it, once per deadline.

    Safe to run often and concurrently: each alert is a unique row, and only the run that
    inserts it sends anything.
    """
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0}
    unanswered = Complaint.objects.filter(first_response_at__isnull=True, status__in=[Status.SUBMITTED, Status.REOPENED])
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
            params = {"number": complaint.number, "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}
            if due <= now:
                if _alert_once(complaint, breach_kind, due):
                    counts["breaches"] += 1
                    with transaction.atomic():
                        Complaint.objects.filter(pk=complaint.pk).update(**{flag: True})
                        ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.SLA_BREACH, body=str(breach_text % params))
                        staff_notify(complaint, managers_of(complaint.estate_id), "complaint.sla_breach", breach_kind,
                                     lambda params=params, text=breach_text: str(text % params))
            elif now >= _warn_window(complaint, "created_at", due) and complaint.assignee_id:
                if _alert_once(complaint, warn_kind, due):
                    counts["warnings"] += 1
                    with transaction.atomic():
                        ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.SLA_WARNING, body=str(warn_text % params))
                        staff_notify(complaint, [complaint.assignee], "complaint.sla_warning", warn_kind,
                                     lambda params=params, text=warn_text: str(text % params))
    return counts
