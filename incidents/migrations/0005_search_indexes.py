"""Indexes for search that scales and for the early-warning evaluation.

PostgreSQL only: the pg_trgm extension and trigram GIN indexes for substring search (LIKE and
ILIKE '%…%', three characters or more) over complaint descriptions and numbers — on
UPPER(col::text), the expression Django's icontains compares, so the queue's search uses them
as written — and over incidents (title, description) and media mentions (excerpt).

Every database: plain indexes on the creation times the evaluation reads its windows by (new
complaints, owners' messages, reopenings, SLA breaches, mentions), so one pass over the last
hours reads those rows and no more. They live here, not in complaints or communications,
because only the early warning reads them; table names come from the models.
"""

from django.db import migrations

TRGM = [
    ("complaints", "Complaint", "description", "ew_complaint_desc_trgm"),
    ("complaints", "Complaint", "number", "ew_complaint_number_trgm"),
    ("incidents", "Incident", "title", "ew_incident_title_trgm"),
    ("incidents", "Incident", "description", "ew_incident_desc_trgm"),
    ("communications", "MediaMention", "excerpt", "ew_mention_excerpt_trgm"),
]

WINDOWS = [
    ("complaints", "Complaint", "ew_complaint_created_idx", "created_at", ""),
    ("complaints", "ComplaintEvent", "ew_event_owner_message_idx", "created_at", "kind = 'owner_message'"),
    ("complaints", "ComplaintEvent", "ew_event_reopened_idx", "created_at", "to_status = 'reopened'"),
    ("complaints", "SlaAlert", "ew_sla_alert_created_idx", "created_at", ""),
    ("communications", "MediaMention", "ew_mention_created_idx", "created_at", ""),
]


def _table(apps, app, model):
    return apps.get_model(app, model)._meta.db_table


def install(apps, schema_editor):
    qn = schema_editor.quote_name
    run = schema_editor.execute
    for app, model, name, column, where in WINDOWS:
        run(f"CREATE INDEX IF NOT EXISTS {qn(name)} ON {qn(_table(apps, app, model))} ({qn(column)})"
            + (f" WHERE {where}" if where else ""))
    if schema_editor.connection.vendor != "postgresql":
        return
    run("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for app, model, column, name in TRGM:
        run(f"CREATE INDEX IF NOT EXISTS {qn(name)} ON {qn(_table(apps, app, model))} "
            f"USING gin (UPPER({qn(column)}::text) gin_trgm_ops)")


def remove(apps, schema_editor):
    qn = schema_editor.quote_name
    names = [w[2] for w in WINDOWS] + ([t[3] for t in TRGM] if schema_editor.connection.vendor == "postgresql" else [])
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {qn(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0004_warning_rules_and_schedule"),
        ("complaints", "0013_canned_replies"),
        ("communications", "0016_staff_inbox"),
    ]
    operations = [migrations.RunPython(install, remove)]
