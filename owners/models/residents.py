from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .channels import PREFERRED_CHANNEL_CHOICES, Channel


class Resident(models.Model):
    """A person who lives in or owns units. May have a portal account (user) once invited."""

    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=11, null=True, blank=True, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=PREFERRED_CHANNEL_CHOICES, default=Channel.SMS
    )
    # Opt-outs; emergency notices are sent regardless.
    allow_sms = models.BooleanField(_("accepts SMS"), default=True)
    allow_email = models.BooleanField(_("accepts e-mail"), default=True)
    allow_push = models.BooleanField(_("accepts app push"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="resident", verbose_name=_("portal account"),
    )
    notes = models.TextField(_("staff notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="resident_name_idx")]
        # Lists show a mobile as 139****0185; roles that ring owners all day see it whole
        # (owners.roles), everyone else opens it with a click that is recorded (MobileReveal).
        permissions = [("view_full_mobile", _("Can see residents' full mobile numbers in lists"))]

    def __str__(self):
        return self.name

    @property
    def has_account(self) -> bool:
        return self.user_id is not None


class Occupancy(models.Model):
    """A resident's tie to a unit, with dates. An open occupancy has no end date."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("Owner")
        TENANT = "tenant", _("Tenant")
        FAMILY = "family", _("Family member")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("resident"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("unit"))
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices, default=Relation.OWNER)
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        ordering = ["unit_id", "relation"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "unit"], condition=Q(end_date__isnull=True), name="occupancy_one_open_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="occupancy_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.resident} – {self.unit} ({self.get_relation_display()})"


class MobileReveal(models.Model):
    """Who opened which resident's full mobile number, and when: one row per click."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("by"))
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="mobile_reveals", verbose_name=_("resident"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mobile number shown")
        verbose_name_plural = _("mobile numbers shown")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["resident", "-created_at"], name="mobile_reveal_resident_idx")]

    def __str__(self):
        return f"{self.user} → {self.resident} {self.created_at:%Y-%m-%d %H:%M}"
