"""The incident's timeline and the alerts its deadlines raise (once each)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentEvent(models.Model):
    """One entry on an incident's timeline. What it says is rendered from `kind` and `params` in
    the reader's language (incidents.timeline), except `body`, which a person wrote."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        TRANSITION = "transition", _("Stage changed")
        UPDATED = "updated", _("Details changed")
        TEAM = "team", _("Crisis team")
        TASK_ADDED = "task_added", _("Task added")
        TASK_DONE = "task_done", _("Task done")
        TASK_CARRIED = "task_carried", _("Task carried over")
        TASK_ASSIGNED = "task_assigned", _("Task assigned")
        TASK_OVERDUE = "task_overdue", _("Task overdue")
        LOG = "log", _("Log entry")
        COMPLAINT_LINKED = "complaint_linked", _("Complaint linked")
        MENTION_LINKED = "mention_linked", _("Media mention linked")
        STATEMENT = "statement", _("Statement published")
        NOTICE = "notice", _("Notice to owners")
        NEED_HELP = "need_help", _("Owner asked for help")
        DISCLOSURE_WARNING = "disclosure_warn", _("First statement due soon")
        DISCLOSURE_OVERDUE = "disclosure_late", _("First statement overdue")
        REVIEW = "review", _("Review")
        IMPROVEMENT = "improvement", _("Improvement action")
        CERTIFICATE = "certificate", _("Certificate issued")

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("by"))
    from_stage = models.CharField(max_length=12, blank=True)
    to_stage = models.CharField(max_length=12, blank=True)
    params = models.JSONField(default=dict, blank=True)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident timeline entry")
        verbose_name_plural = _("incident timeline entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["incident", "-created_at", "-id"], name="incident_event_idx")]


class IncidentAlert(models.Model):
    """Proof that a deadline's warning or escalation went out: unique, so it goes out once even
    with two sweeps running (like complaints.SlaAlert)."""

    class Kind(models.TextChoices):
        DISCLOSURE_WARNING = "disclosure_warning", _("First statement due soon")
        DISCLOSURE_BREACH = "disclosure_breach", _("First statement overdue")
        TASK_OVERDUE = "task_overdue", _("Task overdue (assignee told)")
        TASK_ESCALATED = "task_escalated", _("Task overdue (commander told)")

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    task_id_key = models.PositiveBigIntegerField(default=0)  # the task's id, or 0 for the incident itself
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "kind", "task_id_key", "due_at"],
                                               name="incident_alert_once_per_deadline")]
