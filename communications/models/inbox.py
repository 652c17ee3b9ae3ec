"""The staff inbox: things waiting for one staff member, shown under the bell and on "my work".

Rows are written by the services, in the transaction of the event that causes them (a ticket
assigned, an owner's "I need help", a notice sent for approval …), so an item exists exactly
when its event does. `dedupe_key` is unique: recording the same event twice — a retry, a second
sweep — adds nothing. The title is rendered when read, in the reader's language, from `kind`
and `params`; `target_url` is a path inside this site.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboxItem(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to me")
        REOPENED = "reopened", _("Reopened by the owner")
        LOW_RATED = "low_rated", _("Low rating")
        OWNER_MESSAGE = "owner_message", _("Owner's message")
        SLA_WARNING = "sla_warning", _("Deadline near")
        SLA_BREACH = "sla_breach", _("Deadline passed")
        NEED_HELP = "need_help", _("Needs help")
        APPROVAL = "approval", _("Waiting for my approval")
        FOLLOW_UP_OVERDUE = "follow_up", _("Follow-up overdue")
        INQUIRY_OVERDUE = "inquiry", _("Media inquiry overdue")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items",
                                  verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    params = models.JSONField(_("title parameters"), default=dict, blank=True)
    target_url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=160, unique=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="inbox_recipient_idx"),
            # The bell counts these on every dashboard page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="inbox_unread_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        """One line saying what is waiting, in the active language."""
        text = TITLES.get(self.kind)
        try:
            return str(text) % self.params if text else str(self.get_kind_display())
        except (KeyError, TypeError, ValueError):  # parameters of an older wording
            return str(self.get_kind_display())


K = InboxItem.Kind
TITLES = {
    K.ASSIGNED: _("Complaint %(number)s has been assigned to you."),
    K.REOPENED: _("The owner reopened complaint %(number)s: not solved."),
    K.LOW_RATED: _("Complaint %(number)s was rated %(rating)s of 5 and reopened."),
    K.OWNER_MESSAGE: _("The owner added a message to complaint %(number)s."),
    K.SLA_WARNING: _("Complaint %(number)s is close to its deadline."),
    K.SLA_BREACH: _("Complaint %(number)s is past its deadline."),
    K.NEED_HELP: _("%(name)s (%(unit)s) needs help: “%(title)s”."),
    K.APPROVAL: _("Waiting for your approval: “%(title)s”."),
    K.FOLLOW_UP_OVERDUE: _("The follow-up visit for complaint %(number)s is overdue."),
    K.INQUIRY_OVERDUE: _("%(outlet)s is waiting for an answer: the deadline has passed."),
}
