from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    REJECTED = "rejected", _("Rejected")
    # The owner took it back before anyone had taken it up (lifecycle "withdraw"): not open, no SLA.
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Defined once: the queue, the SLA sweep, the dashboard counts and the partial indexes below all
# mean this list (the order is the indexes' SQL; changing it changes their conditions).
# What the dashboard's charts read of a complaint besides its estate and submission time.
CHART_COLUMNS = ["id", "category", "building", "rating", "first_response_at", "response_due_at", "resolved_at", "resolution_due_at"]
OPEN_STATUSES = [Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED]
# Open and still waiting for a first response: new, or reopened by the owner or staff.
AWAITING_RESPONSE_STATUSES = [Status.SUBMITTED, Status.REOPENED]


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Owner portal")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class Complaint(models.Model):
    """A complaint ticket. Its status changes only through complaints.services (see lifecycle.py)."""

    number = models.CharField(_("ticket number"), max_length=20, unique=True)
    # The estate is stored (not only reached through the unit) because every queue filters by it.
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("estate"))
    building = models.ForeignKey("owners.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("building"))
    unit = models.ForeignKey("owners.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("unit"))
    location = models.CharField(_("where"), max_length=200, blank=True, help_text=_("For common areas: where exactly."))
    resident = models.ForeignKey("owners.Resident", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("owner"))
    category = models.ForeignKey("complaints.Category", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("category"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(_("received via"), max_length=12, choices=Channel.choices, default=Channel.PORTAL)
    description = models.TextField(_("description"))
    # When the owner would like someone to come, in their own words ("weekdays after 18:00"):
    # staff ring to agree the visit, so a free text serves better than a slot picker.
    preferred_visit = models.CharField(_("preferred visit time"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_complaints", verbose_name=_("assigned to"))
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("logged by"))

    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    # The deadline the queue shows and sorts by: first response until there is one, then
    # resolution (see current_due). Kept by the database itself, so no write can forget it, and
    # indexed over open tickets below.
    due_at = models.GeneratedField(
        expression=Case(
            When(Q(first_response_at__isnull=True, status__in=AWAITING_RESPONSE_STATUSES), then=F("response_due_at")),
            default=F("resolution_due_at"),
        ),
        output_field=models.DateTimeField(), db_persist=True, verbose_name=_("due"),
    )
    response_breached = models.BooleanField(_("response SLA breached"), default=False)
    resolution_breached = models.BooleanField(_("resolution SLA breached"), default=False)

    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged to manager"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="complaint_rating_1_to_5"),
            models.CheckConstraint(condition=~Q(status=Status.REJECTED) | ~Q(rejection_reason=""), name="complaint_rejection_has_reason"),
        ]
        indexes = [
            # The staff queue sorts by the deadline shown (due_at, id); each index matches that order.
            # An estate's tickets in one status:
            models.Index(fields=["estate", "status", "due_at", "id"], name="complaint_status_due_idx"),
            # "All open" (the default) in one estate: read straight off the index, no sort.
            models.Index(fields=["estate", "due_at", "id"], name="complaint_open_due_idx",
                         condition=Q(status__in=OPEN_STATUSES)),
            # The same, narrowed to one category (the queue's most used filter).
            models.Index(fields=["estate", "category", "due_at", "id"], name="complaint_open_cat_due_idx",
                         condition=Q(status__in=OPEN_STATUSES)),
            # All open tickets of every estate (company-wide staff).
            models.Index(fields=["due_at", "id"], name="complaint_open_all_due_idx", condition=Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["estate", "due_at", "id"], name="complaint_estate_shown_due_idx"),
            models.Index(fields=["assignee", "status", "resolution_due_at"], name="complaint_assignee_idx"),
            models.Index(fields=["resident", "-created_at"], name="complaint_resident_idx"),
            # The SLA sweeper looks only at open tickets.
            models.Index(fields=["response_due_at"], name="complaint_response_due_idx", condition=Q(first_response_at__isnull=True, status__in=AWAITING_RESPONSE_STATUSES)),
            models.Index(fields=["resolution_due_at"], name="complaint_resolution_due_idx", condition=Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["estate", "-created_at"], name="complaint_estate_created_idx"),
            # The dashboard home's counts (open, overdue, unassigned, flagged, mine): an index-only
            # scan over open tickets, never the table (selectors.complaint_dashboard_counts).
            models.Index(fields=["estate", "due_at"], include=["assignee", "flagged"], name="complaint_open_counts_idx",
                         condition=Q(status__in=OPEN_STATUSES)),
            # The dashboard's charts (config/reports/charts.py) read a period's complaints of an
            # estate: every column they count is here, an index-only scan. (Company-wide, the counts
            # by day and building read incidents' ew_complaint_created_cover_idx; a second covering
            # index on created_at alone did not make the SLA and satisfaction charts faster.)
            models.Index(fields=["estate", "created_at"], include=CHART_COLUMNS, name="complaint_chart_estate_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaiting_response(self) -> bool:
        return self.first_response_at is None and self.status in AWAITING_RESPONSE_STATUSES

    @property
    def current_due(self):
        """The deadline that matters now: first response until there is one, then resolution."""
        return self.response_due_at if self.awaiting_response else self.resolution_due_at

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.current_due < timezone.now()

    @property
    def where(self) -> str:
        if self.unit_id:
            return self.unit.label
        return " ".join(part for part in [self.building.name if self.building_id else "", self.location] if part) or str(_("Common area"))


class ComplaintLink(models.Model):
    """Two complaints that belong together: both sides of a dispute, many reports of one leak."""

    class Kind(models.TextChoices):
        RELATED = "related", _("Related")
        SAME_ISSUE = "same_issue", _("Same issue")
        DISPUTE = "dispute", _("Two sides of a dispute")

    from_complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links_out")
    to_complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RELATED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("complaint link")
        verbose_name_plural = _("complaint links")
        constraints = [
            models.UniqueConstraint(fields=["from_complaint", "to_complaint"], name="complaint_link_unique"),
            # Stored once per pair, smaller id first.
            models.CheckConstraint(condition=Q(from_complaint__lt=models.F("to_complaint")), name="complaint_link_ordered"),
        ]
