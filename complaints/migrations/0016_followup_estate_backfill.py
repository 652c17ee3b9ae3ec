"""Every existing follow-up takes its ticket's estate. A migration of its own: PostgreSQL refuses
to build the foreign key's index (0015) in a transaction whose updated rows still have their
deferred foreign-key checks pending."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    """Every existing follow-up takes its ticket's estate, in one UPDATE."""
    FollowUp = apps.get_model("complaints", "FollowUp")
    Complaint = apps.get_model("complaints", "Complaint")
    FollowUp.objects.filter(estate__isnull=True).update(
        estate_id=Subquery(Complaint.objects.filter(pk=OuterRef("complaint_id")).values("estate_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0015_followup_estate")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
