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


@pytest.fixture
def start_worker(transactional_db, gateway):
    """Start real Celery worker processes (Redis broker, PostgreSQL test database); all are
    stopped after the test. Extra settings for the worker come as keyword arguments."""
    from django.conf import settings
    from django.db import connection

    from config.celery import app

    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: this test runs a real Celery worker against Redis")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: the worker process must open the test database")
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    workers = []

    def start(**extra_env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": test_database_url(),
            "CELERY_QUEUE": queue,
            "NOTIFY_GATEWAY_URL": gateway.url,
            "NOTIFY_GATEWAY_KEY": "test-key",
            "NOTIFY_GATEWAY_TIMEOUT": "2",  # as the gateway fixture: a claim's lease is 3 timeouts (6 s)
            "SITE_URL": "http://testserver",
            "CONN_MAX_AGE": "0",
            **{k: str(v) for k, v in extra_env.items()},
        }
        name = f"w{len(workers)}-{os.getpid()}@localhost"
        log = open(ROOT / ".pytest_cache" / f"celery-{name}.log", "w") if (ROOT / ".pytest_cache").exists() else subprocess.DEVNULL
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", name,
             "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        workers.append(worker)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if app.control.ping(timeout=0.5, destination=[name]):
                return worker
            if worker.poll() is not None:
                pytest.fail(f"the Celery worker exited with {worker.returncode}")
        pytest.fail("the Celery worker did not answer within 30 s")

    app.conf.task_always_eager = False
    try:
        yield start
    finally:
        app.conf.task_always_eager = True
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()


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
