"""Parameters for the signals raised before they were stored, so their summaries are worded in the
reader's language too. Taken from each row's evidence and window, and from the ticket, owner or
mention it names; a row whose parameters cannot be found (a reopened-ticket signal, whose count
only its title holds; a ticket or mention since removed) keeps params empty and reads as the
title it was stored with."""

from django.db import migrations


def _hours(signal) -> int:
    return max(1, round((signal.window_end - signal.window_start).total_seconds() / 3600))


def backfill(apps, schema_editor):
    WarningSignal = apps.get_model("incidents", "WarningSignal")
    Complaint = apps.get_model("complaints", "Complaint")
    Resident = apps.get_model("owners", "Resident")
    MediaMention = apps.get_model("communications", "MediaMention")
    rows = list(WarningSignal.objects.filter(params={}).exclude(rule="reopened"))
    numbers = dict(Complaint.objects.filter(pk__in={i for s in rows for i in s.evidence.get("complaints", [])[:1]})
                   .values_list("pk", "number"))
    names = dict(Resident.objects.filter(pk__in={s.evidence.get("resident") for s in rows} - {None}).values_list("pk", "name"))
    excerpts = dict(MediaMention.objects.filter(pk__in={i for s in rows for i in s.evidence.get("mentions", [])[:1]})
                    .values_list("pk", "excerpt"))
    for signal in rows:
        e, params = signal.evidence or {}, None
        first_complaint = (e.get("complaints") or [None])[0]
        first_mention = (e.get("mentions") or [None])[0]
        if signal.rule in ("spike", "sla_pileup") and isinstance(e.get("count"), int):
            params = {"count": e["count"], "hours": _hours(signal)}
        elif signal.rule == "words" and e.get("matches"):
            match = e["matches"][0]
            params = {"words": match.get("words", []), "what": match.get("kind", "")}
            if match.get("kind") != "mention":
                params = params | {"number": numbers.get(first_complaint)} if first_complaint in numbers else None
        elif signal.rule == "media_reach" and isinstance(e.get("reach"), int) and first_mention in excerpts:
            params = {"reach": e["reach"], "excerpt": excerpts[first_mention][:60]}
        elif signal.rule == "repeat_owner" and e.get("resident") in names:
            params = {"name": names[e["resident"]], "count": len(e.get("complaints", []))}
        if params:
            signal.params = params
            signal.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_warning_signal_params"),
        ("complaints", "0013_canned_replies"),
        ("owners", "0005_export_record"),
        ("communications", "0016_staff_inbox"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
