import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintEvent(models.Model):
    """One entry on a ticket's timeline. `public` entries are what the owner sees."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        TRANSITION = "transition", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        TRIAGED = "triaged", _("Category or priority changed")
        REPLY = "reply", _("Reply to owner")
        NOTE = "note", _("Internal note")
        VISIT = "visit", _("On-site visit")
        OWNER_MESSAGE = "owner_message", _("Message from owner")
        RATED = "rated", _("Rated")
        LINKED = "linked", _("Linked")
        FOLLOW_UP = "follow_up", _("Follow-up")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA breached")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    public = models.BooleanField(_("shown to owner"), default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    body = models.TextField(_("text"), blank=True)
    # The facts behind a line the system writes (a role, a rating, a deadline …), worded in the
    # reader's language when shown (complaints.events); `body` is then only what a person typed.
    # NULL on rows written before, whose body holds the whole line.
    params = models.JSONField(_("details"), null=True, blank=True, default=None)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["complaint", "created_at"], name="complaint_event_idx"),
            # The satisfaction chart's reopen rate: the few tickets ever reopened, out of millions of entries.
            models.Index(fields=["complaint"], name="complaint_event_reopened_idx", condition=models.Q(to_status="reopened")),
        ]

    @property
    def text(self) -> str:
        """What the entry says, in the language of whoever reads it (see complaints.events)."""
        from ..events import event_text

        return event_text(self)


def _photo_path(instance, filename):
    return f"complaints/{instance.complaint_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class ComplaintPhoto(models.Model):
    """A re-encoded photo (no EXIF). Served only through a view that checks who is asking."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(ComplaintEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    image = models.FileField(upload_to=_photo_path)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    public = models.BooleanField(default=True, help_text=_("Photos from internal visit notes are not shown to the owner."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]


class FollowUp(models.Model):
    """The follow-up call or visit (回访) after a ticket is resolved."""

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        UNSATISFIED = "unsatisfied", _("Not satisfied")
        UNREACHABLE = "unreachable", _("Could not reach the owner")

    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.CASCADE, related_name="follow_up")
    # The ticket's estate, kept here so "overdue follow-ups of my estates" reads one index instead of
    # checking every estate's overdue follow-ups against their tickets (157 ms at 1M tickets).
    estate = models.ForeignKey("owners.Estate", null=True, on_delete=models.CASCADE, related_name="+", editable=False)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups", verbose_name=_("assigned to"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["due_at"], name="followup_open_due_idx", condition=models.Q(done_at__isnull=True)),
                   models.Index(fields=["estate", "due_at"], name="followup_estate_open_due_idx",
                                condition=models.Q(done_at__isnull=True))]


class SlaAlert(models.Model):
    """Proof that a warning or escalation went out; unique, so it goes out once per deadline."""

    class Kind(models.TextChoices):
        RESPONSE_WARNING = "response_warning", _("First response due soon")
        RESPONSE_BREACH = "response_breach", _("First response overdue")
        RESOLUTION_WARNING = "resolution_warning", _("Resolution due soon")
        RESOLUTION_BREACH = "resolution_breach", _("Resolution overdue")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="sla_alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "kind", "due_at"], name="sla_alert_once_per_deadline")]
