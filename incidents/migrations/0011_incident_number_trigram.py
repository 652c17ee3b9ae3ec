"""A trigram index on incident numbers (PostgreSQL), beside the title's (0005).

The incident list searches `number ILIKE … OR title ILIKE …`. With only the title indexed, the OR
could not be a BitmapOr, so a rare term (part of an incident number) read the whole table: a
sequential scan of 10,000 incidents, 22 ms on a loaded machine, growing with the table. A
common word still walks the list's ordered index (1–3 ms)."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    qn = schema_editor.quote_name
    table = qn(apps.get_model("incidents", "Incident")._meta.db_table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {qn('ew_incident_number_trgm')} ON {table} "
                          f"USING gin (UPPER({qn('number')}::text) gin_trgm_ops)")


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name('ew_incident_number_trgm')}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_search_open_unit_index")]
    operations = [migrations.RunPython(install, remove)]
