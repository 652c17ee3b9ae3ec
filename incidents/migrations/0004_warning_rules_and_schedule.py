"""Seed the early-warning rules with working defaults (editable in the admin) and run the
evaluation every five minutes."""

from django.db import migrations

TASK = "incidents.tasks.early_warning_evaluate"

KEYWORDS = "\n".join([
    "曝光", "媒体", "记者", "律师", "律师函", "起诉", "法院", "投诉到12345", "12345", "市长热线", "上访", "信访", "联名",
    "维权", "拉横幅", "横幅", "退房", "不交物业费", "拒交物业费", "罢免", "换物业", "微博", "抖音", "报警",
])

RULES = {
    # at least 5 of one category in one building (or estate) in 6 hours, and 3× that place's usual 6 hours
    "spike": {"min_count": 5, "window_hours": 6, "baseline_days": 90, "ratio": 3.0},
    "words": {"window_hours": 24, "keywords": KEYWORDS},
    "media_reach": {"reach_threshold": 10000, "window_hours": 72},
    # an owner with 3 or more open complaints at once
    "repeat_owner": {"min_count": 3},
    # a complaint reopened twice (counted over 30 days)
    "reopened": {"min_count": 2, "window_hours": 720},
    # 5 SLA breaches in one estate within 24 hours
    "sla_pileup": {"min_count": 5, "window_hours": 24},
}


def install(apps, schema_editor):
    WarningRule = apps.get_model("incidents", "WarningRule")
    for rule, values in RULES.items():
        WarningRule.objects.get_or_create(rule=rule, defaults=values)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(name="Early-warning evaluation", defaults={"task": TASK, "interval": every})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()
    apps.get_model("incidents", "WarningRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_warning_signals"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(install, remove)]
