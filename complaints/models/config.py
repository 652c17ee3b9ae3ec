from datetime import timedelta

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .complaints import Priority


class Category(models.Model):
    """A kind of complaint (noise, leak, parking …), managed by managers in the admin."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up after (days)"), default=3, help_text=_("A follow-up call or visit is due this many days after resolution.")
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("offered to owners"), default=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["sort", "id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class SlaPolicy(models.Model):
    """Time to first response and to resolution for one category at one priority."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("category"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    first_response = models.DurationField(_("time to first response"))
    resolution = models.DurationField(_("time to resolution"))

    # Used when a category has no policy for a priority.
    DEFAULTS = {
        Priority.LOW: (timedelta(hours=8), timedelta(days=7)),
        Priority.NORMAL: (timedelta(hours=4), timedelta(days=3)),
        Priority.HIGH: (timedelta(hours=1), timedelta(hours=24)),
        Priority.URGENT: (timedelta(minutes=30), timedelta(hours=8)),
    }

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [models.UniqueConstraint(fields=["category", "priority"], name="sla_one_per_category_priority")]
        ordering = ["category", "priority"]

    def __str__(self):
        return f"{self.category} / {self.get_priority_display()}"
