"""Early warning (预警信号): the rules the periodic evaluation applies, and the signals it raises.

A signal is raised once per rule, subject and window: the unique constraint below, not a lookup
before the insert, is what keeps re-runs, retries and two beat schedulers from duplicating one.
Its status changes only in incidents.services.early_warning (dismiss, promote).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    SPIKE = "spike", _("Complaint spike")
    WORDS = "words", _("Escalation words")
    MEDIA_REACH = "media_reach", _("Negative media mention with wide reach")
    REPEAT_OWNER = "repeat_owner", _("Owner with several unresolved complaints")
    REOPENED = "reopened", _("Complaint reopened repeatedly")
    SLA_PILEUP = "sla_pileup", _("SLA breaches piling up")


class WarningRule(models.Model):
    """One rule's switch and thresholds, edited by company administrators in the admin. Each
    rule reads only the fields that concern it (see `FIELDS`)."""

    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    min_count = models.PositiveIntegerField(
        _("minimum count"), default=5,
        help_text=_("Spike: complaints of one category in one place; owner: unresolved complaints; reopened: "
                    "times reopened; SLA: breaches in one estate."))
    window_hours = models.PositiveIntegerField(_("window (hours)"), default=6,
                                               help_text=_("How far back the rule counts."))
    baseline_days = models.PositiveIntegerField(_("history compared with (days)"), default=90,
                                                help_text=_("Spike: the place's own usual rate is taken over this period."))
    ratio = models.FloatField(_("times the usual rate"), default=3.0,
                              help_text=_("Spike: the count must also be this many times the place's usual count for the window."))
    reach_threshold = models.PositiveIntegerField(_("reach threshold"), default=10000,
                                                  help_text=_("Media: a negative mention reaching at least this many people."))
    keywords = models.TextField(_("escalation words"), blank=True,
                                help_text=_("One word or phrase per line (or separated by commas), matched on segmented Chinese."))
    updated_at = models.DateTimeField(auto_now=True)
    # Escalation words: how far the texts were read by the last evaluation that finished, so the
    # next one reads only the newer texts (and a margin), not the whole window again.
    read_until = models.DateTimeField(null=True, blank=True, editable=False)

    FIELDS = {
        Rule.SPIKE: ("min_count", "window_hours", "baseline_days", "ratio"),
        Rule.WORDS: ("keywords", "window_hours"),
        Rule.MEDIA_REACH: ("reach_threshold", "window_hours"),
        Rule.REPEAT_OWNER: ("min_count",),
        Rule.REOPENED: ("min_count", "window_hours"),
        Rule.SLA_PILEUP: ("min_count", "window_hours"),
    }

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["id"]

    def __str__(self):
        return self.get_rule_display()

    @property
    def keyword_list(self) -> list[str]:
        words = self.keywords.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
        return [w.strip() for w in words if w.strip()]


class WarningSignal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        DISMISSED = "dismissed", _("Dismissed")
        PROMOTED = "promoted", _("Promoted to an incident")

    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices)
    # NULL only for a media mention filed under no estate: then company-wide staff alone see it.
    estate = models.ForeignKey("owners.Estate", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("estate"))
    building = models.ForeignKey("owners.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("building"))
    category = models.ForeignKey("complaints.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("complaint category"))
    # What the signal is about, e.g. "spike:b12:c3", "complaint:981", "resident:77", "estate:4".
    subject_key = models.CharField(max_length=80)
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window to"))
    # What the signal says is worded from `rule` and `params` in the reader's language
    # (incidents.wording.signal_title), like an incident's timeline entry. `title` keeps the
    # sentence in the language the evaluation ran in: shown only for a row without params (one
    # raised before params existed), and read by similar cases as text.
    title = models.CharField(_("summary"), max_length=200)
    params = models.JSONField(default=dict, blank=True)
    # The evidence as links: {"complaints": [ids], "mentions": [ids], "events": [ids],
    # "matches": [{"kind": "complaint", "id": 1, "words": ["媒体"], "text": "…"}], "baseline": 0.4}
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    score = models.FloatField(_("score"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    dismissed_reason = models.TextField(_("reason for dismissal"), blank=True)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="warning_signals",
                                 verbose_name=_("incident"))
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("warning signal")
        verbose_name_plural = _("warning signals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject_key", "window_start"], name="warning_signal_once_per_window"),
            models.CheckConstraint(condition=~Q(status="dismissed") | ~Q(dismissed_reason=""), name="warning_signal_dismissal_has_reason"),
            models.CheckConstraint(condition=~Q(status="promoted") | Q(incident__isnull=False), name="warning_signal_promotion_has_incident"),
        ]
        indexes = [
            models.Index(fields=["estate", "-created_at", "-id"], name="warning_signal_estate_idx"),
            models.Index(fields=["-created_at", "-id"], name="warning_signal_open_idx", condition=Q(status="open")),
        ]

    def __str__(self):
        return f"{self.get_rule_display()}: {self.headline}"

    @property
    def headline(self) -> str:
        """The signal's summary in the active language."""
        from ..wording import signal_title

        return signal_title(self)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
