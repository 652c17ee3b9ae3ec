"""Approved instalment plans from before 0017 get the basis their instalments are paid from: the
months billed up to the month of the decision, and what was paid of them now (so payments from now
on fill the instalments; nothing paid earlier is credited to them). Apart from 0017: a data change
and a schema change on one table in one migration fail on PostgreSQL."""

from django.db import migrations
from django.db.models import Sum


def backfill(apps, schema_editor):
    ReliefRequest = apps.get_model("complaints", "ReliefRequest")
    FeeLedgerEntry = apps.get_model("owners", "FeeLedgerEntry")
    for request in ReliefRequest.objects.filter(status="approved", kind="instalment", plan_covers_to__isnull=True).iterator():
        decided = (request.decided_at or request.created_at).date().replace(day=1)
        paid = FeeLedgerEntry.objects.filter(unit_id=request.unit_id, period__lte=decided).aggregate(s=Sum("paid"))["s"] or 0
        ReliefRequest.objects.filter(pk=request.pk).update(plan_covers_to=decided, plan_paid_before=paid)


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0017_instalments_paid"),
        ("owners", "0009_fee_report_by_estate_indexes"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
