"""Sending a stakeholder a message with a link (a monthly report, a document): through the outbox,
and written into their contact log, so the directory shows who received what and when."""

from django.db import transaction

from ..models import ContactLog, Delivery, Stakeholder
from .deliveries import delivery_record


@transaction.atomic
def stakeholder_message_send(*, actor, stakeholder: Stakeholder, topic: str, key: str, subject: str, text: str) -> Delivery | None:
    """E-mail `subject`/`text` to the stakeholder (SMS when they have only a phone), recorded as a
    delivery (sent after commit; the same `key` twice sends once) and a contact-log entry.
    None when they have neither address."""
    if stakeholder.email:
        channel, address, how = "email", stakeholder.email, ContactLog.Channel.EMAIL
    elif stakeholder.phone:
        channel, address, how = "sms", stakeholder.phone, ContactLog.Channel.PHONE
    else:
        return None
    delivery = delivery_record(kind=Delivery.Kind.NOTICE, channel=channel, address=address,
                               dedupe_key=f"{topic}:{key}:s{stakeholder.pk}"[:128], topic=topic[:64],
                               subject=subject[:200], body=text)
    ContactLog.objects.create(stakeholder=stakeholder, by=actor, channel=how, summary=subject)
    return delivery
