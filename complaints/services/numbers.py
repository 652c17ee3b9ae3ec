"""Human-readable ticket numbers: TS-20261122-0042, counted per day in the company's zone."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone


def complaint_number_next(now=None) -> str:
    from ..models.numbers import DailyCounter

    day = timezone.localdate(now)
    with transaction.atomic():
        DailyCounter.objects.get_or_create(day=day, kind="complaint")
        DailyCounter.objects.filter(day=day, kind="complaint").update(last=F("last") + 1)
        last = DailyCounter.objects.filter(day=day, kind="complaint").values_list("last", flat=True).get()
    return f"TS-{day:%Y%m%d}-{last:04d}"
