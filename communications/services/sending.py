"""The sender: no transaction and no row lock is held while a gateway is called or while a
channel's rate cap is waited for.

One task carries up to BATCH ids (a big fan-out stays few broker messages). deliveries_attempt
takes the batch (claims.py), then, per channel and chunk by chunk — CHUNK rows, fewer on a
rate-capped channel, one e-mail at a time — waits for the channel's rate cap (pacing.py), marks
the chunk "sending", calls the gateway for each row with no transaction open, and records the
outcomes. When a provider answers with Retry-After, every worker holds the channel that long and
the rest of the batch is given back, due when the pause ends.

A worker killed mid-send leaves its rows under a lease of three gateway timeouts; when it runs
out, the next send task or beat (every 15 s) queues them again (deliveries_reclaim). Only rows then
"sending" can reach a person twice: at most one chunk of SMS/push, which repeats the same
Idempotency-Key, and at most one e-mail, which repeats the same Message-ID.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from ..gateways import PermanentError, TransientError, gateway_for
from ..models import Delivery
from .claims import DeliveryClaim, DeliveryOutcome, SendResult
from .pacing import channel_pause, channel_pause_left, channel_rate_limit, channel_rate_wait
from .rendering import RenderError, delivery_render

log = logging.getLogger("lighthouse.deliveries")
# The most SMS/push a killed worker can leave sent but unrecorded. Each chunk costs one statement
# (its start folded into the previous chunk's record). Measured with the logging gateway on the
# shared 2-core machine, 20,000 recipients, 2 workers: ~0.8× the rate of holding one lock per
# 200-row batch; with a real provider its latency per message dwarfs the difference.
CHUNK = 25


def _chunk_size(channel: str) -> int:
    if channel == "email":
        return 1  # e-mail has no idempotency key: never more than one in flight
    limit = channel_rate_limit(channel)
    # At most a fifth of a second's allowance per chunk: chunks spill little into the next second.
    return CHUNK if not limit else max(1, min(CHUNK, limit // 5))


def _send_one(delivery: Delivery) -> SendResult:
    try:
        subject, text = delivery_render(delivery)
        provider_id = gateway_for(delivery.channel).send(
            address=delivery.address, subject=subject, text=text, idempotency_key=delivery.dedupe_key)
    except TransientError as exc:
        return SendResult(delivery, "transient", error=str(exc), retry_after=exc.retry_after)
    except (PermanentError, RenderError, ObjectDoesNotExist) as exc:
        return SendResult(delivery, "permanent", error=f"{exc.__class__.__name__}: {exc}")
    except Exception as exc:  # anything unforeseen is recorded and retried a bounded number of times
        log.exception("sending delivery %s failed unexpectedly", delivery.pk)
        return SendResult(delivery, "transient", error=f"{exc.__class__.__name__}: {exc}")
    return SendResult(delivery, "sent", provider_id=(provider_id or "")[:128])


def _send_channel(claim: DeliveryClaim, channel: str, pks: list[int], outcomes: dict) -> None:
    size = _chunk_size(channel)
    pending: list[SendResult] = []  # sent, recorded together with the next chunk's start
    for start in range(0, len(pks), size):
        chunk = pks[start:start + size]
        if not channel_pause_left(channel):
            channel_rate_wait(channel, len(chunk))  # before the chunk is claimed "sending"
        paused = channel_pause_left(channel)
        if paused:
            outcomes.update(claim.record(pending))
            claim.defer(pks[start:], paused)
            return
        rows, recorded = claim.start(chunk, pending)
        outcomes.update(recorded)
        pending = []
        for i, delivery in enumerate(rows):
            if claim.due_for_renewal():  # a slow gateway: record what is done, push the lease ahead
                outcomes.update(claim.record(pending))
                pending = []
                claim.renew()
            result = _send_one(delivery)
            pending.append(result)
            if result.retry_after:  # the provider asks everyone to wait: stop this channel here
                channel_pause(channel, result.retry_after)
                pending += [SendResult(d, "released") for d in rows[i + 1:]]
                outcomes.update(claim.record(pending, defer_until=timezone.now() + timedelta(seconds=result.retry_after)))
                claim.defer(pks[start + size:], result.retry_after)
                return
        if channel == "email" or any(r.kind != "sent" for r in pending):
            outcomes.update(claim.record(pending))  # e-mail: recorded the moment it has left
            pending = []
    outcomes.update(claim.record(pending))


def deliveries_attempt(ids) -> dict[int, DeliveryOutcome]:
    """Send the due rows among `ids` that no live claim carries. Safe to call any number of times,
    from any number of workers at once. Rows this call did not send answer "busy"."""
    ids = list(ids)
    claim = DeliveryClaim()
    try:
        by_channel, outcomes = claim.take(ids)
        for channel, pks in by_channel.items():
            _send_channel(claim, channel, pks, outcomes)
    finally:
        claim.release()
    if claim.announcement_ids():
        from .announcements import announcements_mark_sent

        announcements_mark_sent(claim.announcement_ids())
    for pk in ids:
        outcomes.setdefault(pk, DeliveryOutcome("busy"))
    return outcomes
