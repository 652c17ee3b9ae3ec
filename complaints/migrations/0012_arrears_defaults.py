"""Seed the arrears ladders and the company's default threshold, and schedule the arrears passes
(editable in the admin: ladders and thresholds under complaints, schedules under Periodic tasks)."""

from django.db import migrations

# A copy of complaints.lifecycle.arrears.DEFAULT_LADDERS as it stood (migrations never import app code).
LADDERS = {
    "unknown": [("reminder", 7), ("phone_call", 7), ("home_visit", 14)],
    "hardship_illness": [("phone_call", 7), ("home_visit", 14), ("help", 14), ("relief_plan", 30)],
    "hardship_job_loss": [("phone_call", 7), ("home_visit", 14), ("help", 14), ("relief_plan", 30)],
    "grievance": [("home_visit", 7), ("link_complaint", 3), ("resolve_complaint", 30), ("reminder", 14)],
    "no_reason": [("reminder", 7), ("phone_call", 7), ("home_visit", 14), ("lawyer_letter", 30), ("legal_action", 90)],
    "disputed": [("statement", 7), ("review", 14), ("correction", 14)],
    "unreachable": [("reminder", 14), ("home_visit", 30), ("lawyer_letter", 30), ("legal_action", 90)],
}
TASKS = {
    "Arrears: open cases over the threshold": ("complaints.arrears_cases_open_due", "crontab"),
    "Arrears: broken promises": ("complaints.arrears_promises_sweep", "hourly"),
    "Arrears: reminders": ("complaints.arrears_reminders_send", "hourly"),
}


def install(apps, schema_editor):
    Step = apps.get_model("complaints", "ArrearsLadderStep")
    Policy = apps.get_model("complaints", "ArrearsPolicy")
    for cause, rungs in LADDERS.items():
        for position, (step, days) in enumerate(rungs, start=1):
            Step.objects.get_or_create(cause=cause, position=position, defaults={"step": step, "due_days": days})
    if not Policy.objects.filter(estate__isnull=True).exists():
        Policy.objects.create(estate=None, min_amount=1000, min_months=3)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    # Every morning at 06:30, before office hours.
    morning, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="6", day_of_week="*", day_of_month="*", month_of_year="*",
                                                        defaults={"timezone": "Asia/Shanghai"})
    for name, (task, kind) in TASKS.items():
        schedule = {"crontab": morning} if kind == "crontab" else {"interval": hourly}
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, **schedule})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[t for t, _ in TASKS.values()]).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0011_arrears"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(install, remove)]
