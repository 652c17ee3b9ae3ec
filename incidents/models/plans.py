"""Emergency plans (应急预案) with their ordered steps, drills against them, and the
first-statement deadline per level."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .incidents import Kind, Level
from .team import TeamRole


class EmergencyPlan(models.Model):
    """The plan for one incident type: company-wide, or an estate's own version of it."""

    kind = models.CharField(_("incident type"), max_length=16, choices=Kind.choices)
    estate = models.ForeignKey("owners.Estate", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("estate"), help_text=_("Empty for the company-wide plan; an estate's plan overrides it there."))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["kind", "estate_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(estate__isnull=True), name="plan_one_company_wide_per_kind"),
            models.UniqueConstraint(fields=["kind", "estate"], condition=Q(estate__isnull=False), name="plan_one_per_estate_kind"),
        ]

    def __str__(self):
        return self.title


class PlanStep(models.Model):
    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="steps", verbose_name=_("plan"))
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("step"), max_length=200)
    role = models.CharField(_("default role"), max_length=20, choices=TeamRole.choices)
    within = models.DurationField(_("due within"), help_text=_("Counted from the start of the response, e.g. 0:10:00 for 10 minutes."))

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["plan", "sort", "id"]

    def __str__(self):
        return self.title


class Drill(models.Model):
    """An exercise (演练) of a plan, with its findings; follow-ups are ImprovementActions."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="drills", verbose_name=_("plan"))
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    held_on = models.DateField(_("date"))
    scenario = models.TextField(_("scenario"))
    participants = models.TextField(_("participants"))
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "-id"]


class DisclosurePolicy(models.Model):
    """How soon after the response starts the first public statement is due, per level."""

    level = models.CharField(_("level"), max_length=8, choices=Level.choices, unique=True)
    first_statement_within = models.DurationField(_("first statement within"))

    DEFAULTS = {
        Level.RED: timedelta(hours=1),
        Level.ORANGE: timedelta(hours=2),
        Level.YELLOW: timedelta(hours=4),
        Level.BLUE: timedelta(hours=24),
    }

    class Meta:
        verbose_name = _("disclosure deadline")
        verbose_name_plural = _("disclosure deadlines")
        ordering = ["level"]

    def __str__(self):
        return f"{self.get_level_display()}: {self.first_statement_within}"


