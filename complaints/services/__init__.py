"""Every write to complaints goes through these functions (see ARCHITECTURE.md, "One door")."""

from .sla import sla_due_times, sla_sweep
from .submission import complaint_log_for_owner, complaint_submit, complaint_submit_check
from .tickets import (
    complaint_assign,
    complaint_link,
    complaint_note,
    complaint_owner_message,
    complaint_rate,
    complaint_reply,
    complaint_transition,
    complaint_triage,
    complaint_visit,
    follow_up_record,
)

__all__ = [
    "complaint_assign",
    "complaint_link",
    "complaint_log_for_owner",
    "complaint_note",
    "complaint_owner_message",
    "complaint_rate",
    "complaint_reply",
    "complaint_submit",
    "complaint_submit_check",
    "complaint_transition",
    "complaint_triage",
    "complaint_visit",
    "follow_up_record",
    "sla_due_times",
    "sla_sweep",
]
