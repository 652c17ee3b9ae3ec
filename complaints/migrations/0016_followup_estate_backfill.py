"""Every existing follow-up takes its ticket's estate. A migration of its own: PostgreSQL refuses
to build the foreign key's index (0015) in a transaction whose updated rows still have their
deferred foreign-key checks pending."""

from django.db import migrations


def backfill(apps, schema_editor):
    """Every existing follow-up takes its ticket's estate (one UPDATE per estate)."""
    FollowUp = apps.get_model("complaints", "FollowUp")
    Complaint = apps.get_model("complaints", "Complaint")
    for estate_id in Complaint.objects.filter(follow_up__isnull=False).values_list("estate_id", flat=True).distinct():
        FollowUp.objects.filter(complaint__estate_id=estate_id).update(estate_id=estate_id)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0015_followup_estate")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
