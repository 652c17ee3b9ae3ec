"""The owner case desk's state machines, declared once: services enforce them; pages, API and
admin ask them.

- tickets.py: the complaint ticket (submitted → … → closed, reopened, rejected, withdrawn);
- arrears.py: the fee-arrears case's ladder of steps per cause, and which steps need approval.

The ticket machine was the whole of complaints/lifecycle.py before arrears joined it, so its
names stay importable from the package (`from complaints.lifecycle import TRANSITIONS`);
arrears names are imported from `complaints.lifecycle.arrears`.
"""

from .tickets import (
    OWNER_REOPEN_DAYS,
    OWNER_STATUS_TEXT,
    RESPONDED,
    TRANSITIONS,
    Transition,
    owner_may_reopen,
    transitions_for,
    transitions_from,
)

__all__ = [
    "OWNER_REOPEN_DAYS",
    "OWNER_STATUS_TEXT",
    "RESPONDED",
    "TRANSITIONS",
    "Transition",
    "owner_may_reopen",
    "transitions_for",
    "transitions_from",
]
