"""Fill the ledger entries' new estate and building from their unit: one set-based UPDATE … FROM
(2.4M entries in about a minute on PostgreSQL), not a loop over rows. Kept apart from the index
and NOT NULL changes (0009): on PostgreSQL a data change and a schema change on one table in one
migration fails with "pending trigger events"."""

from django.db import migrations

POSTGRES = """
UPDATE owners_feeledgerentry e SET building_id = u.building_id, estate_id = b.estate_id
FROM owners_unit u JOIN owners_building b ON b.id = u.building_id
WHERE u.id = e.unit_id AND (e.estate_id IS NULL OR e.building_id IS NULL)
"""

# SQLite before 3.33 has no UPDATE … FROM; correlated subqueries say the same.
PORTABLE = """
UPDATE owners_feeledgerentry SET
  building_id = (SELECT u.building_id FROM owners_unit u WHERE u.id = owners_feeledgerentry.unit_id),
  estate_id = (SELECT b.estate_id FROM owners_unit u JOIN owners_building b ON b.id = u.building_id
               WHERE u.id = owners_feeledgerentry.unit_id)
WHERE estate_id IS NULL OR building_id IS NULL
"""


def backfill(apps, schema_editor):
    sql = POSTGRES if schema_editor.connection.vendor == "postgresql" else PORTABLE
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("owners", "0007_fee_entry_estate_and_collections"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
