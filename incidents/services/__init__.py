"""Every change to an incident goes through one of these doors."""

from .certificates import certificate_issue
from .disclosure import disclosure_sweep, incident_notice_send, incident_publish_statement, incident_statement_draft
from .incidents import (
    incident_complaint_link,
    incident_escalate_from_complaints,
    incident_log,
    incident_open,
    incident_promote_mention,
    incident_transition,
    incident_update,
)
from .plans import plan_copy_for_estate, plan_step_add, plan_step_delete, plan_step_update, plan_update
from .review import drill_record, improvement_add, improvement_done, incident_review_decide, incident_review_save, incident_review_submit
from .tasks_checklist import (
    incident_task_add,
    incident_task_assign,
    incident_task_carry_over,
    incident_task_complete,
    incident_team_assign,
    task_sweep,
)

__all__ = [
    "certificate_issue", "disclosure_sweep", "drill_record", "improvement_add", "improvement_done", "incident_complaint_link",
    "incident_escalate_from_complaints", "incident_log", "incident_notice_send", "incident_open", "incident_promote_mention",
    "incident_publish_statement", "incident_review_decide", "incident_review_save", "incident_review_submit",
    "incident_statement_draft", "incident_task_add", "incident_task_assign", "incident_task_carry_over",
    "incident_task_complete", "incident_team_assign", "incident_transition", "incident_update", "plan_copy_for_estate", "plan_step_add",
    "plan_step_delete", "plan_step_update", "plan_update", "task_sweep",
]
