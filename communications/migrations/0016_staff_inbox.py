import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TASK = "communications.tasks.inbox_overdue_inquiries"


def install(apps, schema_editor):
    """Beat schedule: overdue media inquiries into the inbox every 5 minutes (editable in the admin)."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(name="Overdue media inquiries to the staff inbox",
                                       defaults={"task": TASK, "interval": every_5_minutes})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("communications", "0015_need_help_handled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboxItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("assigned", "Assigned to me"), ("reopened", "Reopened by the owner"), ("low_rated", "Low rating"), ("owner_message", "Owner's message"), ("sla_warning", "Deadline near"), ("sla_breach", "Deadline passed"), ("need_help", "Needs help"), ("approval", "Waiting for my approval"), ("follow_up", "Follow-up overdue"), ("inquiry", "Media inquiry overdue")], max_length=16, verbose_name="kind")),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="title parameters")),
                ("target_url", models.CharField(max_length=300, verbose_name="link")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                ("dedupe_key", models.CharField(max_length=160, unique=True)),
                ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="inbox_items", to=settings.AUTH_USER_MODEL, verbose_name="recipient")),
            ],
            options={
                "verbose_name": "inbox item",
                "verbose_name_plural": "inbox items",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["recipient", "-created_at"], name="inbox_recipient_idx"),
                    models.Index(condition=models.Q(("read_at__isnull", True)), fields=["recipient"], name="inbox_unread_idx"),
                ],
            },
        ),
        migrations.RunPython(install, remove),
    ]
