"""The complaint state machine, declared once. Services enforce it; pages, API and admin ask it.

    submitted → acknowledged → in_progress → resolved → closed
    reopened (owner not satisfied, or staff) and rejected (only with a reason) on the side.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    needs_text: str = ""  # name of the text the action requires ("summary", "reason") or ""
    by_owner: bool = False  # the owner may take it (from the portal)
    by_staff: bool = True


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("acknowledge", _("Acknowledge"), frozenset({Status.SUBMITTED, Status.REOPENED}), Status.ACKNOWLEDGED),
        Transition("start", _("Start work"), frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.REOPENED}), Status.IN_PROGRESS),
        Transition("resolve", _("Resolve"), frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}), Status.RESOLVED, needs_text="summary"),
        Transition("close", _("Close"), frozenset({Status.RESOLVED}), Status.CLOSED),
        Transition("reject", _("Reject"), frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}), Status.REJECTED, needs_text="reason"),
        Transition("reopen", _("Reopen"), frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED}), Status.REOPENED, by_owner=True),
    ]
}

# Statuses in which the first response has happened (acknowledging is the usual first response,
# but starting, resolving or rejecting straight away counts too).
RESPONDED = {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.REJECTED}


def transitions_from(status: str, *, owner: bool = False) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources and (t.by_owner if owner else t.by_staff)]


# What the owner reads on their timeline for each status, in plain words.
OWNER_STATUS_TEXT = {
    Status.SUBMITTED: _("We have received your complaint."),
    Status.ACKNOWLEDGED: _("A member of staff has taken up your complaint."),
    Status.IN_PROGRESS: _("Work on your complaint is under way."),
    Status.RESOLVED: _("We believe the problem is solved. Please tell us whether you are satisfied."),
    Status.CLOSED: _("This complaint is closed."),
    Status.REOPENED: _("Your complaint has been reopened and will be looked at again."),
    Status.REJECTED: _("We cannot take this complaint forward. The reason is given below."),
}
