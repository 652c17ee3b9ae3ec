"""The notice outbox: sent once, retried when the gateway stumbles, failures recorded."""

import pytest
from django.db import transaction

from communications.models import Delivery
from communications.services import deliveries_attempt, delivery_sweep
from communications.tasks import deliveries_send
from owners.models import Invitation
from owners.services import resident_invite
from tests.conftest import wait_for
from tests.factories import OccupancyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _invitation_delivery(resident):
    invitation = resident_invite(resident=resident, invited_by=None)
    return Delivery.objects.get(kind=Delivery.Kind.INVITATION, object_id=invitation.pk)


def _attempt(delivery):
    return deliveries_attempt([delivery.pk])[delivery.pk].status


def test_running_the_send_twice_sends_once(gateway):
    resident = OccupancyFactory().resident
    delivery = _invitation_delivery(resident)  # recorded, committed, sent by the task queued after commit
    deliveries_send.delay([delivery.pk])
    deliveries_attempt([delivery.pk])
    assert len(gateway.texts_to(resident.mobile)) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.provider_message_id == "fake-1"
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
    assert delivery.status == "failed" and gateway.received == []


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
    from datetime import timedelta

    from django.utils import timezone

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
