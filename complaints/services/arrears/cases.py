"""Opening, working and closing a case: by hand, by the morning pass, and when the balance is paid."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from owners.models import Building, FeeLedgerEntry, Occupancy, Unit
from owners.selectors import unit_account

from ...lifecycle.arrears import CONTACT_KINDS, arrears_ladders, due_days_for, first_rung, needs_approval, recommended_next
from ...models import (
    ArrearsAction,
    ArrearsApproval,
    ArrearsCase,
    ArrearsEvent,
    ArrearsPolicy,
    Complaint,
    Instalment,
    ReliefRequest,
)
from ...models.arrears import CaseStatus, Cause, Outcome, Step
from ...permissions import arrears_can_approve, arrears_can_open, arrears_can_work
from .common import Kind, _event, _locked, _money, _owner_of, _require_open, _require_work, _step_label, _text
from .notify import managers_arrears_notify, staff_arrears_notify

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
