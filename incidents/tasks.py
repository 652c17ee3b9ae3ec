from celery import shared_task

from .services import disclosure_sweep, task_sweep


@shared_task
def incidents_deadline_sweep():
    """Periodic: warn before and escalate after first-statement deadlines; chase overdue tasks
    (assignee, then commander). Once per deadline each, even with two schedulers."""
    return {"disclosure": disclosure_sweep(), "tasks": task_sweep()}


@shared_task
def early_warning_evaluate():
    """Periodic: apply the early-warning rules to recent data; each signal raised (and its duty
    staff told) once per rule, subject and window, even with two schedulers."""
    from .services.early_warning import early_warning_evaluate as evaluate

    return evaluate()
