import itertools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.fakes import FakeGateway

ROOT = Path(__file__).resolve().parent.parent
_cache_generation = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate-limit counters never leak between tests: each test gets its own cache key space."""
    cache.version = next(_cache_generation)
    yield


@pytest.fixture
def gateway(settings):
    """The fake SMS/push gateway on 127.0.0.1, wired into settings for this test."""
    with FakeGateway() as fake:
        settings.NOTIFY_GATEWAY_URL = fake.url
        settings.NOTIFY_GATEWAY_KEY = "test-key"
        settings.NOTIFY_GATEWAY_TIMEOUT = 2
        yield fake


LINK = re.compile(r"https?://\S+")


def link_in(text: str) -> str:
    """The path of the first link in a message."""
    url = LINK.search(text).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def test_database_url() -> str:
    """A URL another process can use to open the PostgreSQL test database."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(gateway_url: str, queue: str, **extra) -> dict:
    """Environment for a worker or beat process on the test database and `queue`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": test_database_url(),
        "CELERY_QUEUE": queue,
        "NOTIFY_GATEWAY_URL": gateway_url,
        "NOTIFY_GATEWAY_KEY": "test-key",
        "NOTIFY_GATEWAY_TIMEOUT": "2",  # as the gateway fixture: a claim's lease is 3 timeouts (6 s)
        "SITE_URL": "http://testserver",
        "CONN_MAX_AGE": "0",
        **{k: str(v) for k, v in extra.items()},
    }


def worker_argv(name: str, queue: str, *, pool: str = "solo") -> list[str]:
    pool_args = ["--pool=solo"] if pool == "solo" else [f"--pool={pool}", "--concurrency=2"]
    return [sys.executable, "-m", "celery", "-A", "config", "worker", *pool_args, "-Q", queue, "-n", name,
            "--without-gossip", "--without-mingle", "--loglevel=INFO"]


def process_log(name: str):
    """Where a test's worker or beat process writes: .pytest_cache/<name>.log when it exists."""
    folder = ROOT / ".pytest_cache"
    return open(folder / f"{name}.log", "w") if folder.exists() else subprocess.DEVNULL


def worker_wait_ready(name: str, process=None, timeout: float = 30) -> None:
    """Return once the worker `name` answers a ping; fail the test if it exits or stays silent."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5, destination=[name]):
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}")
    pytest.fail(f"the Celery worker did not answer within {timeout:.0f} s")


def process_stop(process, timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def start_worker(transactional_db, gateway):
    """Start real Celery worker processes (Redis broker, PostgreSQL test database); all are
    stopped after the test. `pool="prefork"` runs two child processes as production does; extra
    settings for the worker come as keyword arguments."""
    from django.conf import settings
    from django.db import connection

    from config.celery import app

    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: this test runs a real Celery worker against Redis")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: the worker process must open the test database")
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    workers = []

    def start(pool="solo", **extra_env):
        name = f"w{len(workers)}-{os.getpid()}@localhost"
        worker = subprocess.Popen(worker_argv(name, queue, pool=pool), cwd=ROOT, env=worker_env(gateway.url, queue, **extra_env),
                                  stdout=process_log(f"celery-{name}"), stderr=subprocess.STDOUT)
        workers.append(worker)
        worker_wait_ready(name, worker)
        return worker

    app.conf.task_always_eager = False
    try:
        yield start
    finally:
        app.conf.task_always_eager = True
        for worker in workers:
            process_stop(worker)


@pytest.fixture
def celery_worker(start_worker):
    """One real worker with the default settings."""
    return start_worker()


def wait_for(predicate, timeout=30, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
