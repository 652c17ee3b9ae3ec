from django.db import models
from django.utils.translation import gettext_lazy as _

# What a canned reply may say for the ticket it is used on, filled in when the reply form is shown.
PLACEHOLDERS = {"{姓名}": "name", "{name}": "name", "{工单号}": "number", "{number}": "number"}


class CannedReply(models.Model):
    """A reply text staff pick instead of typing (常用回复), kept by the company in the admin.

    The body may hold {姓名} / {name} (the owner's name) and {工单号} / {number} (the ticket
    number); the ticket page fills them in before the text reaches the reply box.
    """

    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("text"), max_length=2000, help_text=_(
        "May contain {姓名} or {name} for the owner's name and {工单号} or {number} for the ticket number."))
    active = models.BooleanField(_("offered"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["order", "id"]

    def __str__(self):
        return self.title

    def fill(self, complaint) -> str:
        """The body with the placeholders replaced for `complaint`."""
        values = {"name": complaint.resident.name, "number": complaint.number}
        text = self.body
        for placeholder, key in PLACEHOLDERS.items():
            text = text.replace(placeholder, values[key])
        return text
