"""The entries' estate and building are never empty now (0008 filled them), and the collection
report's indexes lead with them: (period, estate, building) for a month company-wide, (estate,
period, building) for one estate, and its partial twin over unpaid entries for the arrears owed
from before a period. They replace (period, unit), which made one estate's month read the
company's month and join every unit."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('owners', '0008_fee_entry_estate_backfill'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='feeledgerentry',
            name='fee_entry_period_cover_idx',
        ),
        migrations.AlterField(
            model_name='feeledgerentry',
            name='building',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='owners.building', verbose_name='building'),
        ),
        migrations.AlterField(
            model_name='feeledgerentry',
            name='estate',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='owners.estate', verbose_name='estate'),
        ),
        migrations.AddIndex(
            model_name='feeledgerentry',
            index=models.Index(fields=['period', 'estate', 'building'], include=('billed', 'paid'), name='fee_entry_report_idx'),
        ),
        migrations.AddIndex(
            model_name='feeledgerentry',
            index=models.Index(fields=['estate', 'period', 'building'], include=('billed', 'paid'), name='fee_entry_estate_report_idx'),
        ),
        migrations.AddIndex(
            model_name='feeledgerentry',
            index=models.Index(condition=models.Q(('billed__gt', models.F('paid'))), fields=['estate', 'period', 'building'], include=('billed', 'paid'), name='fee_entry_estate_unpaid_idx'),
        ),
    ]
