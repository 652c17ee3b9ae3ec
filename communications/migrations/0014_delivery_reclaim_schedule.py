"""Install the reclaim of dead workers' deliveries in the beat schedule (editable in the admin).

A worker that dies mid-send leaves its rows claimed until the lease (3 gateway timeouts) runs
out; this puts them back in the queue within 15 s after that, even when no send is running.
"""

from django.db import migrations

TASK = "communications.tasks.deliveries_reclaim_expired"


def install(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15_seconds, _ = IntervalSchedule.objects.get_or_create(every=15, period="seconds")
    PeriodicTask.objects.get_or_create(
        name="Re-queue deliveries whose worker died (claim ran out)",
        defaults={"task": TASK, "interval": every_15_seconds, "enabled": True},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0013_history_events"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, remove)]
