import pytest

from .support import ARGS, CHROMIUM


@pytest.fixture
def browser(monkeypatch):
    """Headless Debian Chromium driven by Playwright, one per journey."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous. Set only for these tests (it must not leak into other processes).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
