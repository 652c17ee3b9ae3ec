from celery import shared_task

from .services import sla_sweep
from .services.notify import follow_ups_overdue_inbox


@shared_task
def complaints_sla_sweep():
    """Periodic: warn before SLA deadlines and escalate breaches, once per ticket and deadline;
    overdue follow-up visits go to their assignee's inbox (once per visit and due time)."""
    counts = sla_sweep()
    follow_ups_overdue_inbox()
    return counts
