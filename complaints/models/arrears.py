"""Fee-arrears cases (欠费催缴): the work of collecting a unit's overdue service fees.

The ledger and the arrears figures live in owners (owners.models.ledger, owners.selectors); a
case here is the relationship work around them: why the owner does not pay (the cause), which
step of the cause's ladder the case is on (complaints/lifecycle/arrears.py), every contact and
promise, approvals for a lawyer letter or legal action, and the owner's relief requests.
State changes only through complaints.services.arrears.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}


class Cause(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet known")
    HARDSHIP_ILLNESS = "hardship_illness", _("Hardship — illness")
    HARDSHIP_JOB_LOSS = "hardship_job_loss", _("Hardship — job loss")
    GRIEVANCE = "grievance", _("Grievance with the management office")
    DISPUTED = "disputed", _("Disputed amount")
    NO_REASON = "no_reason", _("No stated reason")
    UNREACHABLE = "unreachable", _("Unreachable or absent owner")


class Step(models.TextChoices):
    REMINDER = "reminder", _("Reminder notice")
    PHONE_CALL = "phone_call", _("Phone call")
    HOME_VISIT = "home_visit", _("Home visit")
    HELP = "help", _("Help (employment information, residents' committee referral)")
    RELIEF_PLAN = "relief_plan", _("Relief or instalment plan")
    LINK_COMPLAINT = "link_complaint", _("Link or open the complaint behind it")
    RESOLVE_COMPLAINT = "resolve_complaint", _("Resolve the complaint")
    STATEMENT = "statement", _("Statement of account")
    REVIEW = "review", _("Review of the amount")
    CORRECTION = "correction", _("Correction or confirmation")
    LAWYER_LETTER = "lawyer_letter", _("Lawyer letter")
    LEGAL_ACTION = "legal_action", _("Legal action")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    PAID = "paid", _("Paid in full")
    INSTALMENT = "instalment", _("Instalment plan agreed")
    RELIEF = "relief", _("Relief granted")
    CORRECTED = "corrected", _("Amount corrected")
    WRITTEN_OFF = "written_off", _("Written off")
    LEGAL = "legal", _("Handed to the courts")
    OTHER = "other", _("Other")


class ArrearsPolicy(models.Model):
    """When a case is opened by the periodic pass: the unit owes at least `min_amount` overdue, or
    has at least `min_months` months overdue. One row without an estate is the company default;
    an estate's own row overrides it."""

    estate = models.OneToOneField("owners.Estate", null=True, blank=True, on_delete=models.CASCADE, related_name="arrears_policy", verbose_name=_("estate"),
                                  help_text=_("Leave empty for the company default."))
    min_amount = models.DecimalField(_("open a case from (yuan overdue)"), default=1000, **MONEY)
    min_months = models.PositiveSmallIntegerField(_("or from (months overdue)"), default=3)

    DEFAULT_MIN_AMOUNT = 1000
    DEFAULT_MIN_MONTHS = 3

    class Meta:
        verbose_name = _("arrears threshold")
        verbose_name_plural = _("arrears thresholds")
        constraints = [
            models.UniqueConstraint(fields=["estate"], condition=Q(estate__isnull=True), name="arrears_policy_one_company_default"),
        ]

    def __str__(self):
        return str(self.estate or _("Company default"))


class ArrearsLadderStep(models.Model):
    """One rung of a cause's recommended ladder: the step, and how many days staff have for it.
    Editable in the admin; the defaults (lifecycle.arrears.DEFAULT_LADDERS) are seeded."""

    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    position = models.PositiveSmallIntegerField(_("order"))
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    due_days = models.PositiveSmallIntegerField(_("days allowed"), default=7)

    class Meta:
        verbose_name = _("arrears ladder step")
        verbose_name_plural = _("arrears ladder steps")
        ordering = ["cause", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cause", "position"], name="arrears_ladder_one_step_per_position"),
            models.UniqueConstraint(fields=["cause", "step"], name="arrears_ladder_step_once_per_cause"),
        ]

    def __str__(self):
        return f"{self.get_cause_display()} {self.position}. {self.get_step_display()}"


class ArrearsCase(models.Model):
    """One unit's arrears case. At most one open case per unit (a partial unique constraint, which
    also makes the periodic opening pass idempotent)."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="arrears_cases", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="arrears_cases", verbose_name=_("unit"))
    resident = models.ForeignKey("owners.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="arrears_cases", verbose_name=_("owner"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, default=Cause.UNKNOWN)
    step = models.CharField(_("current step"), max_length=20, choices=Step.choices)
    step_due_on = models.DateField(_("next action due"))
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="arrears_cases", verbose_name=_("assigned to"))
    complaint = models.ForeignKey("complaints.Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="arrears_cases", verbose_name=_("complaint behind it"))
    amount_at_open = models.DecimalField(_("overdue when opened (yuan)"), **MONEY)
    months_at_open = models.PositiveSmallIntegerField(_("months overdue when opened"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("opened by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)

    class Meta:
        verbose_name = _("arrears case")
        verbose_name_plural = _("arrears cases")
        ordering = ["step_due_on", "id"]
        permissions = [("approve_arrears_legal", _("Can approve lawyer letters and legal action"))]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(status="open"), name="arrears_one_open_case_per_unit"),
        ]
        indexes = [
            models.Index(fields=["estate", "step_due_on"], name="arrears_open_due_idx", condition=Q(status="open")),
            models.Index(fields=["assignee", "step_due_on"], name="arrears_open_assignee_idx", condition=Q(status="open")),
        ]

    def __str__(self):
        return f"#{self.pk} {self.unit_id}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class ArrearsAction(models.Model):
    """A step taken on a case: a call, a visit, a reminder sent … with its outcome and any promise
    to pay (date and amount). `arrears_at_promise` is what the unit owed overdue when it promised,
    so the sweep can tell whether the promise was kept whatever way the money arrived."""

    case = models.ForeignKey(ArrearsCase, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=20, choices=Step.choices)
    date = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    outcome = models.TextField(_("outcome"))
    promise_date = models.DateField(_("promised to pay by"), null=True, blank=True)
    promise_amount = models.DecimalField(_("promised amount (yuan)"), null=True, blank=True, **MONEY)
    arrears_at_promise = models.DecimalField(null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("arrears action")
        verbose_name_plural = _("arrears actions")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["promise_date"], name="arrears_promise_idx", condition=Q(promise_date__isnull=False))]
        constraints = [
            models.CheckConstraint(condition=Q(promise_date__isnull=True, promise_amount__isnull=True) | Q(promise_date__isnull=False, promise_amount__gt=0),
                                   name="arrears_promise_has_date_and_amount"),
        ]


class ArrearsApproval(models.Model):
    """A request to go to a lawyer letter or legal action, and an estate manager's decision."""

    case = models.ForeignKey(ArrearsCase, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"))
    approved = models.BooleanField(_("approved"), null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("arrears approval")
        verbose_name_plural = _("arrears approvals")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(decided_at__isnull=True), name="arrears_one_pending_approval")]


class ArrearsEvent(models.Model):
    """One entry on a case's timeline, written in the same transaction as the change."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        CAUSE = "cause", _("Cause recorded")
        CONTACT = "contact", _("Contact logged")
        STEP = "step", _("Moved to a step")
        APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        LETTER = "letter", _("Letter issued")
        REMINDER = "reminder", _("Reminder sent")
        PROMISE_BROKEN = "promise_broken", _("Promise broken")
        ASSIGNED = "assigned", _("Assigned")
        LINKED = "linked", _("Complaint linked")
        RELIEF = "relief", _("Relief request")
        CLOSED = "closed", _("Case closed")

    case = models.ForeignKey(ArrearsCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    from_step = models.CharField(max_length=20, blank=True)
    to_step = models.CharField(max_length=20, blank=True)
    body = models.TextField(_("text"), blank=True)
    document_number = models.CharField(_("document number"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("arrears timeline entry")
        verbose_name_plural = _("arrears timeline entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="arrears_event_idx")]


class ArrearsAlert(models.Model):
    """Proof that a broken promise was acted on: unique, so the sweep acts once per promise."""

    action = models.OneToOneField(ArrearsAction, on_delete=models.CASCADE, related_name="broken_alert")
    created_at = models.DateTimeField(auto_now_add=True)


class ReliefRequest(models.Model):
    """An owner's application for relief or an instalment plan, with a reason and files; staff
    approve or decline it with a reason the owner sees."""

    class Kind(models.TextChoices):
        RELIEF = "relief", _("Relief (reduction or waiver)")
        INSTALMENT = "instalment", _("Instalment plan")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="relief_requests", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="relief_requests", verbose_name=_("unit"))
    resident = models.ForeignKey("owners.Resident", on_delete=models.PROTECT, related_name="relief_requests", verbose_name=_("owner"))
    case = models.ForeignKey(ArrearsCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="relief_requests", verbose_name=_("arrears case"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    instalments = models.PositiveSmallIntegerField(_("instalments asked for"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, help_text=_("The owner sees this."))
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # An approved instalment plan pays off the months billed up to `plan_covers_to`: what has been
    # paid of them since approval (their paid now less `plan_paid_before`) pays its instalments in order.
    plan_covers_to = models.DateField(_("plan covers the months up to"), null=True, blank=True, editable=False)
    plan_paid_before = models.DecimalField(_("paid of those months at approval (yuan)"), null=True, blank=True, editable=False, **MONEY)

    class Meta:
        verbose_name = _("relief request")
        verbose_name_plural = _("relief requests")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["unit"], condition=Q(status="pending"), name="relief_one_pending_per_unit")]
        indexes = [models.Index(fields=["estate", "created_at"], name="relief_pending_idx", condition=Q(status="pending"))]


def _relief_file_path(instance, filename):
    import uuid

    return f"relief/{instance.request_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1][:8]}"


class ReliefRequestFile(models.Model):
    """A supporting file (a hospital note, a termination letter): a re-encoded photo or a PDF.
    Served only through a view that checks who is asking."""

    request = models.ForeignKey(ReliefRequest, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_relief_file_path)
    name = models.CharField(max_length=100)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Instalment(models.Model):
    """One instalment of an approved plan: how much, by when, and how much of it is paid.

    Written only by complaints.services.arrears.instalments: payments (staff or a ledger import)
    fill the instalments in order, oldest first, a partial payment carried to the next; an
    instalment past its due date and not fully paid is a broken promise, recorded once (`missed_at`)."""

    request = models.ForeignKey(ReliefRequest, on_delete=models.CASCADE, related_name="plan")
    number = models.PositiveSmallIntegerField(_("instalment"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid = models.DecimalField(_("paid (yuan)"), default=0, **MONEY)
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)
    missed_at = models.DateTimeField(_("missed (recorded at)"), null=True, blank=True)

    @property
    def is_paid(self) -> bool:
        return self.paid >= self.amount

    def missed(self, today) -> bool:
        return not self.is_paid and self.due_date < today

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["request_id", "number"]
        constraints = [models.UniqueConstraint(fields=["request", "number"], name="instalment_once_per_number")]
