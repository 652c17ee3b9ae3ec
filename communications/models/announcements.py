from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedAudience(models.Model):
    """A named list of residents to write to again and again (e.g. the owners of the garage units)."""

    name = models.CharField(_("name"), max_length=100)
    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="+", verbose_name=_("estate"))
    residents = models.ManyToManyField("owners.Resident", related_name="+", verbose_name=_("residents"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved audience")
        verbose_name_plural = _("saved audiences")
        ordering = ["estate", "name"]

    def __str__(self):
        return f"{self.estate.name} · {self.name}"


class Announcement(models.Model):
    """A notice to many residents. Its status changes only through communications.services."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency")
        OUTAGE = "outage", _("Outage or maintenance")
        SAFETY = "safety", _("Safety")
        FEE = "fee", _("Fees")
        EVENT = "event", _("Event")
        GENERAL = "general", _("General")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    class Audience(models.TextChoices):
        COMPANY = "company", _("Whole company")
        ESTATES = "estates", _("Estates")
        BUILDINGS = "buildings", _("Buildings")
        UNITS = "units", _("Units")
        LIST = "list", _("Saved list")

    URGENT_KINDS = {Kind.EMERGENCY, Kind.SAFETY}
    CHANNELS = ["portal", "sms", "email", "push"]

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), help_text=_("Plain text; line breaks are kept. Shown on the portal and sent by e-mail."))
    sms_text = models.CharField(_("SMS text"), max_length=300, blank=True,
                                help_text=_("Short text for SMS and push. Leave empty to use the title."))
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.ESTATES)
    estates = models.ManyToManyField("owners.Estate", blank=True, related_name="+", verbose_name=_("estates"))
    buildings = models.ManyToManyField("owners.Building", blank=True, related_name="+", verbose_name=_("buildings"))
    units = models.ManyToManyField("owners.Unit", blank=True, related_name="+", verbose_name=_("units"))
    saved_audience = models.ForeignKey(SavedAudience, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("saved list"))
    channels = models.JSONField(_("channels"), default=list)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    ack_required = models.BooleanField(_("acknowledgement required"), default=False)
    # Set by the incidents area when an announcement is part of a crisis: it then needs approval.
    crisis_related = models.BooleanField(_("crisis-related"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="announcement_due_idx")]
        # Approving is not writing: service staff write and send, estate managers approve (communications.permissions).
        permissions = [("approve_announcement", "Can approve announcements")]

    def __str__(self):
        return self.title

    @property
    def urgent(self) -> bool:
        """Emergency and safety notices ignore opt-outs and quiet hours."""
        return self.kind in self.URGENT_KINDS

    @property
    def needs_approval(self) -> bool:
        return self.urgent or self.crisis_related

    @property
    def short_text(self) -> str:
        return self.sms_text or self.title


class Acknowledgement(models.Model):
    """A resident's "received" / "I am safe" / "I need help" for an announcement; once per person."""

    class Answer(models.TextChoices):
        RECEIVED = "received", _("Received")
        SAFE = "safe", _("I am safe")
        NEED_HELP = "need_help", _("I need help")

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="acknowledgements")
    resident = models.ForeignKey("owners.Resident", on_delete=models.CASCADE, related_name="acknowledgements")
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.RECEIVED)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    # "I need help" answers only: the staff member who called the resident marks it handled
    # (communications.services.help_requests.need_help_mark_handled); set once, never cleared.
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("handled by"))
    handled_note = models.CharField(_("what was done"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [models.UniqueConstraint(fields=["announcement", "resident"], name="acknowledgement_once")]
