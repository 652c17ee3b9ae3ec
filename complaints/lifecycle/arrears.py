"""The arrears ladder, declared once. Services enforce it; pages, API and admin ask it.

A case is on one step at a time. Each cause has a recommended ladder of steps (configurable in
the admin as ArrearsLadderStep rows; DEFAULT_LADDERS are seeded and used when a cause has no
rows). The case page shows the recommended next step and its due date; staff may take another
step instead, with a note saying why. A lawyer letter or legal action needs an estate manager's
approval first (NEEDS_APPROVAL; the predicate is complaints.permissions.arrears_can_approve).
"""

from dataclasses import dataclass

from ..models.arrears import Cause, Step

DEFAULT_LADDERS: dict[str, list[tuple[str, int]]] = {
    # Until the cause is known: find out why (a reminder, then a call, then a visit).
    Cause.UNKNOWN: [(Step.REMINDER, 7), (Step.PHONE_CALL, 7), (Step.HOME_VISIT, 14)],
    Cause.HARDSHIP_ILLNESS: [(Step.PHONE_CALL, 7), (Step.HOME_VISIT, 14), (Step.HELP, 14), (Step.RELIEF_PLAN, 30)],
    Cause.HARDSHIP_JOB_LOSS: [(Step.PHONE_CALL, 7), (Step.HOME_VISIT, 14), (Step.HELP, 14), (Step.RELIEF_PLAN, 30)],
    Cause.GRIEVANCE: [(Step.HOME_VISIT, 7), (Step.LINK_COMPLAINT, 3), (Step.RESOLVE_COMPLAINT, 30), (Step.REMINDER, 14)],
    Cause.NO_REASON: [(Step.REMINDER, 7), (Step.PHONE_CALL, 7), (Step.HOME_VISIT, 14), (Step.LAWYER_LETTER, 30), (Step.LEGAL_ACTION, 90)],
    Cause.DISPUTED: [(Step.STATEMENT, 7), (Step.REVIEW, 14), (Step.CORRECTION, 14)],
    Cause.UNREACHABLE: [(Step.REMINDER, 14), (Step.HOME_VISIT, 30), (Step.LAWYER_LETTER, 30), (Step.LEGAL_ACTION, 90)],
}

# Steps that need an estate manager's approval, with the reason recorded, before a case takes them.
NEEDS_APPROVAL = frozenset({Step.LAWYER_LETTER, Step.LEGAL_ACTION})

# Steps staff log as a contact with the owner (a reminder is sent, not logged: arrears_reminder_send).
CONTACT_KINDS = [s for s in Step.values if s != Step.REMINDER]

DEFAULT_DUE_DAYS = 7


@dataclass(frozen=True)
class Rung:
    step: str
    due_days: int


def ladder(cause: str, configured: dict[str, list[Rung]] | None = None) -> list[Rung]:
    """The cause's ladder: the admin's rows if it has any (pass them in as `configured`, from
    arrears_ladders()), otherwise the default."""
    if configured and configured.get(cause):
        return configured[cause]
    return [Rung(step, days) for step, days in DEFAULT_LADDERS.get(cause, DEFAULT_LADDERS[Cause.UNKNOWN])]


def arrears_ladders() -> dict[str, list[Rung]]:
    """Every configured ladder, one query."""
    from ..models import ArrearsLadderStep

    configured: dict[str, list[Rung]] = {}
    for cause, step, days in ArrearsLadderStep.objects.order_by("cause", "position").values_list("cause", "step", "due_days"):
        configured.setdefault(cause, []).append(Rung(step, days))
    return configured


def first_rung(cause: str, configured=None) -> Rung:
    return ladder(cause, configured)[0]


def recommended_next(cause: str, step: str, configured=None) -> Rung | None:
    """The step the ladder recommends after `step` (the first rung when `step` is not on this
    cause's ladder, as after a change of cause); None at the top of the ladder."""
    rungs = ladder(cause, configured)
    steps = [r.step for r in rungs]
    if step not in steps:
        return rungs[0]
    index = steps.index(step)
    return rungs[index + 1] if index + 1 < len(rungs) else None


def due_days_for(cause: str, step: str, configured=None) -> int:
    for rung in ladder(cause, configured):
        if rung.step == step:
            return rung.due_days
    return DEFAULT_DUE_DAYS


def needs_approval(step: str) -> bool:
    return step in NEEDS_APPROVAL
