from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a message reaches a person: the one list of channels for the whole product (deliveries,
    announcements, forms and a resident's preference all use it)."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("App push")
    PORTAL = "portal", _("Portal notice board")


# The channels a resident may prefer: those that reach them outside the portal, which shows
# every notice to everyone anyway.
PREFERRED_CHANNELS = [Channel.SMS, Channel.EMAIL, Channel.PUSH]
PREFERRED_CHANNEL_CHOICES = [(channel.value, channel.label) for channel in PREFERRED_CHANNELS]
