"""An incident (危机事件) and what hangs off it: linked complaints, mentions and notices, the
review with its improvement actions, and the certificates issued from its record."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FIRE = "fire", _("Fire")
    FLOOD = "flood", _("Flooding / burst pipe")
    GAS = "gas", _("Gas leak")
    LIFT = "lift", _("Lift entrapment")
    FALLING_OBJECT = "falling_object", _("Falling object")
    STRUCTURAL = "structural", _("Structural defect")
    SECURITY = "security", _("Security incident")
    PUBLIC_HEALTH = "public_health", _("Public health")
    MASS_DISPUTE = "mass_dispute", _("Mass dispute / petition")
    MEDIA = "media", _("Media exposure")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    """The Chinese four-colour scale, most severe first."""

    RED = "red", _("Red (level I)")
    ORANGE = "orange", _("Orange (level II)")
    YELLOW = "yellow", _("Yellow (level III)")
    BLUE = "blue", _("Blue (level IV)")


class Stage(models.TextChoices):
    WARNING = "warning", _("Warning")
    RESPONSE = "response", _("Response")
    DISCLOSURE = "disclosure", _("Disclosure")
    REVIEW = "review", _("Review")
    CLOSED = "closed", _("Closed")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_STAGES = (Stage.WARNING, Stage.RESPONSE, Stage.DISCLOSURE, Stage.REVIEW)
# Stages in which the first-statement deadline runs (it starts when the response starts).
DISCLOSURE_CLOCK_STAGES = (Stage.RESPONSE, Stage.DISCLOSURE, Stage.REVIEW)


class Incident(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Opened by staff")
        COMPLAINT = "complaint", _("Escalated from complaints")
        MENTION = "mention", _("Promoted from a media mention")
        SIGNAL = "signal", _("Promoted from an early-warning signal")

    number = models.CharField(_("incident number"), max_length=20, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True,
                                help_text=_("For example “3号楼地下车库 B2”. Shown to owners once a statement is published."))
    buildings = models.ManyToManyField("owners.Building", blank=True, related_name="+", verbose_name=_("affected buildings"))
    units = models.ManyToManyField("owners.Unit", blank=True, related_name="+", verbose_name=_("affected units"))
    owner_guidance = models.TextField(_("what owners should do"), blank=True,
                                      help_text=_("Shown on the owners' incident page, e.g. “请勿使用明火，等待通知”."))
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.WARNING)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    response_at = models.DateTimeField(_("response started"), null=True, blank=True)
    disclosure_due_at = models.DateTimeField(_("first statement due"), null=True, blank=True)
    first_statement_at = models.DateTimeField(_("first statement published"), null=True, blank=True)
    disclosure_at = models.DateTimeField(_("disclosure started"), null=True, blank=True)
    review_at = models.DateTimeField(_("review started"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    dismissed_reason = models.TextField(_("reason for dismissal"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["estate", "-opened_at", "-id"], name="incident_estate_recent_idx"),
            models.Index(fields=["-opened_at", "-id"], name="incident_recent_idx"),
            models.Index(fields=["disclosure_due_at"], name="incident_disclosure_due_idx",
                         condition=Q(first_statement_at__isnull=True, disclosure_due_at__isnull=False)),
            # Similar past cases read the newest closed incidents first and stop at 200 candidates.
            models.Index(fields=["-closed_at", "-id"], name="incident_closed_recent_idx", condition=Q(stage="closed")),
        ]
        permissions = [
            ("approve_incidentreview", "Can approve incident reviews"),
            ("issue_certificate", "Can issue incident certificates"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def time_to_first_statement(self):
        if self.first_statement_at and self.response_at:
            return self.first_statement_at - self.response_at
        return None


class IncidentComplaint(models.Model):
    """A complaint tied to an incident. A complaint belongs to one incident at most, so two
    people escalating the same complaint at once end up with one incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="complaint_links")
    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("linked complaint")
        verbose_name_plural = _("linked complaints")
        ordering = ["linked_at", "id"]


class IncidentMention(models.Model):
    """A media mention promoted to (or filed under) an incident; one incident per mention."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="mention_links")
    mention = models.OneToOneField("communications.MediaMention", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("linked media mention")
        verbose_name_plural = _("linked media mentions")
        ordering = ["linked_at", "id"]


class IncidentAnnouncement(models.Model):
    """A notice sent to owners as part of an incident (its answers become tasks)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="announcement_links")
    announcement = models.OneToOneField("communications.Announcement", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident notice")
        verbose_name_plural = _("incident notices")
        ordering = ["created_at", "id"]


class IncidentReview(models.Model):
    """The post-incident review (复盘): written by the team, approved by an estate manager."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    cause = models.TextField(_("cause"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    went_badly = models.TextField(_("what went badly"), blank=True)
    aftercare = models.TextField(_("aftercare and compensation"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("written by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    return_note = models.TextField(_("returned with note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident review")
        verbose_name_plural = _("incident reviews")


class ImprovementAction(models.Model):
    """An improvement from a review or a drill, with an owner and a due date, tracked to done."""

    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="improvements")
    drill = models.ForeignKey("incidents.Drill", null=True, blank=True, on_delete=models.CASCADE, related_name="improvements")
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    due_on = models.DateField(_("due"))
    updates_plan = models.BooleanField(_("updates the emergency plan"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done_note = models.TextField(_("what was done"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(incident__isnull=False) | Q(drill__isnull=False),
                                              name="improvement_belongs_somewhere")]


class IncidentCertificate(models.Model):
    """An incident certificate (事故证明) issued to a named owner from the incident's record."""

    class Purpose(models.TextChoices):
        INSURANCE = "insurance", _("Insurance claim")
        POLICE = "police", _("Police report")
        OTHER = "other", _("Other")

    number = models.CharField(_("certificate number"), max_length=24, unique=True)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="certificates")
    resident = models.ForeignKey("owners.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued to"))
    unit = models.ForeignKey("owners.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.INSURANCE)
    particulars = models.TextField(_("what happened to the owner"),
                                   help_text=_("For example “停放于3号楼北侧的车辆（沪A12345）被坠落石块砸中，前挡风玻璃破裂”."))
    office_actions = models.TextField(_("what the management office did"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident certificate")
        verbose_name_plural = _("incident certificates")
        ordering = ["-issued_at", "-id"]
