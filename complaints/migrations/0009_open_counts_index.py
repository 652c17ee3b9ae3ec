from django.db import migrations, models


class Migration(migrations.Migration):
    """The dashboard home's counts read only this index (an index-only scan of open tickets)."""

    dependencies = [("complaints", "0008_queue_shown_deadline")]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "acknowledged", "in_progress", "reopened"])),
                fields=["estate", "due_at"], include=["assignee", "flagged"], name="complaint_open_counts_idx",
            ),
        ),
    ]
