from django.db import models


class NumberCounter(models.Model):
    """The last number handed out per series and year (IN-2026-0001, ZM-2026-0001)."""

    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="incident_number_counter_unique")]
