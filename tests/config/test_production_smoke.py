"""Production smoke test: what the Docker image does, on this machine.

The static files are built with production settings (manifest storage, compressed), then gunicorn
serves the main pages under those settings (DEBUG off) and they must answer — not 500. `check
--deploy` alone once passed while collectstatic could not run and every page failed.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from communications.services import media as statements
from owners.models import Role
from tests.conftest import test_database_url as subprocess_database_url
from tests.factories import EstateFactory, staff_member

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def production_env(static_root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": subprocess_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        # Real gateways are required in production; nothing is sent by this test.
        "NOTIFY_GATEWAY_URL": "http://127.0.0.1:9/send",
        "NOTIFY_GATEWAY_KEY": "smoke",
        "EMAIL_URL": "smtp://127.0.0.1:9",
        "CONN_MAX_AGE": "0",
    })
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str):
    """GET as a browser behind the TLS-terminating proxy production expects."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served(tmp_path):
    """collectstatic under production settings, then gunicorn on a loopback port; stopped after."""
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs DATABASE_URL on PostgreSQL and REDIS_URL: production settings refuse anything else")
    env = production_env(tmp_path / "static")
    built = subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen(
        # The production settings file (threaded workers), on a loopback port with one process.
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                fetch(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_production_build_serves_the_main_pages(served):
    estate = EstateFactory(name="阳光花园")
    author = staff_member(estate, role=Role.SPOKESPERSON)
    statement = statements.statement_create(author=author, title="关于停水的说明", body="今日 9:00 恢复供水。",
                                            estate=estate)
    statements.statement_submit(statement, actor=author)
    statements.statement_review(statement, actor=staff_member(estate, role=Role.ESTATE_MANAGER), approve=True)
    statements.statement_publish(statement, actor=author)

    pages = {
        "/healthz": 200,
        "/accounts/login/": 200,
        "/admin/login/": 200,
        "/api/docs/": 200,
        "/api/schema/": 200,
        f"/press/statements/{statement.thread}/": 200,
        "/no-such-page/": 404,
    }
    answers = {path: fetch(served + path) for path in pages}
    assert {path: status for path, (status, _, _) in answers.items()} == pages

    status, headers, body = answers["/accounts/login/"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "关于停水的说明" in answers[f"/press/statements/{statement.thread}/"][2].decode()

    # Pages link the hashed names from the manifest, and those files are served (with their maps).
    html = body.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any(re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", a) for a in assets), assets
    for asset in assets:
        asset_status, asset_headers, content = fetch(served + asset)
        assert asset_status == 200 and content, asset
    css = next(a for a in assets if a.endswith(".css") and "bootstrap.min" in a)
    source_map = re.search(r"sourceMappingURL=(\S+?)\s*\*/", fetch(served + css)[2].decode())
    assert source_map and fetch(served + css.rsplit("/", 1)[0] + "/" + source_map.group(1))[0] == 200
