"""The outbox: what is recorded to send, and what brings a row back to a sender.

- delivery_record writes one row in the caller's transaction and queues it after commit; its
  unique dedupe_key makes recording twice harmless.
- sending.py sends rows without holding a transaction or a row lock across a gateway call.
- deliveries_reclaim queues again, at once, the rows whose claim ran out (their worker died).
- delivery_sweep also queues, in batches, every due row no task is carrying (a broker outage, a
  transient failure whose backoff has passed, quiet hours that have ended).
"""

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone

from ..models import Delivery

log = logging.getLogger("lighthouse.deliveries")
BATCH = 200  # ids per send task: the broker carries few messages even for a 100,000-resident send
RETRY_SOON = 60  # a retry due within this many seconds gets a delayed task; later ones wait for the sweeper
Status = Delivery.Status


def sweep_grace() -> timedelta:
    """How long a queued row may wait for its task before the sweeper takes it over."""
    return timedelta(seconds=settings.NOTIFY_SWEEP_GRACE_SECONDS)


def _enqueue_safely(task, *args, **options):
    try:
        task.apply_async(args, **options)
    except Exception:  # broker down: the rows stay queued and the sweeper sends them later
        log.warning("could not queue %s%s; the sweeper will pick it up", task.name, args, exc_info=True)


def deliveries_queue(ids) -> None:
    """Queue sends for these rows, in batches, once the surrounding transaction commits."""
    from ..tasks import deliveries_send

    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        transaction.on_commit(lambda chunk=chunk: _enqueue_safely(deliveries_send, chunk))


def deliveries_queue_later(waits: dict[int, float]) -> None:
    """Queue delayed sends for rows due again within RETRY_SOON seconds, one task per delay; rows
    due later (or if the broker is down) wait for the sweeper."""
    from ..tasks import deliveries_send

    if deliveries_send.app.conf.task_always_eager:
        return  # in-process, a delayed task would run at once: the rows stay due for the next sweep
    groups: dict[int, list[int]] = {}
    for pk, wait in waits.items():
        if wait <= RETRY_SOON:
            groups.setdefault(math.ceil(wait), []).append(pk)
    for wait, pks in groups.items():
        for start in range(0, len(pks), BATCH):
            _enqueue_safely(deliveries_send, pks[start:start + BATCH], countdown=wait)


def delivery_record(*, kind: str, channel: str, address: str, dedupe_key: str, resident=None, user=None,
                    object_id=None, language: str = "zh-hans", **content) -> Delivery:
    """Record a notice to send and queue it once the surrounding transaction commits.

    `content` may hold topic, subject and body for notices whose words are fixed now.
    """
    delivery = Delivery(dedupe_key=dedupe_key, kind=kind, channel=channel, address=address, resident=resident, user=user,
                        object_id=object_id, language=language, **content)
    delivery.pk = _insert_once(delivery)
    if delivery.pk is None:  # recorded before: that row stands, and is not queued again
        return Delivery.objects.get(dedupe_key=dedupe_key)
    delivery._state.adding = False
    deliveries_queue([delivery.pk])
    return delivery


def _insert_once(delivery: Delivery) -> int | None:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id: the new row's id, or None when the
    key was recorded before. One statement (get_or_create took four: SELECT, SAVEPOINT, INSERT,
    RELEASE), and a concurrent recording of the same key waits on the unique index, then finds it."""
    fields, values = [], []
    for field in Delivery._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        value = field.pre_save(delivery, add=True)
        if isinstance(value, DatabaseDefault):  # a db_default: the database fills it in
            continue
        fields.append(field)
        values.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Delivery._meta.db_table} ({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    return row[0] if row else None


def delivery_fallback(delivery: Delivery) -> Delivery | None:
    """After a permanent failure, the row for the configured next channel (unsaved), once."""
    from .audience import resident_address

    if delivery.announcement_id is None or delivery.resident is None or delivery.dedupe_key.endswith(":fallback"):
        return None
    channel = settings.NOTIFY_FALLBACK.get(delivery.channel)
    address = resident_address(delivery.resident, channel, urgent=delivery.announcement.urgent) if channel else None
    if not address:
        return None
    return Delivery(
        kind=delivery.kind, channel=channel, address=address, resident=delivery.resident,
        announcement_id=delivery.announcement_id, language=delivery.language,
        dedupe_key=f"{delivery.dedupe_key}:fallback",
    )


def deliveries_fallback_save(fallbacks: list[Delivery]) -> None:
    """Write fallback rows (once each) and queue them after commit."""
    if not fallbacks:
        return
    Delivery.objects.bulk_create(fallbacks, ignore_conflicts=True)
    deliveries_queue(Delivery.objects.filter(dedupe_key__in=[f.dedupe_key for f in fallbacks], status=Status.QUEUED)
                     .values_list("pk", flat=True))


def deliveries_reclaim(limit: int = 20_000) -> int:
    """Queue again, at once, the rows whose claim ran out: their worker died or stalled past its
    lease. Returns how many. Safe to run from any number of processes at once."""
    from ..tasks import deliveries_send

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(lease_expires_at__lt=now, status__in=[Status.QUEUED, Status.SENDING])
            .order_by("pk").values_list("pk", flat=True)[:limit]
        )
        if ids:
            # claimed_by stays: a stalled (not dead) claimer may still record what it did send.
            Delivery.objects.filter(pk__in=ids).update(status=Status.QUEUED, lease_expires_at=None)
    if ids:
        log.warning("reclaimed %d deliveries whose claim ran out", len(ids))
    for start in range(0, len(ids), BATCH):
        _enqueue_safely(deliveries_send, ids[start:start + BATCH])
    return len(ids)


def delivery_sweep(limit: int = 20_000) -> int:
    """Queue every due row no task is carrying, and every row whose claim ran out. Returns how many."""
    from ..tasks import deliveries_send

    now = timezone.now()
    due = list(
        Delivery.objects.filter(status=Status.QUEUED, lease_expires_at__isnull=True, created_at__lte=now - sweep_grace())
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id").values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(due), BATCH):
        _enqueue_safely(deliveries_send, due[start:start + BATCH])
    return len(due) + deliveries_reclaim(limit)


@transaction.atomic
def delivery_receipt_record(*, idempotency_key: str = "", provider_message_id: str = "", delivered: bool, error: str = "") -> Delivery | None:
    """A gateway's delivery receipt: the message reached the handset (delivered) or did not.

    Matched by our idempotency key or the provider's message id; unknown receipts are ignored
    (returns None). A receipt may overtake the sender's own record of the send (the row is still
    "sending"); it is kept, and the sender then adds sent_at and the provider id. A failure
    receipt triggers the channel fallback like a permanent error.
    """
    rows = Delivery.objects.select_for_update(of=("self",)).select_related("announcement", "resident")
    if idempotency_key:
        delivery = rows.filter(dedupe_key=idempotency_key).first()
    elif provider_message_id:
        delivery = rows.filter(provider_message_id=provider_message_id).first()
    else:
        delivery = None
    if delivery is None or delivery.status not in (Status.SENDING, Status.SENT, Status.DELIVERED):
        return delivery
    if delivered:
        delivery.status = Status.DELIVERED
        delivery.save(update_fields=["status"])
        return delivery
    delivery.status, delivery.last_error = Status.FAILED, (error or "delivery receipt: failed")[:2000]
    delivery.save(update_fields=["status", "last_error"])
    fallback = delivery_fallback(delivery)
    deliveries_fallback_save([fallback] if fallback else [])
    return delivery
