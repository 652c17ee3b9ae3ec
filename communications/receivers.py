"""Turning owners' events into notices. Runs inside the sender's transaction."""

from .models import Delivery
from .services import delivery_record


def on_invitation_created(sender, invitation, **kwargs):
    resident = invitation.resident
    channel, address = ("sms", resident.mobile) if resident.mobile else ("email", resident.email)
    delivery_record(
        kind=Delivery.Kind.INVITATION, channel=channel, address=address, resident=resident,
        object_id=invitation.pk, language=resident.preferred_language,
        dedupe_key=f"invitation:{invitation.pk}:{channel}",
    )


def on_password_reset(sender, user, channel, address, request_key, language="zh-hans", **kwargs):
    resident = getattr(user, "resident", None) if user.kind == "resident" else None
    delivery_record(
        kind=Delivery.Kind.PASSWORD_RESET, channel=channel, address=address, user=user, resident=resident,
        language=language, dedupe_key=f"password_reset:{user.pk}:{request_key}",
    )
