"""Turning a delivery row into the words a person receives, in their language."""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from owners.models import Invitation
from owners.services import invitation_token

from ..models import Delivery


class RenderError(Exception):
    pass


def _context(delivery: Delivery) -> dict:
    if delivery.kind == Delivery.Kind.INVITATION:
        invitation = Invitation.objects.select_related("resident").get(pk=delivery.object_id)
        path = reverse("activate", kwargs={"token": invitation_token(invitation)})
        return {"name": invitation.resident.name, "link": settings.SITE_URL + path,
                "days": settings.INVITATION_MAX_AGE.days, "company": settings.COMPANY_NAME}
    if delivery.kind == Delivery.Kind.PASSWORD_RESET:
        user = delivery.user
        path = reverse("password_reset_confirm", kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
        })
        return {"name": user.display_name, "link": settings.SITE_URL + path, "company": settings.COMPANY_NAME}
    raise RenderError(f"unknown delivery kind {delivery.kind}")


@lru_cache(maxsize=256)
def _notice_path(announcement_id: int) -> str:
    # Cached: a send renders thousands of messages that all link to the same notice.
    return reverse("portal:notice_detail", args=[announcement_id])


def announcement_link(announcement_id: int) -> str:
    """The notice's address on the portal, as SMS and e-mail carry it."""
    return settings.SITE_URL + _notice_path(announcement_id)


def announcement_sms_text(announcement_id: int, short_text: str) -> str:
    """The SMS (and push) text of an announcement exactly as the gateway receives it."""
    return f"{short_text} {announcement_link(announcement_id)}"


def sms_segments(text: str) -> int:
    """How many messages a provider bills for `text`: 70 characters in one Chinese SMS, 67 per
    part when it is split (the same rule as the form's live counter)."""
    n = len(text)
    return 0 if n == 0 else 1 if n <= 70 else -(-n // 67)


def delivery_render(delivery: Delivery) -> tuple[str, str]:
    """(subject, text) for a delivery; SMS gets the short template, e-mail the long one.

    Notices carry their words from when they were recorded; account messages are rendered
    now, because their links hold secrets that must never be stored.
    """
    if delivery.kind == Delivery.Kind.NOTICE:
        return delivery.subject, delivery.body
    if delivery.kind == Delivery.Kind.ANNOUNCEMENT:
        announcement = delivery.announcement
        if delivery.channel == "email":
            return announcement.title, f"{announcement.body}\n\n{announcement_link(announcement.pk)}"
        return announcement.title, announcement_sms_text(announcement.pk, announcement.short_text)
    context = _context(delivery)
    folder = "emails" if delivery.channel == "email" else "sms"
    with translation.override(delivery.language):
        subject = render_to_string(f"emails/{delivery.kind}_subject.txt", context).strip()
        text = render_to_string(f"{folder}/{delivery.kind}.txt", context).strip()
    return subject, text
