from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from owners.models import Channel

from ..failures import failure_reason


class Delivery(models.Model):
    """One message to one person on one channel: the outbox row a worker sends from.

    `dedupe_key` is unique, so recording the same notice twice (a retried request, a second
    worker) cannot produce a second message. The body is rendered when sending, so secrets
    such as activation links never sit in the table.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Portal invitation")
        PASSWORD_RESET = "password_reset", _("Password reset")
        NOTICE = "notice", _("Notice")
        ANNOUNCEMENT = "announcement", _("Announcement")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Claimed by a worker that is calling the gateway now (see services/sending.py).
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    announcement = models.ForeignKey(
        "communications.Announcement", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries",
        verbose_name=_("announcement"),
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # 0 for the announcement itself; 1, 2 … for each "chase those who have not acknowledged".
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    address = models.CharField(_("address"), max_length=255, help_text=_("Mobile number or e-mail address."))
    resident = models.ForeignKey(
        "owners.Resident", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries",
        verbose_name=_("resident"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries",
        verbose_name=_("user"),
    )
    # What the message is about (e.g. the invitation id); never a secret.
    object_id = models.BigIntegerField(null=True, blank=True)
    # For notices: what it is about ("complaint.acknowledged") and the words, fixed when recorded.
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    dedupe_key = models.CharField(max_length=128, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # While "sending": the claim runs out at lease_expires_at; past it, any worker may take the
    # row again (its worker died). claimed_by names the claim, so a late worker records nothing
    # over a row someone else has claimed since.
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True, db_default="")  # raw fan-out INSERTs omit it
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at"]
        constraints = [
            # One person, one channel, one announcement: a repeated publish or a second worker adds nothing.
            models.UniqueConstraint(fields=["announcement", "resident", "channel", "round"], name="delivery_once_per_announcement",
                                    condition=models.Q(announcement__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx",
                         condition=models.Q(status="queued")),
            models.Index(fields=["lease_expires_at"], name="delivery_lease_idx", condition=models.Q(lease_expires_at__isnull=False)),
            models.Index(fields=["announcement", "status"], name="delivery_announcement_idx"),
            models.Index(fields=["resident", "-created_at"], name="delivery_resident_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.address} ({self.get_status_display()})"

    @property
    def failure_reason(self) -> str:
        """Why it failed, in words (communications.failures); last_error keeps the gateway's text."""
        return failure_reason(self.last_error)


class DeliveryAttempt(models.Model):
    """A failed try at sending a delivery, with the gateway's error. Successes need no row:
    the delivery's status and sent_at say it all."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="failed_attempts")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    error = models.TextField(_("error"))
    permanent = models.BooleanField(_("permanent"), default=False)

    class Meta:
        verbose_name = _("failed attempt")
        verbose_name_plural = _("failed attempts")
        ordering = ["delivery_id", "at"]
