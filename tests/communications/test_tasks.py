"""The tasks on real Celery workers (Redis broker, PostgreSQL): a fan-out to a few thousand
residents with failures and retries, and a worker killed mid-send — no one missed, no one twice.
Skipped, with the reason, without REDIS_URL and DATABASE_URL on PostgreSQL."""

import os
import signal

import pytest

from communications.models import Delivery
from communications.services import announcements as svc
from communications.services import delivery_sweep
from communications.services.sending import CHUNK
from tests.communications.conftest import notice_draft
from tests.conftest import wait_for

# The worker is another process: it sees only committed rows, so each test commits for real.
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_fan_out_through_a_real_worker_with_failures_and_retries(start_worker, writer, estate, crowd, gateway, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    gateway.fail_next(15, status=503)
    gateway.fail_next(1, status=429, headers={"Retry-After": "1"})
    start_worker(NOTIFY_BACKOFF_BASE_SECONDS=1, NOTIFY_SWEEP_GRACE_SECONDS=0, NOTIFY_RATE_LIMITS="",
                 QUIET_HOURS_START="00:00", QUIET_HOURS_END="00:00")
    announcement = svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    settings.NOTIFY_SWEEP_GRACE_SECONDS = 0

    def all_sent():
        delivery_sweep()  # what beat does every minute: pick up retries whose backoff has passed
        return not Delivery.objects.filter(announcement=announcement, channel="sms").exclude(status="sent").exists()

    assert wait_for(all_sent, timeout=90, interval=1), Delivery.objects.filter(announcement=announcement).exclude(status__in=["sent", "delivered"]).values_list("status", "last_error")[:5]
    assert sorted(m["to"] for m in gateway.received) == sorted(r.mobile for r in crowd)  # everyone exactly once
    retried = Delivery.objects.filter(announcement=announcement, attempts__gt=1)
    assert retried.count() >= 15


def test_killing_a_worker_mid_send_misses_no_one_and_doubles_no_one(start_worker, writer, estate, crowd, gateway, settings):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    gateway.delay = 0.002
    first = start_worker(NOTIFY_SWEEP_GRACE_SECONDS=0, NOTIFY_RATE_LIMITS="")
    announcement = svc.announcement_publish(notice_draft(writer, estate), actor=writer)
    assert wait_for(lambda: len(gateway.received) >= 700, timeout=90, interval=0.05)
    os.kill(first.pid, signal.SIGKILL)  # mid-batch, no goodbye
    first.wait()
    half = len(gateway.received)
    assert half < len(crowd)
    start_worker(NOTIFY_SWEEP_GRACE_SECONDS=0, NOTIFY_RATE_LIMITS="")
    settings.NOTIFY_SWEEP_GRACE_SECONDS = 0

    def all_sent():
        delivery_sweep()
        return not Delivery.objects.filter(announcement=announcement, channel="sms").exclude(status="sent").exists()

    assert wait_for(all_sent, timeout=120, interval=1)
    delivered_to = sorted(m["to"] for m in gateway.received)
    assert delivered_to == sorted(r.mobile for r in crowd)  # no one missed, no one twice
    # Only the killed worker's chunk in flight (sent, not yet recorded) was POSTed again, with the
    # same keys; the gateway dropped those. Every other POST went out once.
    posts = [key for _, key in gateway.posted]
    assert len(posts) - len(set(posts)) == gateway.duplicates <= CHUNK
    print(f"\nFAULT kill -9 mid-send: {len(crowd)} residents, {len(posts)} POSTs, {gateway.duplicates} re-POSTed, "
          f"{half} sent before the kill, 0 lost, 0 twice")
