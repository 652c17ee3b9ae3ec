"""One-off notices to a resident or a staff member, through the outbox (see deliveries.py)."""

from django.utils import translation

from owners.models import Resident

from ..models import Delivery
from .audience import resident_address
from .deliveries import delivery_record


def resident_channel(resident: Resident, *, urgent: bool = False) -> tuple[str, str] | None:
    """(channel, address) for a resident: their preferred channel if allowed and reachable,
    else the next that is. Urgent notices ignore opt-outs. None when nothing reaches them."""
    for channel in [resident.preferred_channel, "sms", "email", "push"]:
        address = resident_address(resident, channel, urgent=urgent)
        if address:
            return channel, address
    return None


def staff_channel(user, *, urgent: bool = False) -> tuple[str, str] | None:
    """E-mail for routine notices; SMS first when urgent (someone needs help now)."""
    if urgent and user.mobile:
        return "sms", user.mobile
    if user.email:
        return "email", user.email
    if user.mobile:
        return "sms", user.mobile
    return None


def notice_send(*, topic: str, dedupe_key: str, render, resident: Resident | None = None, user=None,
                urgent: bool = False) -> Delivery | None:
    """Record a notice to one person and send it after commit. Returns None if they cannot be reached.

    `render(channel) -> (subject, text)` is called in the recipient's language, so callers
    write their words once with gettext. `dedupe_key` names the notice: recording the same
    key twice sends once.
    """
    if resident is not None:
        route = resident_channel(resident, urgent=urgent)
        language = resident.preferred_language
    else:
        route = staff_channel(user, urgent=urgent)
        language = "zh-hans"
    if route is None:
        return None
    channel, address = route
    with translation.override(language):
        subject, body = render(channel)
    return delivery_record(
        kind=Delivery.Kind.NOTICE, channel=channel, address=address, resident=resident, user=user,
        language=language, dedupe_key=dedupe_key[:128], topic=topic, subject=str(subject)[:200], body=str(body),
    )
