"""Reminders to owners (through communications, respecting quiet hours) and broken promises."""

from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.selectors import unit_account

from ...lifecycle.arrears import arrears_ladders, needs_approval, recommended_next
from ...models import (
    ArrearsAction,
    ArrearsAlert,
    ArrearsCase,
)
from ...models.arrears import CaseStatus, Step
from .cases import _move
from .common import Kind, _event, _locked, _require_open, _require_work, log
from .notify import managers_arrears_notify, owner_reminder, staff_arrears_notify

# ---- Reminders (through communications, respecting quiet hours)

def _quiet(estate, now) -> bool:
    zone = ZoneInfo(estate.timezone or settings.TIME_ZONE)
    t = now.astimezone(zone).time()
    start, end = time.fromisoformat(settings.QUIET_HOURS_START), time.fromisoformat(settings.QUIET_HOURS_END)
    return (start <= t or t < end) if start > end else (start <= t < end)


@transaction.atomic
def arrears_reminder_send(case, *, actor=None, now=None) -> ArrearsAction:
    """Send the owner a fee reminder (their preferred channel, with the portal as history) and
    record it on the case. Not in quiet hours: the reminder waits for the morning pass. `actor`
    None is the periodic pass. Once a day per case."""
    case = _locked(case)
    if actor is not None:
        _require_work(actor, case)
    _require_open(case)
    now = now or timezone.now()
    if _quiet(case.unit.building.estate, now):
        raise ValidationError(_("It is quiet hours: reminders are not sent at night. The morning pass sends it."), code="quiet_hours")
    if case.resident_id is None:
        raise ValidationError(_("The unit has no owner on record to remind."))
    today = timezone.localdate(now)
    if ArrearsAction.objects.filter(case=case, kind=Step.REMINDER, date=today).exists():
        raise ValidationError(_("A reminder was sent to this owner today already."), code="sent_today")
    account = unit_account(case.unit_id, today)
    delivery = owner_reminder(case, key=f"reminder:{today.isoformat()}", amount=account["arrears"], months=account["months_overdue"])
    outcome = _("Sent.") if delivery is not None else _("Not sent: the owner has no reachable channel.")
    action = ArrearsAction.objects.create(case=case, kind=Step.REMINDER, date=today, actor=actor, outcome=outcome)
    _event(case, Kind.REMINDER, actor, body=outcome)
    return action


def arrears_reminders_send(now=None) -> dict:
    """Periodic: send the reminder of every open case on a reminder step not yet reminded today,
    outside quiet hours. A case that fails is logged and left for the next pass."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    due = (ArrearsCase.objects.filter(status=CaseStatus.OPEN, step=Step.REMINDER, resident__isnull=False)
           .exclude(actions__kind=Step.REMINDER, actions__date=today).select_related("estate"))
    for case in due.iterator(chunk_size=500):
        if _quiet(case.estate, now):
            counts["skipped"] += 1
            continue
        try:
            arrears_reminder_send(case, now=now)
            counts["sent"] += 1
        except ValidationError:
            counts["skipped"] += 1
        except Exception:
            counts["failed"] += 1
            log.exception("Arrears reminder for case %s failed; the next pass tries again", case.pk)
    return counts


# ---- Broken promises

def arrears_promises_sweep(today=None) -> dict:
    """Periodic: a promise to pay whose date has passed, on a case still open, is broken when the
    unit's balance has not fallen by the promised amount since the promise. A broken promise moves
    the case to its recommended next step and alerts the assignee — once per promise, also when
    sweeps run twice or at once (a unique ArrearsAlert row, written with the move). Instalments of
    approved plans past due and unpaid are broken promises too (instalments.py)."""
    from .instalments import instalments_missed_sweep

    today = today or timezone.localdate()
    counts = {"broken": 0, "kept": 0, "failed": 0}
    candidates = (ArrearsAction.objects.filter(promise_date__lt=today, case__status=CaseStatus.OPEN, broken_alert__isnull=True)
                  .select_related("case"))
    for action in candidates.iterator(chunk_size=500):
        balance = unit_account(action.case.unit_id, today)["balance"]
        if balance <= action.arrears_at_promise - action.promise_amount:
            counts["kept"] += 1
            continue
        try:
            if _promise_broken_once(action, today):
                counts["broken"] += 1
        except Exception:
            counts["failed"] += 1
            log.exception("Broken promise on arrears case %s could not be recorded; the next sweep tries again", action.case_id)
    counts["instalments_missed"] = instalments_missed_sweep(today)
    return counts


def _promise_broken_once(action, today) -> bool:
    with transaction.atomic():
        try:
            with transaction.atomic():
                ArrearsAlert.objects.create(action=action)
        except IntegrityError:
            return False
        case = _locked(action.case)
        if case.status != CaseStatus.OPEN:
            return True
        text = _("The promise to pay %(amount)s yuan by %(date)s was not kept.") % {"amount": action.promise_amount, "date": action.promise_date.isoformat()}
        _promise_broken_move(case, text, key=f"promise:{action.pk}", today=today)
    return True


def _promise_broken_move(case, text, *, key: str, today, move: bool = True):
    """A broken promise (a promise to pay, or an instalment of a plan) on a locked open case: on
    the timeline; the case moves to its recommended next step (unless `move` is False), or is due
    now when that step needs approval or there is none; the assignee — else the estate managers —
    is told, once per `key`."""
    _event(case, Kind.PROMISE_BROKEN, None, body=text)
    following = recommended_next(case.cause, case.step, arrears_ladders()) if move else None
    if following is not None and not needs_approval(following.step):
        _move(case, following.step, None, today, text)
    else:  # the next rung needs approval, or there is none: the case is due now
        case.step_due_on = today
        case.save(update_fields=["step_due_on"])
    staff_arrears_notify(case, [case.assignee] if case.assignee_id else [], topic="arrears.promise_broken", key=key,
                         message=lambda: str(text))
    if not case.assignee_id:
        managers_arrears_notify(case, topic="arrears.promise_broken", key=key, message=lambda: str(text))
