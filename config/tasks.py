"""Periodic work of the top floor: recounting the company-wide dashboard charts."""

from celery import shared_task

from .reports.charts import charts_warm


@shared_task
def dashboard_charts_recount() -> int:
    """Recount the company-wide charts before their kept figures expire; safe to run twice."""
    return charts_warm()
