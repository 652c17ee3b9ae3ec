"""The record of exports and report downloads: who took which data out, with which filters."""

from django.db import transaction
from django.utils import timezone

from ..models import ExportRecord


@transaction.atomic
def export_record_start(*, actor, kind: str, format: str, filters: dict | None = None) -> ExportRecord:
    """Record that `actor` starts exporting `kind` (before the first row leaves the server)."""
    return ExportRecord.objects.create(user=actor, kind=kind[:40], format=format[:8], filters=filters or {})


@transaction.atomic
def export_record_finish(record: ExportRecord, *, rows: int) -> None:
    """The export was written whole: how many rows it held, and when it finished."""
    ExportRecord.objects.filter(pk=record.pk).update(row_count=rows, finished_at=timezone.now())
    record.row_count = rows
