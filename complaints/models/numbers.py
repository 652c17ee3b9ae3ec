from django.db import models


class DailyCounter(models.Model):
    """Per-day sequence for human-readable numbers. The UPDATE … SET last = last + 1 takes a row
    lock, so two submissions at the same instant get different numbers."""

    day = models.DateField()
    kind = models.CharField(max_length=16)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "kind"], name="daily_counter_unique")]
