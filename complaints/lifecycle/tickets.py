"""The complaint state machine, declared once. Services enforce it; pages, API and admin ask it.

    submitted → acknowledged → in_progress → resolved → closed
    reopened (owner not satisfied, or staff) and rejected (only with a reason) on the side;
    withdrawn (by the owner, while nobody has taken it up yet).

Who may take a move is part of the table: staff take most; the owner accepts a resolution
(`accept`), says the problem is not solved (`reopen`), within the limits of owner_may_reopen, or
takes back a complaint still waiting to be taken up (`withdraw`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Status

# How long after a ticket is closed its owner may still reopen it themselves. A week covers
# "the leak came back with the next rain" and the follow-up call (due a few days after the
# resolution); a problem that returns later is a new complaint, which gets its own SLA.
OWNER_REOPEN_DAYS = 7


def owner_may_reopen(complaint, now) -> bool:
    """The owner may say "not solved" about a resolved ticket, or a closed one within
    OWNER_REOPEN_DAYS of its closing. Never a rejected one: the rejection gives a reason, and an
    owner who disputes it calls the office or submits anew (staff may still reopen it)."""
    if complaint.status == Status.RESOLVED:
        return True
    return (complaint.status == Status.CLOSED and complaint.closed_at is not None
            and now - complaint.closed_at <= timedelta(days=OWNER_REOPEN_DAYS))


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    needs_text: str = ""  # name of the text the action requires ("summary", "reason") or ""
    by_owner: bool = False  # the owner may take it (portal or API), when owner_guard agrees
    by_staff: bool = True  # staff who may work the ticket may take it
    owner_guard: Callable | None = None  # (complaint, now) -> bool: when the owner may take it
    owner_refusal: str = ""  # what the owner is told when the guard says no

    def allows(self, complaint, *, owner: bool, now=None) -> bool:
        """May this move be taken on `complaint` now, by its owner or by staff?"""
        if complaint.status not in self.sources or not (self.by_owner if owner else self.by_staff):
            return False
        return not owner or self.owner_guard is None or self.owner_guard(complaint, now or timezone.now())


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("acknowledge", _("Acknowledge"), frozenset({Status.SUBMITTED, Status.REOPENED}), Status.ACKNOWLEDGED),
        Transition("start", _("Start work"), frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.REOPENED}), Status.IN_PROGRESS),
        Transition("resolve", _("Resolve"), frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}), Status.RESOLVED, needs_text="summary"),
        Transition("close", _("Close"), frozenset({Status.RESOLVED}), Status.CLOSED),
        Transition("reject", _("Reject"), frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}), Status.REJECTED, needs_text="reason"),
        Transition("reopen", _("Reopen"), frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED}), Status.REOPENED,
                   by_owner=True, owner_guard=owner_may_reopen,
                   owner_refusal=_("This complaint can no longer be reopened here. If the problem is back, please "
                                   "submit a new complaint or call the management office.")),
        # The owner is satisfied (a good rating, or "accept" in the app): what staff do with "close".
        Transition("accept", _("Accept the solution"), frozenset({Status.RESOLVED}), Status.CLOSED, by_owner=True, by_staff=False),
        # The owner no longer needs it (solved it themselves, sent it twice). Only before staff have
        # taken it up: after that, work has been planned and the owner tells the office instead.
        Transition("withdraw", _("Withdraw"), frozenset({Status.SUBMITTED}), Status.WITHDRAWN, by_owner=True, by_staff=False,
                   owner_refusal=_("Staff have already taken up this complaint. Please call the management office "
                                   "if you no longer need it.")),
    ]
}

# Statuses in which the first response has happened (acknowledging is the usual first response,
# but starting, resolving or rejecting straight away counts too).
RESPONDED = {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.REJECTED}


def transitions_from(status: str, *, owner: bool = False) -> list[Transition]:
    """The moves a status offers to staff (or owners), before any guard on the ticket itself."""
    return [t for t in TRANSITIONS.values() if status in t.sources and (t.by_owner if owner else t.by_staff)]


def transitions_for(complaint, *, owner: bool = False, now=None) -> list[Transition]:
    """The moves `complaint` allows now, to its owner or to staff: what the service accepts and
    what the pages and the API offer."""
    now = now or timezone.now()
    return [t for t in TRANSITIONS.values() if t.allows(complaint, owner=owner, now=now)]


# What the owner reads on their timeline for each status, in plain words.
OWNER_STATUS_TEXT = {
    Status.SUBMITTED: _("We have received your complaint."),
    Status.ACKNOWLEDGED: _("A member of staff has taken up your complaint."),
    Status.IN_PROGRESS: _("Work on your complaint is under way."),
    Status.RESOLVED: _("We believe the problem is solved. Please tell us whether you are satisfied."),
    Status.CLOSED: _("This complaint is closed."),
    Status.REOPENED: _("Your complaint has been reopened and will be looked at again."),
    Status.REJECTED: _("We cannot take this complaint forward. The reason is given below."),
    Status.WITHDRAWN: _("The complaint was withdrawn at the owner's request."),
}
