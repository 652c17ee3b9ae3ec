"""Settings read from the environment: the syntax .env.example shows gives the values it means."""

import re
import runpy

import environ
import pytest

from tests.conftest import ROOT

NOTIFY = ("NOTIFY_RATE_LIMITS", "NOTIFY_FALLBACK")


@pytest.fixture
def settings_with(monkeypatch):
    """The settings module's values for the given environment (a developer's .env not read)."""
    monkeypatch.setattr(environ.Env, "read_env", classmethod(lambda cls, *args, **kwargs: None))

    def evaluate(**variables):
        for name in NOTIFY:
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "config" / "settings" / "base.py"))

    return evaluate


def test_channel_rates_and_fallbacks_are_key_value_pairs(settings_with):
    defaults = settings_with()
    assert defaults["NOTIFY_RATE_LIMITS"] == {"sms": 50, "push": 200}
    assert defaults["NOTIFY_FALLBACK"] == {"sms": "email", "push": "sms"}
    given = settings_with(NOTIFY_RATE_LIMITS="sms=5,push=0", NOTIFY_FALLBACK="sms=email")
    assert given["NOTIFY_RATE_LIMITS"] == {"sms": 5, "push": 0}
    assert given["NOTIFY_FALLBACK"] == {"sms": "email"}
    assert settings_with(NOTIFY_RATE_LIMITS="")["NOTIFY_RATE_LIMITS"] == {}  # no caps, as the test workers run


def test_env_example_spells_out_the_defaults(settings_with):
    example = (ROOT / ".env.example").read_text()
    values = {name: re.search(rf"^{name}=(.*)$", example, re.M).group(1) for name in NOTIFY}
    from_example, defaults = settings_with(**values), settings_with()
    assert {name: from_example[name] for name in NOTIFY} == {name: defaults[name] for name in NOTIFY}
