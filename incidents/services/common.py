"""What every incident service shares: the row lock, the timeline entry, text checks, numbers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Incident, IncidentEvent, NumberCounter

TEXT_MAX = 5000


def locked(incident) -> Incident:
    """The incident's row, locked for the rest of the transaction: two people acting on one
    incident at once are served one after the other, and the second sees the first's result."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def event(incident, kind, actor=None, *, body="", params=None, from_stage="", to_stage=""):
    return IncidentEvent.objects.create(incident=incident, kind=kind, actor=actor, body=body, params=params or {},
                                        from_stage=from_stage, to_stage=to_stage)


def text(value, field, *, required=True, limit=TEXT_MAX):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This cannot be empty.")})
    if len(value) > limit:
        raise ValidationError({field: _("Please keep it under %(n)d characters.") % {"n": limit}})
    return value


def require(allowed: bool, message=None):
    if not allowed:
        raise PermissionDenied(message or _("You may not do this for this incident."))


def number_next(series: str, now=None) -> str:
    """IN-2026-0001 style numbers, counted per year in the company's zone; the UPDATE takes the
    counter row's lock, so two incidents opened at once get different numbers."""
    year = timezone.localdate(now).year
    with transaction.atomic():
        NumberCounter.objects.get_or_create(series=series, year=year)
        NumberCounter.objects.filter(series=series, year=year).update(last=F("last") + 1)
        last = NumberCounter.objects.filter(series=series, year=year).values_list("last", flat=True).get()
    return f"{series}-{year}-{last:04d}"
