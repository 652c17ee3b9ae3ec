from celery import shared_task

from .services import sla_sweep


@shared_task
def complaints_sla_sweep():
    """Periodic: warn before SLA deadlines and escalate breaches, once per ticket and deadline."""
    return sla_sweep()
