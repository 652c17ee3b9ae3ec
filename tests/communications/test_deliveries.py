"""The notice outbox: sent once, retried when the gateway stumbles, failures recorded."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test import TestCase
from django.utils import timezone

from communications.gateways import EmailGateway
from communications.models import Delivery
from communications.services import deliveries_attempt, delivery_receipt_record, delivery_sweep
from communications.tasks import deliveries_send
from owners.models import Invitation
from owners.services import resident_invite
from tests.conftest import wait_for
from tests.factories import OccupancyFactory

# Tests run in a transaction and run after-commit callbacks themselves; only those where another
# connection or process must see the rows commit for real (transaction=True).
pytestmark = pytest.mark.django_db
committed = pytest.mark.django_db(transaction=True)


def _invitation_delivery(resident):
    """Invite, commit, and let the send queued after commit run (in-process)."""
    if connection.in_atomic_block:
        with TestCase.captureOnCommitCallbacks(execute=True):
            invitation = resident_invite(resident=resident, invited_by=None)
    else:
        invitation = resident_invite(resident=resident, invited_by=None)
    return Delivery.objects.get(kind=Delivery.Kind.INVITATION, object_id=invitation.pk)


def _notice(address, key, channel="sms", **fields):
    """A notice in the outbox whose task was never queued (as after a broker outage)."""
    return Delivery.objects.create(kind="notice", channel=channel, address=address, dedupe_key=key,
                                   subject="停水通知", body="明天 9:00–12:00 停水。", **fields)


def _attempt(delivery):
    return deliveries_attempt([delivery.pk])[delivery.pk].status


def test_running_the_send_twice_sends_once(gateway):
    resident = OccupancyFactory().resident
    delivery = _invitation_delivery(resident)  # recorded, committed, sent by the task queued after commit
    deliveries_send.delay([delivery.pk])
    deliveries_attempt([delivery.pk])
    assert len(gateway.texts_to(resident.mobile)) == 1 and len(gateway.posted) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.provider_message_id == "fake-1"
    assert delivery.lease_expires_at is None
    assert gateway.headers[0]["Idempotency-Key"] == delivery.dedupe_key
    assert gateway.headers[0]["Authorization"] == "Bearer test-key"


def test_transient_failure_is_recorded_and_retried_later(gateway):
    gateway.fail_next(1, status=503)
    resident = OccupancyFactory().resident
    delivery = _invitation_delivery(resident)
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.attempts == 1 and "503" in delivery.last_error
    assert delivery.next_attempt_at is not None
    assert gateway.received == []
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    assert _attempt(delivery) == "sent"
    assert len(gateway.texts_to(resident.mobile)) == 1


def test_429_honours_retry_after(gateway):
    gateway.fail_next(1, status=429, headers={"Retry-After": "120"})
    delivery = _invitation_delivery(OccupancyFactory().resident)
    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - delivery.created_at).total_seconds()
    assert 110 < wait < 130


def test_permanent_failure_is_not_retried(gateway):
    gateway.fail_next(1, status=400)
    delivery = _invitation_delivery(OccupancyFactory().resident)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "400" in delivery.last_error
    deliveries_attempt([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and len(gateway.posted) == 1 and gateway.received == []


def test_attempts_are_bounded(gateway, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    gateway.fail_next(5, status=502)
    delivery = _invitation_delivery(OccupancyFactory().resident)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    deliveries_attempt([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 2
    # Each failed try is on record with the gateway's answer.
    assert [(a.permanent, "502" in a.error) for a in delivery.failed_attempts.all()] == [(False, True), (False, True)]


def test_unreachable_gateway_is_transient(settings):
    settings.NOTIFY_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    delivery = _invitation_delivery(OccupancyFactory().resident)
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.last_error


def test_rolled_back_invitation_sends_nothing(gateway):
    resident = OccupancyFactory().resident
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            resident_invite(resident=resident, invited_by=None)
            raise RuntimeError("request failed after inviting")
    assert not Invitation.objects.exists() and not Delivery.objects.exists()
    assert gateway.received == []


def test_sweeper_sends_what_a_broker_outage_left_behind(gateway):
    from communications.services.deliveries import sweep_grace

    # A row recorded while the broker was down: in the outbox, but no task was ever queued.
    resident = OccupancyFactory().resident
    invitation = Invitation.objects.create(resident=resident, expires_at=timezone.now() + timedelta(days=7))
    Delivery.objects.create(kind="invitation", channel="sms", address=resident.mobile, resident=resident,
                            object_id=invitation.pk, dedupe_key=f"invitation:{invitation.pk}:sms")
    Delivery.objects.update(created_at=timezone.now() - sweep_grace())
    assert gateway.received == []
    assert delivery_sweep() == 1
    assert len(gateway.texts_to(resident.mobile)) == 1
    assert delivery_sweep() == 0


@pytest.mark.celery_worker
@committed
def test_invitation_is_sent_by_a_real_worker_through_redis(celery_worker, gateway):
    resident = OccupancyFactory().resident
    resident_invite(resident=resident, invited_by=None)  # transactional_db: commits, then queues
    assert wait_for(lambda: gateway.texts_to(resident.mobile)), "the worker never called the gateway"
    assert wait_for(lambda: Delivery.objects.get(resident=resident).status == "sent")
    [text] = gateway.texts_to(resident.mobile)
    assert "/accounts/activate/" in text
    assert celery_worker.poll() is None


def test_gateway_receipts_mark_delivered_or_fall_back(client, gateway, settings):
    resident = OccupancyFactory().resident
    delivery = _invitation_delivery(resident)
    url = "/api/v1/gateway/receipts/"
    body = {"idempotency_key": delivery.dedupe_key, "status": "delivered"}
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer test-key")
    assert response.status_code == 202
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    unknown = client.post(url, {"message_id": "nope", "status": "failed"}, content_type="application/json", HTTP_AUTHORIZATION="Bearer test-key")
    assert unknown.status_code == 202
    bad = client.post(url, {"status": "failed"}, content_type="application/json", HTTP_AUTHORIZATION="Bearer test-key")
    assert bad.status_code == 400


def _lockable_state(key):
    """From another database connection: the row's committed status, or "locked" if a
    transaction holds its row lock."""
    try:
        with transaction.atomic():
            row = Delivery.objects.select_for_update(nowait=True).get(dedupe_key=key)
            return row.status, bool(row.claimed_by), bool(row.lease_expires_at and row.lease_expires_at > timezone.now())
    except DatabaseError:
        return "locked"
    finally:
        connection.close()


@committed
def test_no_row_is_locked_while_the_gateway_is_called(gateway):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite has none to hold")
    seen = []
    gateway.on_post = lambda key: seen.append(_lockable_state(key))
    delivery = _invitation_delivery(OccupancyFactory().resident)
    # Claimed (status, claimer, lease) and committed before the call, and nobody's lock held during it:
    # a receipt or another worker is never kept waiting on a provider.
    assert seen == [("sending", True, True)]
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.lease_expires_at is None


@committed
def test_messages_waiting_for_the_rate_cap_are_not_claimed_yet(gateway, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: SQLite has none to hold")
    settings.NOTIFY_RATE_LIMITS = {"sms": 1}
    rows = [_notice(f"1390000000{i}", f"rate:{i}") for i in range(2)]
    seen = []
    gateway.on_post = lambda key: seen.append(_lockable_state(rows[1].dedupe_key)) if key == rows[0].dedupe_key else None
    deliveries_attempt([r.pk for r in rows])
    # While the first message was with the gateway, the second waited for the cap unlocked and unsent.
    assert seen == [("queued", True, True)]
    assert len(gateway.received) == 2


def test_a_row_left_sending_by_a_dead_worker_is_sent_again_once_its_lease_runs_out(gateway):
    delivery = _notice("13900000001", "dead:1", status="sending", claimed_by="dead-worker",
                       lease_expires_at=timezone.now() + timedelta(seconds=60))
    assert _attempt(delivery) == "busy"  # still someone's: nobody else touches it
    assert delivery_sweep() == 0 and gateway.posted == []
    Delivery.objects.filter(pk=delivery.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    # No sweeper grace for a run-out claim: the next sweep takes it.
    assert delivery_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.claimed_by != "dead-worker"
    assert len(gateway.texts_to("13900000001")) == 1


def test_each_email_is_recorded_sent_before_the_next_one_goes(settings):
    settings.EMAIL_BACKEND = "tests.fakes.SnapshotEmailBackend"
    from tests.fakes import SnapshotEmailBackend

    SnapshotEmailBackend.snapshots = []
    rows = [_notice(f"r{i}@example.com", f"mail:{i}", channel="email") for i in range(3)]
    deliveries_attempt([r.pk for r in rows])
    # What the database said as each e-mail left: everything before it already "sent".
    assert SnapshotEmailBackend.snapshots == [
        ["sending", "queued", "queued"],
        ["sent", "sending", "queued"],
        ["sent", "sent", "sending"],
    ]
    assert Delivery.objects.filter(status="sent").count() == 3


def test_an_email_sent_again_carries_the_same_message_id():
    gateway = EmailGateway()
    for key in ("notice:1:email", "notice:1:email", "notice:2:email"):
        gateway.send(address="owner@example.com", subject="s", text="t", idempotency_key=key)
    first, again, other = (m.extra_headers["Message-ID"] for m in mail.outbox)
    assert first == again != other and first.startswith("<") and first.endswith(">")


@committed
def test_a_receipt_that_arrives_while_the_message_is_being_sent_is_kept(gateway):
    if connection.vendor != "postgresql":
        pytest.skip("needs a second PostgreSQL connection during the send")
    answered = []

    def receipt(key):
        answered.append(getattr(delivery_receipt_record(idempotency_key=key, delivered=True), "status", None))
        connection.close()

    gateway.on_post = receipt
    delivery = _invitation_delivery(OccupancyFactory().resident)
    delivery.refresh_from_db()
    assert answered == ["delivered"]
    assert delivery.status == "delivered" and delivery.sent_at and delivery.provider_message_id == "fake-1"


def test_429_pauses_the_channel_and_defers_the_rest_without_spending_their_attempts(gateway):
    gateway.fail_next(1, status=429, headers={"Retry-After": "1"})
    rows = [_notice(f"1390000001{i}", f"busy:{i}") for i in range(3)]
    deliveries_attempt([r.pk for r in rows])
    assert len(gateway.posted) == 1  # the provider said "wait": nothing more was sent to it
    first, *rest = Delivery.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")
    assert first.status == "queued" and first.attempts == 1 and "429" in first.last_error
    assert all(d.status == "queued" and d.attempts == 0 and d.next_attempt_at > timezone.now() for d in rest)
    time.sleep(1.1)
    deliveries_attempt([r.pk for r in rows])
    assert Delivery.objects.filter(status="sent").count() == 3 and len(gateway.received) == 3


def test_retry_after_as_an_http_date_is_honoured(gateway):
    from email.utils import format_datetime

    later = format_datetime(timezone.now() + timedelta(seconds=90), usegmt=True)
    gateway.fail_next(1, status=503, headers={"Retry-After": later})
    delivery = _notice("13900000021", "date:1")
    _attempt(delivery)
    delivery.refresh_from_db()
    assert 80 < (delivery.next_attempt_at - timezone.now()).total_seconds() < 95


def test_a_message_that_cannot_be_rendered_fails_alone(gateway):
    orphan = Delivery.objects.create(kind="invitation", channel="sms", address="13900000031", object_id=999_999,
                                     dedupe_key="invitation:999999:sms")
    good = _notice("13900000032", "good:1")
    deliveries_attempt([orphan.pk, good.pk])
    orphan.refresh_from_db()
    assert orphan.status == "failed" and orphan.failed_attempts.get().permanent
    assert gateway.texts_to("13900000032") and gateway.texts_to("13900000031") == []


def test_beat_reclaims_a_dead_workers_rows_every_15_seconds():
    """A dead worker's rows come back one lease (3 gateway timeouts) plus at most 15 s after it
    died, even when no other send task is running to notice."""
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.filter(task="communications.tasks.deliveries_reclaim_expired").delete()
    importlib.import_module("communications.migrations.0014_delivery_reclaim_schedule").install(apps, None)
    task = PeriodicTask.objects.get(task="communications.tasks.deliveries_reclaim_expired")
    assert task.enabled and (task.interval.every, task.interval.period) == (15, "seconds")


def test_the_reclaim_task_queues_rows_whose_claim_ran_out(gateway):
    from communications.tasks import deliveries_reclaim_expired

    _notice("13900000041", "dead:2", status="sending", claimed_by="dead-worker",
            lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert deliveries_reclaim_expired.delay().get() == 1
    assert gateway.texts_to("13900000041") and Delivery.objects.get(dedupe_key="dead:2").status == "sent"
