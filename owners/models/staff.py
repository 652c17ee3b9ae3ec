from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SERVICE = "service", _("Service staff")
    ENGINEER = "engineer", _("Engineer")
    SPOKESPERSON = "spokesperson", _("Spokesperson")
    ESTATE_MANAGER = "estate_manager", _("Estate manager")
    COMPANY_ADMIN = "company_admin", _("Company administrator")


class StaffMembership(models.Model):
    """A staff member's role in one estate, or company-wide when estate is empty."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("staff member")
    )
    estate = models.ForeignKey(
        "owners.Estate", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("estate"), help_text=_("Leave empty for a company-wide role that sees every estate."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("estate assignment")
        verbose_name_plural = _("estate assignments")
        ordering = ["user_id", "estate_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "estate"], name="membership_one_role_per_estate"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(estate__isnull=True), name="membership_one_company_wide_role"
            ),
            models.CheckConstraint(
                condition=~Q(role="company_admin") | Q(estate__isnull=True), name="membership_admin_is_company_wide"
            ),
        ]
        indexes = [models.Index(fields=["estate", "role"], name="membership_estate_role_idx")]

    def __str__(self):
        where = self.estate.name if self.estate_id else _("all estates")
        return f"{self.user} – {self.get_role_display()} @ {where}"
