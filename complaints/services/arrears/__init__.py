"""Fee-arrears cases: every change goes through these functions (one door).

Each function that changes a case locks its row first, checks the ladder
(complaints/lifecycle/arrears.py) and the permissions (complaints/permissions.py), and writes
an ArrearsEvent in the same transaction; notices are recorded in it too and sent after commit
(notify.py). Arrears figures come from the ledger in owners (owners.selectors).

- cases.py: opening (by hand, and the morning pass: one INSERT … SELECT … ON CONFLICT DO NOTHING
  for every unit over its estate's threshold that has none open — twice, or twice at once, opens
  none twice), assigning, contacts and promises, steps and approvals, the complaint behind a
  grievance, closing (also when the balance is paid);
- reminders.py: owners on a reminder step get their reminder outside quiet hours; a promise whose
  date passed without the promised money moves the case on and alerts the assignee, once;
- documents.py: the lawyer letter and the statement of account;
- relief.py: relief and instalment requests from the portal, decided with a reason;
- instalments.py: an approved plan's instalments, filled by payments, a missed one a broken promise.

Periodic passes are scheduled in complaints/arrears_tasks.py.
"""

from .cases import (
    arrears_approval_decide,
    arrears_case_assign,
    arrears_case_close,
    arrears_case_open,
    arrears_cases_open_due,
    arrears_cleared_receive,
    arrears_complaint_link,
    arrears_contact_log,
    arrears_step_advance,
)
from .documents import arrears_letter_issue, arrears_letter_pdf, arrears_statement_pdf
from .relief import RELIEF_FILES_MAX, RELIEF_PDF_MAX_BYTES, relief_request_decide, relief_request_submit
from .reminders import arrears_promises_sweep, arrears_reminder_send, arrears_reminders_send

__all__ = [
    "RELIEF_FILES_MAX", "RELIEF_PDF_MAX_BYTES",
    "arrears_approval_decide", "arrears_case_assign", "arrears_case_close", "arrears_case_open", "arrears_cases_open_due",
    "arrears_cleared_receive", "arrears_complaint_link", "arrears_contact_log", "arrears_letter_issue", "arrears_letter_pdf",
    "arrears_promises_sweep", "arrears_reminder_send", "arrears_reminders_send", "arrears_statement_pdf",
    "arrears_step_advance", "relief_request_decide", "relief_request_submit",
]
