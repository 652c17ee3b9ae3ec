"""Recording and sending one-off notices (invitations, password resets) with outbox guarantees.

- delivery_record writes the row in the caller's transaction and queues the send after commit;
  its unique dedupe_key makes recording twice harmless.
- delivery_attempt sends one row under a row lock; a row that is not queued (already sent,
  failed, or being sent by another worker) is left alone, so a task that runs twice sends once.
- delivery_sweep re-queues rows a lost worker or a broker outage left behind.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..gateways import PermanentError, TransientError, gateway_for
from ..models import Delivery
from .rendering import delivery_render

log = logging.getLogger("lighthouse.deliveries")

# A queued row untouched this long is assumed orphaned (its task was lost) and re-queued.
SWEEP_GRACE = timedelta(minutes=2)


def _queue(delivery_id: int) -> None:
    from ..tasks import delivery_send

    transaction.on_commit(lambda: _enqueue_safely(delivery_send, delivery_id))


def _enqueue_safely(task, delivery_id):
    try:
        task.delay(delivery_id)
    except Exception:  # broker down: the row stays queued and the sweeper sends it later
        log.warning("could not queue delivery %s; the sweeper will pick it up", delivery_id, exc_info=True)


def delivery_record(*, kind: str, channel: str, address: str, dedupe_key: str, resident=None, user=None,
                    object_id=None, language: str = "zh-hans", **content) -> Delivery:
    """Record a notice to send and queue it once the surrounding transaction commits.

    `content` may hold topic, subject and body for notices whose words are fixed now.
    """
    delivery, created = Delivery.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults=dict(kind=kind, channel=channel, address=address, resident=resident, user=user,
                      object_id=object_id, language=language, **content),
    )
    if created:
        _queue(delivery.pk)
    return delivery


@dataclass
class DeliveryOutcome:
    status: str
    retry_in: float | None = None


def _backoff(attempts: int) -> float:
    return min(30 * 2 ** (attempts - 1), 3600)


def delivery_attempt(delivery_id: int) -> DeliveryOutcome:
    """Try to send one delivery. Safe to call any number of times, from any number of workers."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id).first()
        if delivery is None:
            return DeliveryOutcome("busy")  # another worker holds it, or it was deleted
        if delivery.status != Delivery.Status.QUEUED:
            return DeliveryOutcome(delivery.status)
        delivery.attempts += 1
        try:
            subject, text = delivery_render(delivery)
            # The row lock is held while the gateway is called: a second worker skips this row,
            # and a crash rolls back to "queued" so the sweeper resends with the same
            # idempotency key, which the gateway uses to drop the duplicate.
            provider_id = gateway_for(delivery.channel).send(
                address=delivery.address, subject=subject, text=text, idempotency_key=delivery.dedupe_key
            )
        except TransientError as exc:
            delivery.last_error = str(exc)[:2000]
            if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
                delivery.save(update_fields=["attempts", "last_error", "status"])
                return DeliveryOutcome(delivery.status)
            wait = exc.retry_after or _backoff(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
            delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return DeliveryOutcome(delivery.status, retry_in=wait)
        except PermanentError as exc:
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = str(exc)[:2000]
            delivery.save(update_fields=["attempts", "last_error", "status"])
            return DeliveryOutcome(delivery.status)
        delivery.status = Delivery.Status.SENT
        delivery.provider_message_id = provider_id[:128]
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["attempts", "status", "provider_message_id", "sent_at", "last_error"])
        return DeliveryOutcome(delivery.status)


def delivery_sweep(limit: int = 500) -> int:
    """Re-queue deliveries that are due but have no live task. Returns how many were queued."""
    from ..tasks import delivery_send

    now = timezone.now()
    due = list(
        Delivery.objects.filter(status=Delivery.Status.QUEUED, created_at__lte=now - SWEEP_GRACE)
        .exclude(next_attempt_at__gt=now)
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        _enqueue_safely(delivery_send, pk)
    return len(due)
