"""Indexes that let one early-warning pass read the database's indexes, not its tables.

- ew_complaint_created_cover_idx replaces ew_complaint_created_idx: creation time carrying the
  id, estate, building and category, so the complaint-spike rule counts the window and the
  places' history by index-only scans (at 1M complaints the two history queries read 300,000
  rows of the table, 2.3 s).
- ew_complaint_open_owner_idx: open complaints by owner with their creation time, so the
  repeat-owner rule finds owners with several unresolved ones by one grouped index-only scan
  whose cost follows the open tickets (it took 7.9 s at 1M as a join of the open tickets).

On PostgreSQL the extra columns are INCLUDEd; elsewhere (SQLite) they are index columns.
"""

from django.db import migrations

OPEN = "('submitted', 'acknowledged', 'in_progress', 'reopened')"  # complaints OPEN_STATUSES, frozen here


def _table(apps):
    return apps.get_model("complaints", "Complaint")._meta.db_table


def install(apps, schema_editor):
    qn, run = schema_editor.quote_name, schema_editor.execute
    table = qn(_table(apps))
    pg = schema_editor.connection.vendor == "postgresql"
    cover = "(created_at) INCLUDE (id, estate_id, building_id, category_id)" if pg else "(created_at, id, estate_id, building_id, category_id)"
    run(f"CREATE INDEX IF NOT EXISTS {qn('ew_complaint_created_cover_idx')} ON {table} {cover}")
    run(f"DROP INDEX IF EXISTS {qn('ew_complaint_created_idx')}")
    run(f"CREATE INDEX IF NOT EXISTS {qn('ew_complaint_open_owner_idx')} ON {table} (resident_id, created_at) WHERE status IN {OPEN}")


def remove(apps, schema_editor):
    qn, run = schema_editor.quote_name, schema_editor.execute
    run(f"CREATE INDEX IF NOT EXISTS {qn('ew_complaint_created_idx')} ON {qn(_table(apps))} (created_at)")
    run(f"DROP INDEX IF EXISTS {qn('ew_complaint_created_cover_idx')}")
    run(f"DROP INDEX IF EXISTS {qn('ew_complaint_open_owner_idx')}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_warning_signal_params_backfill")]
    operations = [migrations.RunPython(install, remove)]
