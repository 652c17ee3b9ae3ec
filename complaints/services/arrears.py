"""Fee-arrears cases: every change goes through these functions (one door).

Each function that changes a case locks its row first, checks the ladder
(complaints/lifecycle/arrears.py) and the permissions (complaints/permissions.py), and writes
an ArrearsEvent in the same transaction; notices are recorded in it too and sent after commit
(services/arrears_notify.py). Arrears figures come from the ledger in owners (owners.selectors).

Periodic passes (complaints/arrears_tasks.py, scheduled by a data migration):
- arrears_cases_open_due: one INSERT … SELECT … ON CONFLICT DO NOTHING opens a case for every unit
  over its estate's threshold that has none open; running it twice, or twice at once, opens none twice.
- arrears_promises_sweep: a promise whose date passed without the promised money moves the case to
  its next step and alerts the assignee, once per promise (a unique alert row).
- arrears_reminders_send: owners on a reminder step get their reminder, outside quiet hours.
"""

import datetime
import logging
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import Heading, KeyValues, Paragraph, Signature, Table, render_pdf
from owners.models import Building, FeeLedgerEntry, Occupancy, Unit
from owners.selectors import unit_account

from ..lifecycle.arrears import CONTACT_KINDS, arrears_ladders, due_days_for, first_rung, needs_approval, recommended_next
from ..models import (
    ArrearsAction,
    ArrearsAlert,
    ArrearsApproval,
    ArrearsCase,
    ArrearsEvent,
    ArrearsPolicy,
    Complaint,
    Instalment,
    ReliefRequest,
)
from ..models.arrears import CaseStatus, Cause, Outcome, Step
from ..permissions import arrears_can_approve, arrears_can_open, arrears_can_work
from .arrears_notify import managers_arrears_notify, owner_reminder, staff_arrears_notify

log = logging.getLogger("lighthouse.arrears")
Kind = ArrearsEvent.Kind
TEXT_MAX = 2000


def _text(value, field, *, required=True, max_length=TEXT_MAX):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This cannot be empty.")})
    if len(value) > max_length:
        raise ValidationError({field: _("Please keep it under %(n)d characters.") % {"n": max_length}})
    return value


def _locked(case) -> ArrearsCase:
    return ArrearsCase.objects.select_for_update(of=("self",)).select_related("unit__building__estate", "resident").get(pk=case.pk)


def _event(case, kind, actor=None, *, body="", from_step="", to_step="", document_number=""):
    return ArrearsEvent.objects.create(case=case, kind=kind, actor=actor, body=str(body), from_step=from_step, to_step=to_step,
                                       document_number=document_number)


def _require_open(case):
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This arrears case is closed."))


def _require_work(actor, case):
    if not arrears_can_work(actor, case):
        raise PermissionDenied(_("You may not work arrears cases at this estate."))


def _step_label(step):
    return str(Step(step).label) if step in Step.values else step


def _owner_of(unit_id):
    """The unit's owner living there now (an owner before a tenant or family member), or None."""
    owner_first = Case(When(relation=Occupancy.Relation.OWNER, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (Occupancy.objects.filter(unit_id=unit_id, end_date__isnull=True).order_by(owner_first, "id")
            .values_list("resident_id", flat=True).first())


def _money(value, field, *, required=True):
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Enter an amount in yuan.")})
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in yuan.")})
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("10000000"):
        raise ValidationError({field: _("Enter an amount in yuan greater than zero.")})
    return amount


# ---- Opening

@transaction.atomic
def arrears_case_open(*, unit: Unit, actor, cause: str = Cause.UNKNOWN, note: str = "", today=None) -> ArrearsCase:
    """Open a case for a unit that has overdue fees, by hand. Refused if the unit owes nothing
    overdue or already has an open case."""
    estate_id = Building.objects.filter(pk=unit.building_id).values_list("estate_id", flat=True).get()
    if not arrears_can_open(actor, estate_id):
        raise PermissionDenied(_("You may not open arrears cases at this estate."))
    if cause not in Cause.values:
        raise ValidationError({"cause": _("Choose a cause from the list.")})
    note = _text(note, "note", required=False)
    today = today or timezone.localdate()
    Unit.objects.select_for_update().filter(pk=unit.pk).get()  # serialise two openings for one unit
    account = unit_account(unit.pk, today)
    if account["arrears"] <= 0:
        raise ValidationError(_("This unit has no overdue fees."))
    if ArrearsCase.objects.filter(unit=unit, status=CaseStatus.OPEN).exists():
        raise ValidationError(_("This unit already has an open arrears case."), code="case_open")
    rung = first_rung(cause, arrears_ladders())
    try:
        with transaction.atomic():
            case = ArrearsCase.objects.create(
                estate_id=estate_id, unit=unit, resident_id=_owner_of(unit.pk), cause=cause, step=rung.step,
                step_due_on=today + timedelta(days=rung.due_days), assignee=actor, amount_at_open=account["arrears"],
                months_at_open=account["months_overdue"], opened_at=timezone.now(), opened_by=actor,
            )
    except IntegrityError:
        raise ValidationError(_("This unit already has an open arrears case."), code="case_open")
    _event(case, Kind.OPENED, actor, body=note or _("Opened by hand: %(amount)s yuan overdue over %(months)d month(s).")
           % {"amount": account["arrears"], "months": account["months_overdue"]}, to_step=rung.step)
    return case


def _thresholds():
    default = ArrearsPolicy.objects.filter(estate__isnull=True).values_list("min_amount", "min_months").first()
    return default or (Decimal(ArrearsPolicy.DEFAULT_MIN_AMOUNT), ArrearsPolicy.DEFAULT_MIN_MONTHS)


def arrears_cases_open_due(today=None, now=None) -> int:
    """Periodic: open a case for every unit whose overdue fees reach its estate's threshold
    (ArrearsPolicy: an amount or a number of months) and that has no open case. Set-based: one
    INSERT … SELECT over the ledger's aggregate, and one INSERT … SELECT of their timeline entries.
    Idempotent, also when two passes run at once: the partial unique index on open cases makes the
    second insert of a unit a no-op (ON CONFLICT DO NOTHING). A unit paying by an approved
    instalment plan (an instalment unpaid, none missed) is left alone. Returns the number of
    cases opened."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    min_amount, min_months = _thresholds()
    rung = first_rung(Cause.UNKNOWN, arrears_ladders())
    t = {
        "case": ArrearsCase._meta.db_table, "event": ArrearsEvent._meta.db_table, "entry": FeeLedgerEntry._meta.db_table,
        "unit": Unit._meta.db_table, "building": Building._meta.db_table, "policy": ArrearsPolicy._meta.db_table,
        "occupancy": Occupancy._meta.db_table, "relief": ReliefRequest._meta.db_table, "instalment": Instalment._meta.db_table,
    }
    insert_cases = f"""
        INSERT INTO {t['case']} (estate_id, unit_id, resident_id, cause, step, step_due_on, status, amount_at_open,
                                 months_at_open, opened_at, outcome, outcome_note)
        SELECT b.estate_id, a.unit_id,
               (SELECT o.resident_id FROM {t['occupancy']} o WHERE o.unit_id = a.unit_id AND o.end_date IS NULL
                ORDER BY CASE WHEN o.relation = 'owner' THEN 0 ELSE 1 END, o.id LIMIT 1),
               %s, %s, %s, %s, a.amount, a.months, %s, '', ''
        FROM (SELECT e.unit_id, SUM(e.billed - e.paid) AS amount, COUNT(*) AS months
              FROM {t['entry']} e WHERE e.due_date < %s AND e.billed > e.paid GROUP BY e.unit_id) a
        JOIN {t['unit']} u ON u.id = a.unit_id
        JOIN {t['building']} b ON b.id = u.building_id
        LEFT JOIN {t['policy']} p ON p.estate_id = b.estate_id
        WHERE (a.amount >= COALESCE(p.min_amount, CAST(%s AS NUMERIC)) OR a.months >= COALESCE(p.min_months, %s))
          AND NOT EXISTS (SELECT 1 FROM {t['case']} c WHERE c.unit_id = a.unit_id AND c.status = %s)
          AND NOT EXISTS (SELECT 1 FROM {t['relief']} r WHERE r.unit_id = a.unit_id AND r.status = 'approved' AND r.kind = 'instalment'
                          AND EXISTS (SELECT 1 FROM {t['instalment']} i WHERE i.request_id = r.id AND i.paid_on IS NULL)
                          AND NOT EXISTS (SELECT 1 FROM {t['instalment']} i WHERE i.request_id = r.id AND i.missed_at IS NOT NULL))
        ON CONFLICT DO NOTHING
    """
    insert_events = f"""
        INSERT INTO {t['event']} (case_id, kind, from_step, to_step, body, document_number, created_at)
        SELECT c.id, %s, '', c.step, %s, '', %s FROM {t['case']} c
        WHERE c.opened_at = %s AND c.opened_by_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM {t['event']} ev WHERE ev.case_id = c.id AND ev.kind = %s)
    """
    body = str(gettext_lazy("Opened by the periodic pass: the unit's overdue fees reached the threshold."))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One big statement a day: compiling it to machine code (JIT) costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        params = [Cause.UNKNOWN, rung.step, today + timedelta(days=rung.due_days), CaseStatus.OPEN, now, today, min_amount, min_months,
                  CaseStatus.OPEN]
        if connection.vendor == "postgresql":
            # One statement: the timeline entries of exactly the cases inserted (RETURNING), not a
            # search of every case the pass ever opened (23 s for 30,000 cases, against 0.3 s).
            cursor.execute(f"""
                WITH opened AS ({insert_cases} RETURNING id, step)
                INSERT INTO {t['event']} (case_id, kind, from_step, to_step, body, document_number, created_at)
                SELECT id, %s, '', step, %s, '', %s FROM opened""", [*params, Kind.OPENED, body, now])
            return max(cursor.rowcount, 0)
        cursor.execute(insert_cases, params)
        opened = cursor.rowcount
        if opened:
            cursor.execute(insert_events, [Kind.OPENED, body, now, now, Kind.OPENED])
    return max(opened, 0)


# ---- Working a case

@transaction.atomic
def arrears_case_assign(case, *, assignee, actor) -> ArrearsCase:
    case = _locked(case)
    _require_work(actor, case)
    _require_open(case)
    if assignee is not None and not arrears_can_work(assignee, case):
        raise ValidationError({"assignee": _("This person does not work arrears cases at this estate.")})
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    _event(case, Kind.ASSIGNED, actor, body=assignee.get_full_name() or assignee.username if assignee else _("Unassigned"))
    return case


@transaction.atomic
def arrears_contact_log(case, *, actor, kind: str, outcome: str, date=None, cause: str | None = None,
                        promise_date=None, promise_amount=None, today=None) -> ArrearsAction:
    """Record a contact with the owner (a call, a visit, help given …) with its outcome and any
    promise to pay. Recording a cause for the first time, or a different one, puts the case on
    the first step of that cause's ladder."""
    case = _locked(case)
    _require_work(actor, case)
    _require_open(case)
    today = today or timezone.localdate()
    date = date or today
    if kind not in CONTACT_KINDS:
        raise ValidationError({"kind": _("Choose what was done from the list.")})
    outcome = _text(outcome, "outcome")
    if date > today:
        raise ValidationError({"date": _("A contact cannot be dated in the future.")})
    if (promise_date is None) != (promise_amount in (None, "")):
        raise ValidationError({"promise_date": _("A promise to pay needs both a date and an amount.")})
    account = unit_account(case.unit_id, today)
    amount = None
    if promise_date is not None:
        amount = _money(promise_amount, "promise_amount")
        if promise_date < date:
            raise ValidationError({"promise_date": _("The promised date is before the contact.")})
        if amount > account["balance"]:
            raise ValidationError({"promise_amount": _("The promised amount is more than the unit owes (%(owed)s yuan).") % {"owed": account["balance"]}})
    action = ArrearsAction.objects.create(
        case=case, kind=kind, date=date, actor=actor, outcome=outcome, promise_date=promise_date, promise_amount=amount,
        arrears_at_promise=account["balance"] if promise_date else None,
    )
    body = f"{_step_label(kind)}: {outcome}"
    if promise_date:
        body += " " + _("Promised %(amount)s yuan by %(date)s.") % {"amount": amount, "date": promise_date.isoformat()}
    _event(case, Kind.CONTACT, actor, body=body)
    if cause is not None and cause != case.cause:
        if cause not in Cause.values or cause == Cause.UNKNOWN:
            raise ValidationError({"cause": _("Choose a cause from the list.")})
        rung = first_rung(cause, arrears_ladders())
        _event(case, Kind.CAUSE, actor, body=Cause(cause).label, from_step=case.step, to_step=rung.step)
        case.cause, case.step, case.step_due_on = cause, rung.step, today + timedelta(days=rung.due_days)
        case.save(update_fields=["cause", "step", "step_due_on"])
    return action


def _move(case, step, actor, today, body=""):
    from_step = case.step
    case.step = step
    case.step_due_on = today + timedelta(days=due_days_for(case.cause, step, arrears_ladders()))
    case.save(update_fields=["step", "step_due_on"])
    _event(case, Kind.STEP, actor, body=body, from_step=from_step, to_step=step)


@transaction.atomic
def arrears_step_advance(case, *, actor, to_step: str | None = None, note: str = "", today=None):
    """Move the case to the ladder's recommended next step, or to another step with a note saying
    why. A lawyer letter or legal action is not taken here but asked for: the request (with its
    reason, the note) waits for an estate manager (arrears_approval_decide). Returns the case, or
    the ArrearsApproval when one was asked for."""
    case = _locked(case)
    _require_work(actor, case)
    _require_open(case)
    today = today or timezone.localdate()
    recommended = recommended_next(case.cause, case.step, arrears_ladders())
    target = to_step or (recommended.step if recommended else None)
    if target is None:
        raise ValidationError(_("This is the last step of the ladder; choose a step, with a note, or close the case."))
    if target not in Step.values:
        raise ValidationError({"to_step": _("Choose a step from the list.")})
    if target == case.step:
        raise ValidationError({"to_step": _("The case is on this step already.")})
    deviating = recommended is None or target != recommended.step
    note = _text(note, "note", required=deviating or needs_approval(target))
    if needs_approval(target):
        if ArrearsApproval.objects.filter(case=case, decided_at__isnull=True).exists():
            raise ValidationError(_("An approval for this case is already waiting."))
        approval = ArrearsApproval.objects.create(case=case, step=target, reason=note, requested_by=actor, requested_at=timezone.now())
        _event(case, Kind.APPROVAL_REQUESTED, actor, body=f"{_step_label(target)}: {note}", from_step=case.step, to_step=target)
        managers_arrears_notify(case, topic="arrears.approval_requested", key=f"approval:{approval.pk}",
                                message=lambda: _("%(step)s for arrears case %(number)s is waiting for your approval.")
                                % {"step": _step_label(target), "number": case.pk})
        return approval
    body = note if not deviating else _("Instead of the recommended step: %(note)s") % {"note": note}
    _move(case, target, actor, today, body)
    return case


@transaction.atomic
def arrears_approval_decide(approval, *, actor, approve: bool, reason: str, today=None) -> ArrearsApproval:
    """An estate manager approves or declines a lawyer letter or legal action, with a reason. On
    approval the case moves to that step."""
    approval = ArrearsApproval.objects.select_for_update().select_related("case").get(pk=approval.pk)
    if not arrears_can_approve(actor, approval):
        raise PermissionDenied(_("Only an estate manager other than the one who asked may decide this."))
    if approval.decided_at is not None:
        raise ValidationError(_("This request has been decided already."))
    reason = _text(reason, "reason")
    case = _locked(approval.case)
    _require_open(case)
    approval.approved, approval.decided_by, approval.decided_at, approval.decision_reason = bool(approve), actor, timezone.now(), reason
    approval.save(update_fields=["approved", "decided_by", "decided_at", "decision_reason"])
    kind = Kind.APPROVED if approve else Kind.DECLINED
    _event(case, kind, actor, body=f"{_step_label(approval.step)}: {reason}", from_step=case.step, to_step=approval.step if approve else "")
    if approve:
        _move(case, approval.step, actor, today or timezone.localdate(), reason)
    staff_arrears_notify(case, [approval.requested_by, case.assignee] if case.assignee_id != approval.requested_by_id else [approval.requested_by],
                         topic="arrears.approval_decided", key=f"approval:{approval.pk}:decided",
                         message=lambda: (_("The %(step)s for arrears case %(number)s was approved.") if approve
                                          else _("The %(step)s for arrears case %(number)s was declined."))
                         % {"step": _step_label(approval.step), "number": case.pk})
    return approval


@transaction.atomic
def arrears_complaint_link(case, *, complaint: Complaint, actor) -> ArrearsCase:
    """Tie the complaint behind a grievance to the case (same unit's estate)."""
    case = _locked(case)
    _require_work(actor, case)
    _require_open(case)
    if complaint.estate_id != case.estate_id:
        raise ValidationError({"complaint": _("That complaint belongs to another estate.")})
    case.complaint = complaint
    case.save(update_fields=["complaint"])
    _event(case, Kind.LINKED, actor, body=complaint.number)
    return case


def _close(case, outcome, actor, note):
    case.status, case.closed_at, case.outcome, case.outcome_note = CaseStatus.CLOSED, timezone.now(), outcome, note
    case.save(update_fields=["status", "closed_at", "outcome", "outcome_note"])
    ArrearsApproval.objects.filter(case=case, decided_at__isnull=True).delete()
    _event(case, Kind.CLOSED, actor, body=f"{Outcome(outcome).label}" + (f": {note}" if note else ""), from_step=case.step)


@transaction.atomic
def arrears_case_close(case, *, actor, outcome: str, note: str) -> ArrearsCase:
    """Close a case by hand (an instalment plan agreed, relief granted, written off …), with a note.
    Paid cases close themselves (arrears_cleared_receive)."""
    case = _locked(case)
    _require_work(actor, case)
    _require_open(case)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome from the list.")})
    _close(case, outcome, actor, _text(note, "note"))
    return case


def arrears_cleared_receive(sender, unit_ids, actor=None, source="", **kwargs):
    """owners.signals.arrears_cleared: the units paid up, so their open cases close as paid, in the
    paying transaction."""
    for case in ArrearsCase.objects.select_for_update().filter(unit_id__in=unit_ids, status=CaseStatus.OPEN):
        _close(case, Outcome.PAID, actor, str(_("The overdue fees were paid.")))


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
    approved plans past due and unpaid are broken promises too (arrears_instalments)."""
    from .arrears_instalments import instalments_missed_sweep

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


# ---- The lawyer letter

@transaction.atomic
def arrears_letter_issue(case, *, actor, today=None, issuer: str | None = None) -> tuple[ArrearsEvent, bytes]:
    """Print the lawyer letter of a case whose lawyer-letter step was approved, and record it on
    the timeline with its number. Returns the event and the PDF."""
    case = _locked(case)
    _require_work(actor, case)
    _require_open(case)
    if case.step != Step.LAWYER_LETTER or not ArrearsApproval.objects.filter(case=case, step=Step.LAWYER_LETTER, approved=True).exists():
        raise ValidationError(_("A lawyer letter can be printed only once an estate manager has approved it."))
    today = today or timezone.localdate()
    issued = ArrearsEvent.objects.filter(case=case, kind=Kind.LETTER).count()
    number = f"LL-{case.pk:06d}-{issued + 1}"
    event = _event(case, Kind.LETTER, actor, body=_("Lawyer letter %(number)s printed.") % {"number": number}, document_number=number)
    return event, arrears_letter_pdf(case, number=number, issued_on=today, issuer=issuer)


def arrears_letter_pdf(case, *, number, issued_on, issuer=None) -> bytes:
    """The lawyer letter's PDF (through core/documents.py): the owner, the unit, every overdue
    month and the total, a deadline of 15 days."""
    issuer = issuer or str(settings.COMPANY_NAME)
    entries = list(FeeLedgerEntry.objects.filter(unit_id=case.unit_id, due_date__lt=issued_on, billed__gt=F("paid"))
                   .order_by("period").values_list("period", "billed", "paid", "due_date"))
    total = sum((b - p for _period, b, p, _due in entries), Decimal("0"))
    unit = Unit.objects.select_related("building__estate").get(pk=case.unit_id)
    owner = case.resident.name if case.resident_id else _("Owner")
    deadline = issued_on + timedelta(days=15)
    return render_pdf(
        title=_("Lawyer letter on overdue property service fees"),
        number=number, issued_on=issued_on, issuer=issuer,
        blocks=[
            Paragraph(_("To %(owner)s, owner of %(estate)s %(unit)s:") % {"owner": owner, "estate": unit.building.estate.name, "unit": unit.label}),
            Paragraph(_("According to the property service contract, the service fees below are overdue. Despite our reminders, "
                        "calls and visits they remain unpaid. Please pay the total by %(deadline)s, or contact the management "
                        "office to agree a plan. Otherwise we will take legal action to recover the fees.") % {"deadline": deadline.isoformat()}),
            Heading(_("Overdue fees")),
            Table(header=(_("Month"), _("Billed"), _("Paid"), _("Due date")),
                  rows=[(p.strftime("%Y-%m"), f"{b:.2f}", f"{pd:.2f}", d.isoformat()) for p, b, pd, d in entries],
                  total=(_("Total overdue"), "", "", f"{total:.2f}")),
            KeyValues([(_("Management office"), issuer), (_("Pay by"), deadline.isoformat())]),
            Signature(_("Issued by (seal)"), issuer),
        ],
    )


def arrears_statement_pdf(unit_id, *, resident_name: str, today: datetime.date, issuer: str | None = None) -> bytes:
    """A statement of account for one unit (every month billed, paid and owed), for the owner's
    portal and for the 'statement of account' step of a disputed amount."""
    issuer = issuer or str(settings.COMPANY_NAME)
    unit = Unit.objects.select_related("building__estate").get(pk=unit_id)
    rows = list(FeeLedgerEntry.objects.filter(unit_id=unit_id).order_by("period").values_list("period", "billed", "paid", "due_date"))
    account = unit_account(unit_id, today)
    return render_pdf(
        title=_("Statement of account"),
        issued_on=today, issuer=issuer,
        blocks=[
            KeyValues([(_("Owner"), resident_name), (_("Unit"), f"{unit.building.estate.name} {unit.label}")]),
            Table(header=(_("Month"), _("Billed"), _("Paid"), _("Owed"), _("Due date")),
                  rows=[(p.strftime("%Y-%m"), f"{b:.2f}", f"{pd:.2f}", f"{max(b - pd, 0):.2f}", d.isoformat()) for p, b, pd, d in rows],
                  total=(_("Total"), f"{account['billed']:.2f}", f"{account['paid']:.2f}", f"{account['balance']:.2f}", "")),
            KeyValues([(_("Overdue"), f"{account['arrears']:.2f}"), (_("Months overdue"), str(account["months_overdue"]))]),
        ],
    )


# ---- Relief and instalment requests (the owner asks in the portal; staff decide with a reason)

RELIEF_FILES_MAX = 5
RELIEF_PDF_MAX_BYTES = 5 * 1024 * 1024


def _relief_files_clean(files):
    """Supporting files: photos (re-encoded, no EXIF, as complaint photos) or PDFs (checked by
    their first bytes and size). Anything else is refused with its name."""
    from django.core.files.base import ContentFile

    from ..photos import photos_clean

    files = list(files or [])
    if len(files) > RELIEF_FILES_MAX:
        raise ValidationError({"files": _("At most %(n)d files.") % {"n": RELIEF_FILES_MAX}})
    cleaned, photos = [], []
    for upload in files:
        head = upload.read(5)
        upload.seek(0)
        if head == b"%PDF-":
            if upload.size > RELIEF_PDF_MAX_BYTES:
                raise ValidationError({"files": _("%(name)s is larger than %(mb)d MB.") % {"name": upload.name, "mb": RELIEF_PDF_MAX_BYTES // (1024 * 1024)}})
            cleaned.append((ContentFile(upload.read()), "application/pdf", upload.name[:100], "pdf"))
        else:
            photos.append(upload)
    for upload, photo in zip(photos, photos_clean(photos), strict=True):
        cleaned.append((photo.content, photo.content_type, upload.name[:100], photo.content_type.split("/")[-1]))
    return cleaned


@transaction.atomic
def relief_request_submit(*, user, unit: Unit, kind: str, reason: str, instalments=None, files=()):
    """An owner applies for relief or an instalment plan for a unit they live in, with a reason
    and supporting files. One pending request per unit."""
    from owners.selectors import resident_homes

    from ..models import ReliefRequest, ReliefRequestFile
    from ..permissions import resident_of

    resident = resident_of(user)
    if resident is None or not resident_homes(resident).filter(unit_id=unit.pk).exists():
        raise PermissionDenied(_("You can apply only for a home of your own."))
    if kind not in ReliefRequest.Kind.values:
        raise ValidationError({"kind": _("Choose relief or an instalment plan.")})
    reason = _text(reason, "reason")
    if kind == ReliefRequest.Kind.INSTALMENT:
        try:
            instalments = int(instalments)
        except (TypeError, ValueError):
            raise ValidationError({"instalments": _("Say in how many instalments (2 to 24) you would like to pay.")})
        if not 2 <= instalments <= 24:
            raise ValidationError({"instalments": _("Say in how many instalments (2 to 24) you would like to pay.")})
    else:
        instalments = None
    cleaned = _relief_files_clean(files)
    estate_id = Building.objects.filter(pk=unit.building_id).values_list("estate_id", flat=True).get()
    if ReliefRequest.objects.filter(unit=unit, status=ReliefRequest.Status.PENDING).exists():
        raise ValidationError(_("A request for this home is already waiting for a decision."))
    case = ArrearsCase.objects.filter(unit=unit, status=CaseStatus.OPEN).first()
    try:
        with transaction.atomic():
            request = ReliefRequest.objects.create(estate_id=estate_id, unit=unit, resident=resident, case=case, kind=kind, reason=reason,
                                                   instalments=instalments)
    except IntegrityError:
        raise ValidationError(_("A request for this home is already waiting for a decision."))
    for content, content_type, name, ext in cleaned:
        item = ReliefRequestFile(request=request, name=name, content_type=content_type, size=content.size)
        item.file.save(f"file.{ext}", content, save=False)
        item.save()
    if case is not None:
        _event(case, Kind.RELIEF, None, body=f"{ReliefRequest.Kind(kind).label}: {reason}")
        staff_arrears_notify(case, [case.assignee] if case.assignee_id else [], topic="arrears.relief_requested", key=f"relief:{request.pk}",
                             message=lambda: _("The owner applied for %(kind)s.") % {"kind": ReliefRequest.Kind(kind).label})
    return request


@transaction.atomic
def relief_request_decide(request, *, actor, approve: bool, reason: str, today=None):
    """Staff approve or decline a relief or instalment request with a reason the owner sees. An
    approved instalment plan gets its instalments (equal monthly shares of the balance); an
    approval closes the unit's open case with that outcome."""
    from ..models import ReliefRequest
    from ..permissions import relief_can_decide

    request = ReliefRequest.objects.select_for_update().select_related("resident").get(pk=request.pk)
    if not relief_can_decide(actor, request):
        raise PermissionDenied(_("You may not decide relief requests at this estate."))
    if request.status != ReliefRequest.Status.PENDING:
        raise ValidationError(_("This request has been decided already."))
    reason = _text(reason, "reason")
    today = today or timezone.localdate()
    request.status = ReliefRequest.Status.APPROVED if approve else ReliefRequest.Status.DECLINED
    request.decided_by, request.decided_at, request.decision_reason = actor, timezone.now(), reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    balance = unit_account(request.unit_id, today)["balance"]
    if approve and request.kind == ReliefRequest.Kind.INSTALMENT and balance > 0:
        from .arrears_instalments import instalment_plan_create

        instalment_plan_create(request, balance, today)
    case = ArrearsCase.objects.select_for_update(of=("self",)).filter(unit_id=request.unit_id, status=CaseStatus.OPEN).first()
    if case is not None:
        label = ReliefRequest.Kind(request.kind).label
        _event(case, Kind.RELIEF, actor, body=(_("%(kind)s approved: %(reason)s") if approve else _("%(kind)s declined: %(reason)s"))
               % {"kind": label, "reason": reason})
        if approve:
            outcome = Outcome.INSTALMENT if request.kind == ReliefRequest.Kind.INSTALMENT else Outcome.RELIEF
            _close(case, outcome, actor, reason)
    from .arrears_notify import owner_relief_decided

    owner_relief_decided(request, approved=bool(approve))
    return request
