"""What every browser journey shares: Debian's Chromium (never a downloaded one), the marks that
skip a journey where it is missing, and signing in."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Skipped, with the reason, where Chromium is not installed (.ci/run installs it); each journey
# runs against a live server, so its rows must be committed (transaction=True).
JOURNEY_MARKS = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"),
    pytest.mark.django_db(transaction=True),
]


def sign_in(page, base, login, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password)
    page.click("button.btn-primary")
    page.wait_for_load_state()
