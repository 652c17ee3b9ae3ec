"""Instalment plans: made when staff approve an owner's request, filled by payments, swept for
instalments missed.

- A plan pays off the months billed up to its approval (ReliefRequest.plan_covers_to). What has
  been paid of those months since approval — their paid amounts now, less what was paid of them
  at approval (plan_paid_before) — fills the instalments in order, oldest first; a partial payment
  stays on its instalment and the rest carries to the next. Counting from the ledger rather than
  from each payment makes a re-imported file, a correction downward or two payments at once come
  out right: the instalments always say what the ledger says.
- It is kept up to date by owners.signals.fees_collected (a staff payment or an import that
  changed a paid amount), in the paying transaction.
- An instalment past its due date and not fully paid is a broken promise (arrears_promises_sweep
  calls instalments_missed_sweep): recorded once per instalment, it moves the unit's open case on,
  or opens a case again — the plan closed the case it came from — and tells the assignee.
"""

import datetime
import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import FeeLedgerEntry

from ...lifecycle.arrears import arrears_ladders, first_rung, recommended_next
from ...models import ArrearsAction, ArrearsAlert, ArrearsCase, Instalment, ReliefRequest
from ...models.arrears import CaseStatus, Cause, Step

ZERO = Decimal("0.00")
log = logging.getLogger("lighthouse.arrears")


def instalment_plan_create(request: ReliefRequest, balance: Decimal, today: datetime.date) -> list[Instalment]:
    """Split `balance` into the request's number of monthly instalments (equal shares, the last
    one taking the rounding), each due on the 15th of the following months, and record what the
    plan covers (the months billed so far) and what was paid of them now."""
    covered = FeeLedgerEntry.objects.filter(unit_id=request.unit_id)
    request.plan_covers_to = covered.order_by("-period").values_list("period", flat=True).first() or today.replace(day=1)
    request.plan_paid_before = covered.filter(period__lte=request.plan_covers_to).aggregate(s=Sum("paid"))["s"] or ZERO
    request.save(update_fields=["plan_covers_to", "plan_paid_before"])
    n = request.instalments or 1
    share = (balance / n).quantize(Decimal("0.01"))
    rows, month = [], today.replace(day=1)
    for number in range(1, n + 1):
        month = (month + timedelta(days=32)).replace(day=1)
        amount = share if number < n else balance - share * (n - 1)
        rows.append(Instalment(request=request, number=number, due_date=month + timedelta(days=14), amount=amount))
    return Instalment.objects.bulk_create(rows)


def _plans_of(unit_ids):
    return ReliefRequest.objects.filter(unit_id__in=unit_ids, kind=ReliefRequest.Kind.INSTALMENT, status=ReliefRequest.Status.APPROVED,
                                        plan_covers_to__isnull=False)


def instalments_mark_paid(unit_ids, *, collected_on: datetime.date) -> int:
    """Bring the instalments of the units' approved plans in line with the ledger: each plan's
    money paid since approval fills its instalments in order, a partial payment carried. An
    instalment that becomes fully paid is dated `collected_on`; one a correction makes unpaid
    again loses its date. Returns how many instalments changed."""
    changed = []
    with transaction.atomic():
        plans = list(_plans_of(unit_ids).select_for_update().order_by("pk"))
        for plan in plans:
            paid_now = (FeeLedgerEntry.objects.filter(unit_id=plan.unit_id, period__lte=plan.plan_covers_to)
                        .aggregate(s=Sum("paid"))["s"] or ZERO)
            left = max(Decimal(paid_now) - plan.plan_paid_before, ZERO)
            for instalment in plan.plan.order_by("number"):
                paid = min(left, instalment.amount)
                left -= paid
                paid_on = instalment.paid_on if paid >= instalment.amount else None
                if paid >= instalment.amount and paid_on is None:
                    paid_on = collected_on
                if (paid, paid_on) != (instalment.paid, instalment.paid_on):
                    instalment.paid, instalment.paid_on = paid, paid_on
                    changed.append(instalment)
        Instalment.objects.bulk_update(changed, ["paid", "paid_on"])
    return len(changed)


def fees_collected_receive(sender, unit_ids, collected_on, **kwargs):
    """owners.signals.fees_collected: a payment or an import changed what the units paid."""
    instalments_mark_paid(unit_ids, collected_on=collected_on)


def instalments_missed_sweep(today=None, now=None) -> int:
    """Periodic (with the broken-promise sweep): every instalment of an approved plan past its due
    date and not fully paid is a broken promise, recorded once (missed_at, set by a conditional
    UPDATE, so two sweeps at once record it once). The unit's open case moves to its next step —
    or, as the plan closed the case it came from, a case is opened again at the step after the
    plan on that cause's ladder — and the assignee (else the estate managers) is told.
    Returns the number of instalments recorded as missed."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    missed = 0
    due = (Instalment.objects.filter(due_date__lt=today, paid_on__isnull=True, missed_at__isnull=True,
                                     request__status=ReliefRequest.Status.APPROVED, request__kind=ReliefRequest.Kind.INSTALMENT)
           .select_related("request__case").order_by("due_date", "pk"))
    for instalment in due.iterator(chunk_size=200):
        try:
            missed += _instalment_missed_once(instalment, today, now)
        except Exception:  # e.g. the morning pass opened the unit's case meanwhile: rolled back, the next sweep retries
            log.exception("Missed instalment %s could not be recorded; the next sweep tries again", instalment.pk)
    return missed


def _instalment_missed_once(instalment, today, now) -> int:
    from .reminders import _promise_broken_move  # the one way a broken promise moves a case and alerts

    with transaction.atomic():
        if not Instalment.objects.filter(pk=instalment.pk, missed_at__isnull=True).update(missed_at=now):
            return 0  # another sweep recorded it
        request = instalment.request
        text = _("Instalment %(number)d of the plan (%(amount)s yuan due %(date)s) was not paid; %(paid)s yuan of it arrived.") % {
            "number": instalment.number, "amount": instalment.amount, "date": instalment.due_date.isoformat(), "paid": instalment.paid}
        case = ArrearsCase.objects.select_for_update(of=("self",)).filter(unit_id=request.unit_id, status=CaseStatus.OPEN).first()
        reopened = case is None
        if reopened:
            case = _case_reopen(request, text, today, now)
        # The instalment is kept on the case as a promise to pay, broken: the desk's broken promises
        # list it beside the others, and the promise sweep, finding its alert, leaves it alone.
        promise = ArrearsAction.objects.create(
            case=case, kind=Step.RELIEF_PLAN, date=today, outcome=text, promise_date=instalment.due_date, promise_amount=instalment.amount,
            arrears_at_promise=instalment.amount - instalment.paid)
        ArrearsAlert.objects.create(action=promise)
        _promise_broken_move(case, text, key=f"instalment:{instalment.pk}", today=today, move=not reopened)
    return 1


def _case_reopen(request, text, today, now) -> ArrearsCase:
    """Open the unit's case again after a missed instalment: the cause of the case the plan came
    from, at the step after the relief plan on its ladder, with the same assignee."""
    from owners.selectors import unit_account

    from .common import Kind, _event, _owner_of

    before = request.case
    cause = before.cause if before is not None else Cause.UNKNOWN
    ladders = arrears_ladders()
    rung = recommended_next(cause, Step.RELIEF_PLAN, ladders) or first_rung(cause, ladders)
    account = unit_account(request.unit_id, today)
    case = ArrearsCase.objects.create(
        estate_id=request.estate_id, unit_id=request.unit_id, resident_id=_owner_of(request.unit_id), cause=cause, step=rung.step,
        step_due_on=today, assignee_id=before.assignee_id if before is not None else None, amount_at_open=account["arrears"],
        months_at_open=account["months_overdue"], opened_at=now,
    )
    _event(case, Kind.OPENED, None, body=_("Opened again: the instalment plan was not kept. %(text)s") % {"text": text}, to_step=rung.step)
    return case
