import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Anyone who signs in. Staff sign in by username or e-mail; residents by mobile or e-mail."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff")
        RESIDENT = "resident", _("Resident")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STAFF)
    # Stored in normal form (see owners.phone.mobile_normalize); unique when present.
    mobile = models.CharField(_("mobile"), max_length=11, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"
            ),
        ]

    @property
    def is_resident(self) -> bool:
        return self.kind == self.Kind.RESIDENT

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.first_name or self.username


def _nonce() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An offer to a resident to create a portal account. The link carries a signed id + nonce."""

    resident = models.ForeignKey(
        "owners.Resident", on_delete=models.CASCADE, related_name="invitations", verbose_name=_("resident")
    )
    nonce = models.CharField(max_length=64, default=_nonce, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # Re-inviting revokes the previous link, so at most one is open per resident.
            models.UniqueConstraint(
                fields=["resident"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_resident",
            ),
        ]

    def __str__(self):
        return f"{self.resident} @ {self.created_at:%Y-%m-%d}"
