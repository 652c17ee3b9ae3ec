"""Faults with real processes, each on a few hundred residents and under a minute: Redis killed and
restarted mid-send, two beat schedulers at once, a gateway that hangs past its timeout, one that
answers 429 with Retry-After, and a worker killed under the supervision the README gives.

Each asserts what residents would notice: everyone gets the notice exactly once (0 lost, 0
duplicate delivery rows), and the gateway saw at most the chunk in flight POSTed a second time
(the same Idempotency-Key, which a provider drops). Needs PostgreSQL and Redis (REDIS_URL);
skipped with the reason otherwise. `-s` prints the figures of each run.
"""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.db.models import Count

from communications.models import Delivery, DeliveryAttempt
from communications.services import announcements as svc
from communications.services import delivery_sweep
from communications.services.sending import CHUNK
from owners.models import Occupancy, Resident, Role
from tests.conftest import ROOT, process_log, process_stop, wait_for, worker_argv, worker_env, worker_wait_ready
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, staff_member

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
PEOPLE = 300
QUICK = dict(NOTIFY_SWEEP_GRACE_SECONDS=0, NOTIFY_RATE_LIMITS="", NOTIFY_BACKOFF_BASE_SECONDS=1,
             QUIET_HOURS_START="00:00", QUIET_HOURS_END="00:00")


@pytest.fixture
def estate():
    return EstateFactory(name="海棠湾")


@pytest.fixture
def people(estate):
    """PEOPLE residents of one estate, all reachable by SMS."""
    building = BuildingFactory(estate=estate)
    units = [UnitFactory(building=building) for _ in range(10)]
    Resident.objects.bulk_create([Resident(name=f"住户{i}", mobile=f"136{i:08d}") for i in range(PEOPLE)])
    residents = list(Resident.objects.filter(mobile__startswith="136"))
    Occupancy.objects.bulk_create([Occupancy(resident=r, unit=units[i % 10]) for i, r in enumerate(residents)])
    return residents


@pytest.fixture
def publish(estate, settings):
    writer = staff_member(estate, role=Role.SERVICE)
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"
    settings.NOTIFY_SWEEP_GRACE_SECONDS = 0  # the test's delivery_sweep() plays beat, without its grace

    def publish():
        draft = svc.announcement_create(author=writer, estates=[estate], kind="general", title="停水通知",
                                        body="明天 9:00–12:00 停水检修。", channels=["sms"], audience="estates")
        return svc.announcement_publish(draft, actor=writer)

    return publish


def _sms(announcement):
    return Delivery.objects.filter(announcement=announcement, channel="sms")


def _all_sent(announcement, sweep=True):
    def check():
        if sweep:
            delivery_sweep()  # what beat does every minute
        return not _sms(announcement).exclude(status="sent").exists()
    return check


def _everyone_once(gateway, people, rows) -> int:
    """Assert 0 lost and 0 doubled, by the gateway and by the outbox; return the re-POSTs."""
    assert sorted(m["to"] for m in gateway.received) == sorted(r.mobile for r in people)
    assert rows.count() == len(people)
    assert not rows.values("resident").annotate(n=Count("id")).filter(n__gt=1).exists()
    keys = [key for _, key in gateway.posted]
    return len(keys) - len(set(keys))


def _figures(name, gateway, repeats, started, **more):
    extra = "".join(f", {k} {v}" for k, v in more.items())
    print(f"\nFAULT {name}: {len(gateway.received)} delivered, {len(gateway.posted)} POSTs, {repeats} re-POSTed, "
          f"0 lost, 0 duplicate rows, {time.monotonic() - started:.1f} s{extra}")


class OwnRedis:
    """A redis-server of the test's own on a free 127.0.0.1 port, no persistence: killing it loses
    every queued task message, the harshest broker outage."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        import redis

        self.process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        assert wait_for(lambda: _pings(client), timeout=10, interval=0.1), "redis-server did not start"

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


@contextmanager
def _broker(url):
    """Point this test process's Celery producer at `url` (publishing and pinging)."""
    from config.celery import app

    def use(target):
        # Forget (never close) the pools: kombu keeps them in a registry by URL, and the
        # suite's own broker pool must still be usable after the test.
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None
        app.conf.broker_url = target

    before = app.conf.broker_url
    use(url)
    try:
        yield
    finally:
        use(before)


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on the PATH: the test stops and restarts a Redis of its own")
    server = OwnRedis()
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


def test_redis_killed_mid_send_and_restarted_loses_no_one(start_worker, own_redis, people, publish, gateway):
    """Broker and cache on one Redis, as docker-compose runs them; it dies mid-send and comes back
    empty, taking the send tasks still queued with it. The outbox rows and the sweeper bring every
    message back; the worker (two processes, as in production) reconnects."""
    gateway.delay = 0.01
    with _broker(own_redis.url(0)):
        worker = start_worker(pool="prefork", REDIS_URL=own_redis.url(0), CACHE_URL=own_redis.url(1), **QUICK)
        started = time.monotonic()
        # Two notices to everyone: four send tasks, more than the worker holds, so some die with Redis.
        sends = [publish(), publish()]
        assert wait_for(lambda: len(gateway.received) >= PEOPLE // 5, timeout=30, interval=0.05)
        own_redis.kill()
        outage = time.monotonic()
        at_kill = len(gateway.received)
        time.sleep(3)
        own_redis.start()
        assert wait_for(lambda: all(_all_sent(a)() for a in sends), timeout=40, interval=1)
        recovered = time.monotonic() - outage
    texts = {}
    for message in gateway.received:
        texts.setdefault(message["to"], []).append(message["idempotency_key"])
    assert sorted(texts) == sorted(r.mobile for r in people) and all(len(set(k)) == len(k) == 2 for k in texts.values())
    for announcement in sends:
        rows = _sms(announcement)
        assert rows.count() == PEOPLE and not rows.values("resident").annotate(n=Count("id")).filter(n__gt=1).exists()
    keys = [key for _, key in gateway.posted]
    repeats = len(keys) - len(set(keys))
    assert repeats <= 2 * CHUNK  # at most the chunk in flight in each of the two worker processes
    assert worker.poll() is None, "the worker exited when the broker came back (see .pytest_cache/celery-w0-*.log)"
    _figures("redis", gateway, repeats, started, **{"sent before the outage": at_kill, "recovered in": f"{recovered:.1f} s"})


def test_two_beat_schedulers_at_once_send_nothing_twice(start_worker, gateway, settings):
    """Two beats each queue the sweeper every second, two workers run the sweeps and the sends
    they queue at the same time, over rows a broker outage left without tasks."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    rows = Delivery.objects.bulk_create([
        Delivery(kind="notice", channel="sms", address=f"137{i:08d}", dedupe_key=f"outage:{i}", subject="停水通知", body="明天停水。")
        for i in range(PEOPLE)])
    PeriodicTask.objects.all().delete()
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="sweeper", task="communications.tasks.deliveries_sweep", interval=every_second)
    start_worker(**QUICK)
    start_worker(**QUICK)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    beats, logs = [], []
    try:
        started = time.monotonic()
        for i in range(2):
            logs.append(ROOT / ".pytest_cache" / f"beat{i}-{os.getpid()}.log")
            beats.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "beat", "-S", "django_celery_beat.schedulers:DatabaseScheduler",
                 "--pidfile=", "--loglevel=INFO"],
                cwd=ROOT, env=worker_env(gateway.url, queue, **QUICK), stdout=process_log(f"beat{i}-{os.getpid()}"),
                stderr=subprocess.STDOUT))
        sent = Delivery.objects.filter(pk__in=[r.pk for r in rows], status="sent")
        assert wait_for(lambda: sent.count() == PEOPLE, timeout=45, interval=0.5), sent.count()
        time.sleep(2)  # the sweeps keep coming: still nothing more may go out
    finally:
        for beat in beats:
            process_stop(beat)
    assert sorted(m["to"] for m in gateway.received) == sorted(r.address for r in rows)
    keys = [key for _, key in gateway.posted]
    assert len(keys) == len(set(keys)) == PEOPLE  # not one POST twice: no crash, so no in-flight repeats
    if logs[0].parent.exists():
        ticks = [log.read_text().count("Sending due task sweeper") for log in logs]
        assert all(t >= 2 for t in ticks), ticks  # both schedulers really were sweeping
    _figures("two beats", gateway, 0, started)


def test_a_gateway_that_hangs_past_its_timeout_is_retried_and_holds_no_one_up(start_worker, people, publish, gateway):
    gateway.hang_next(3, 4)  # the first three requests answer after 4 s; the worker gives up after 1 s
    start_worker(NOTIFY_GATEWAY_TIMEOUT=1, **QUICK)
    started = time.monotonic()
    announcement = publish()
    # No sweeper here: the worker retries by itself (a delayed task after the 1 s backoff).
    assert wait_for(_all_sent(announcement, sweep=False), timeout=40, interval=0.5)
    hung = DeliveryAttempt.objects.filter(delivery__announcement=announcement)
    assert hung.count() == 3 and all("timed out" in a.error for a in hung)
    assert sorted(_sms(announcement).values_list("attempts", flat=True)) == [1] * (PEOPLE - 3) + [2] * 3
    repeats = _everyone_once(gateway, people, _sms(announcement))
    # The slow provider delivered the hung three after all; their retries repeated the same keys.
    assert repeats == 3 and gateway.duplicates <= 3
    _figures("hanging gateway", gateway, repeats, started)


def test_429_with_retry_after_is_retried_after_that_delay(start_worker, people, publish, gateway):
    gateway.fail_next(1, status=429, headers={"Retry-After": "2"})
    start_worker(**QUICK)
    started = time.monotonic()
    announcement = publish()
    assert wait_for(_all_sent(announcement, sweep=False), timeout=40, interval=0.5)
    [refused] = DeliveryAttempt.objects.filter(delivery__announcement=announcement)
    first_post = gateway.posted[0][0]
    # Nothing went to the provider while it asked us to wait, and the refused message went after.
    assert all(at >= first_post + 1.9 for at, _ in gateway.posted[1:])
    assert "429" in refused.error and (refused.delivery.sent_at - refused.at).total_seconds() >= 1.9
    assert sorted(_sms(announcement).values_list("attempts", flat=True)) == [1] * (PEOPLE - 1) + [2]
    repeats = _everyone_once(gateway, people, _sms(announcement))
    assert repeats == 1  # the refused POST, sent again
    _figures("429 Retry-After", gateway, repeats, started)


def _group_stop(leader):
    """Stop a process group this test started (the loop and its worker), politely, then not."""
    os.killpg(leader.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        leader.poll()
        try:
            os.killpg(leader.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(leader.pid, signal.SIGKILL)
    leader.wait()


# What the README tells an operator to run without docker-compose: a worker that is restarted
# whenever it exits (docker-compose does the same with `restart: unless-stopped`).
SUPERVISED = 'while true; do {worker}; echo "worker exited ($?), restarting" >&2; sleep 1; done'


def test_a_worker_killed_under_its_supervisor_comes_back_and_finishes_the_send(start_worker, people, publish, gateway, settings):
    if not shutil.which("pgrep"):
        pytest.skip("needs pgrep to find the supervised worker process")
    # start_worker is asked for its checks (Redis, PostgreSQL) and settings; the worker here is the loop's.
    name, queue = f"supervised-{os.getpid()}@localhost", settings.CELERY_TASK_DEFAULT_QUEUE
    loop = subprocess.Popen(["sh", "-c", SUPERVISED.format(worker=shlex.join(worker_argv(name, queue)))], cwd=ROOT,
                            env=worker_env(gateway.url, queue, **QUICK), stdout=process_log(f"celery-{name}"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        worker_wait_ready(name, loop)
        gateway.delay = 0.01
        started = time.monotonic()
        announcement = publish()
        assert wait_for(lambda: len(gateway.received) >= PEOPLE // 5, timeout=30, interval=0.05)
        [first] = subprocess.run(["pgrep", "-P", str(loop.pid)], capture_output=True, text=True).stdout.split()
        os.kill(int(first), signal.SIGKILL)  # mid-batch, no goodbye
        killed = time.monotonic()
        worker_wait_ready(name, loop)  # the supervisor started a new one
        [second] = subprocess.run(["pgrep", "-P", str(loop.pid)], capture_output=True, text=True).stdout.split()
        assert second != first
        assert wait_for(_all_sent(announcement), timeout=40, interval=1)
        recovered = time.monotonic() - killed
    finally:
        _group_stop(loop)
    repeats = _everyone_once(gateway, people, _sms(announcement))
    assert repeats <= CHUNK
    _figures("worker killed under supervision", gateway, repeats, started, **{"recovered in": f"{recovered:.1f} s"})
