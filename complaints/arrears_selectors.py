"""Every read of arrears cases and relief requests, already scoped (the arrears side of
selectors.py, kept apart while that module was being changed by other work).

Arrears are private. Staff see the cases of the estates where their role carries the arrears
view permission; an owner sees only their own unit's account and requests, never a case list and
never another owner's figures. A foreign id is absent from these querysets, so callers answer 404.
"""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from owners.permissions import ALL, estate_ids_with_perm
from owners.selectors import resident_homes

from .models import ArrearsApproval, ArrearsCase, ReliefRequest
from .models.arrears import CaseStatus
from .permissions import ARREARS_APPROVE_PERMISSION, ARREARS_VIEW_PERMISSION, resident_of


def _staff_scoped(user, qs: QuerySet, perm: str = ARREARS_VIEW_PERMISSION) -> QuerySet:
    scope = estate_ids_with_perm(user, perm)
    if scope is ALL:
        return qs
    return qs.filter(estate_id__in=scope) if scope else qs.none()


def arrears_case_list_for(user) -> QuerySet[ArrearsCase]:
    """Cases `user` may see: staff of the estate with the arrears view permission. Owners: none
    (they see their own account through owner_account_units, not the case)."""
    return _staff_scoped(user, ArrearsCase.objects.select_related("estate", "unit__building", "resident", "assignee"))


def arrears_dashboard(user, *, today=None) -> dict:
    """The staff arrears page's numbers, as aggregates: open cases by cause and by step, and how
    many are due, mine, with a broken promise waiting, and approvals waiting for me."""
    today = today or timezone.localdate()
    open_cases = arrears_case_list_for(user).filter(status=CaseStatus.OPEN)
    by_cause = dict(open_cases.order_by().values_list("cause").annotate(n=Count("id")))
    by_step = dict(open_cases.order_by().values_list("step").annotate(n=Count("id")))
    counts = open_cases.aggregate(
        total=Count("id"), due=Count("id", filter=Q(step_due_on__lte=today)),
        mine=Count("id", filter=Q(assignee_id=user.pk)),
    )
    return {"by_cause": by_cause, "by_step": by_step, **counts}


def arrears_actions_due_for(user, *, limit: int = 5, today=None, estate_id: int | None = None) -> dict:
    """Open cases whose next step is due today or earlier (of one estate with `estate_id`): the
    first `limit` (the user's own first, then the longest overdue) and how many there are in all —
    two small queries."""
    today = today or timezone.localdate()
    due = arrears_case_list_for(user).filter(status=CaseStatus.OPEN, step_due_on__lte=today)
    if estate_id is not None:
        due = due.filter(estate_id=estate_id)
    mine_first = Case(When(assignee_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
    cases = list(due.annotate(mine=mine_first).order_by("mine", "step_due_on", "id")[:limit])
    return {"cases": cases, "total": due.count() if len(cases) == limit else len(cases)}


def arrears_broken_promises(user) -> QuerySet[ArrearsCase]:
    """Open cases with a broken promise recorded (the sweep's alert), newest first."""
    return (arrears_case_list_for(user).filter(status=CaseStatus.OPEN, actions__broken_alert__isnull=False)
            .distinct().order_by("-actions__broken_alert__created_at"))


def arrears_approvals_waiting_for(user) -> QuerySet[ArrearsApproval]:
    """Approvals `user` may decide: pending, at estates where they may approve, asked by someone else."""
    qs = ArrearsApproval.objects.filter(decided_at__isnull=True).exclude(requested_by=user).select_related(
        "case__unit__building", "case__estate", "requested_by")
    scope = estate_ids_with_perm(user, ARREARS_APPROVE_PERMISSION)
    if scope is ALL:
        return qs
    return qs.filter(case__estate_id__in=scope) if scope else qs.none()


def relief_request_list_for(user) -> QuerySet[ReliefRequest]:
    """Staff: requests of their arrears estates. An owner: their own requests only."""
    qs = ReliefRequest.objects.select_related("estate", "unit__building", "resident", "decided_by").prefetch_related("files", "plan")
    resident = resident_of(user)
    if resident is not None:
        return qs.filter(resident=resident)
    return _staff_scoped(user, qs)


def owner_account_units(user) -> list:
    """The units an owner lives in now (their open occupancies): whose account they may see."""
    resident = resident_of(user)
    if resident is None:
        return []
    return [occupancy.unit for occupancy in resident_homes(resident)]


def arrears_case_timeline(case):
    return case.events.select_related("actor").order_by("created_at", "id")


def arrears_outcomes(user) -> list[dict]:
    """How each cause's cases ended (the outcome of each strategy): closed cases per cause and
    outcome, as one aggregate."""
    rows = (arrears_case_list_for(user).filter(status=CaseStatus.CLOSED).order_by().values("cause", "outcome")
            .annotate(cases=Count("id")).order_by("cause", "outcome"))
    return list(rows)
