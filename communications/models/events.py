"""The history of announcements, statements and media inquiries: who did what, when, and what
they said. Rows are written by the services in the same transaction as the change they record,
and never changed afterwards; they are for staff only (no public page shows them)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class _Event(models.Model):
    # PROTECT: an account that acted on the record cannot be deleted from under its history
    # (accounts are deactivated instead). None: the scheduler or the sender moved it.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    from_status = models.CharField(_("previous status"), max_length=16, blank=True)
    to_status = models.CharField(_("new status"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class AnnouncementEvent(_Event):
    class Kind(models.TextChoices):
        DRAFTED = "drafted", _("Drafted")
        EDITED = "edited", _("Edited")
        EDITED_AFTER_APPROVAL = "edited_approved", _("Edited after approval")
        SUBMITTED = "submitted", _("Sent for approval")
        RETURNED = "returned", _("Sent back with a note")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending started")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        CHASED = "chased", _("Sent again to those who have not acknowledged")
        HELP_HANDLED = "help_handled", _("A resident who needed help was looked after")

    announcement = models.ForeignKey("communications.Announcement", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta(_Event.Meta):
        verbose_name = _("announcement history entry")
        verbose_name_plural = _("announcement history")
        indexes = [models.Index(fields=["announcement", "at"], name="announcement_event_idx")]


class StatementEvent(_Event):
    class Kind(models.TextChoices):
        DRAFTED = "drafted", _("Drafted")
        NEW_VERSION = "new_version", _("New version started")
        EDITED = "edited", _("Edited")
        EDITED_AFTER_APPROVAL = "edited_approved", _("Edited after approval")
        SUBMITTED = "submitted", _("Sent for review")
        RETURNED = "returned", _("Sent back with a note")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded by a later version")

    statement = models.ForeignKey("communications.Statement", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta(_Event.Meta):
        verbose_name = _("statement history entry")
        verbose_name_plural = _("statement history")
        indexes = [models.Index(fields=["statement", "at"], name="statement_event_idx")]


class InquiryEvent(_Event):
    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")

    inquiry = models.ForeignKey("communications.MediaInquiry", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta(_Event.Meta):
        verbose_name = _("inquiry history entry")
        verbose_name_plural = _("inquiry history")
        indexes = [models.Index(fields=["inquiry", "at"], name="inquiry_event_idx")]
