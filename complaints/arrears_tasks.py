"""The periodic passes of fee-arrears cases (scheduled by migration 0012_arrears_defaults; editable in
the admin under Periodic tasks). Registered when the app is ready (complaints/apps.py)."""

from celery import shared_task

from .services.arrears import arrears_cases_open_due, arrears_promises_sweep, arrears_reminders_send


@shared_task(name="complaints.arrears_cases_open_due")
def complaints_arrears_cases_open_due():
    """Daily: open a case for every unit over its threshold that has none (idempotent)."""
    return arrears_cases_open_due()


@shared_task(name="complaints.arrears_promises_sweep")
def complaints_arrears_promises_sweep():
    """Hourly: broken promises move their case on and alert the assignee, once per promise."""
    return arrears_promises_sweep()


@shared_task(name="complaints.arrears_reminders_send")
def complaints_arrears_reminders_send():
    """Hourly: reminders for cases on a reminder step, outside quiet hours, once a day per case."""
    return arrears_reminders_send()
