"""Project-level promises: production refuses half-configuration, compose is sound, Chinese is complete."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import polib
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


# What a complete production configuration sets; each test takes one part away.
PRODUCTION_ENV = {
    "SECRET_KEY": "k3Y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "lighthouse.example.com",
    "NOTIFY_GATEWAY_URL": "https://sms.example.com/v1/messages",
    "EMAIL_URL": "smtp+tls://lighthouse:secret@smtp.example.com:587",
}


def _check_production(env_overrides):
    """`check --deploy` under production settings; an override of None removes the variable."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "NOTIFY_GATEWAY_URL", "EMAIL_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env_overrides})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_real_secret():
    result = _check_production({"SECRET_KEY": "", "DATABASE_URL": "postgres://u@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_sqlite():
    result = _check_production({"SECRET_KEY": "x" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789", "DATABASE_URL": "sqlite:///tmp.db", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert result.returncode != 0 and "PostgreSQL" in result.stderr


def test_production_passes_deploy_checks_without_warnings():
    result = _check_production(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("gateway_url", [None, ""])
def test_production_refuses_to_start_without_an_sms_gateway(gateway_url):
    result = _check_production({**PRODUCTION_ENV, "NOTIFY_GATEWAY_URL": gateway_url})
    assert result.returncode != 0
    assert "ImproperlyConfigured: NOTIFY_GATEWAY_URL must be set in production" in result.stderr


@pytest.mark.parametrize("email_url", [None, "", "consolemail://", "memorymail://", "dummymail://", "filemail:///tmp/mail"])
def test_production_refuses_to_start_without_real_email(email_url):
    result = _check_production({**PRODUCTION_ENV, "EMAIL_URL": email_url})
    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL must point at a real mail server in production" in result.stderr


def test_docker_compose_runs_every_service_with_a_health_check():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    images = {services[n].get("image") or "build" for n in ("web", "worker", "beat")}
    assert len({str(services[n].get("build")) for n in ("web", "worker", "beat")}) == 1, images
    assert "migrate" in str(services["web"]["command"])
    assert "gunicorn" in str(services["web"]["command"])
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://")


def test_docker_compose_restarts_the_app_and_passes_what_production_requires():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        # A worker that exits (e.g. celery's "Unrecoverable error") comes back on its own.
        assert service.get("restart") in {"always", "unless-stopped"}, name
        env = service["environment"]
        # The cache in its own Redis database: flushing or evicting it never touches queued tasks.
        assert env["REDIS_URL"].startswith("redis://redis:6379/") and env["CACHE_URL"].startswith("redis://redis:6379/")
        assert env["CACHE_URL"] != env["REDIS_URL"]
        # Production settings refuse to start without these; compose says so before starting anything.
        for required in ("SECRET_KEY", "NOTIFY_GATEWAY_URL", "EMAIL_URL"):
            assert ":?" in env[required], f"{name}: {required} should be required (${{{required}:?…}})"


def test_the_web_process_runs_threaded_workers_from_one_settings_file():
    """A million-row export streams for minutes: with sync workers gunicorn's timeout killed it
    half-way; with threads the timeout watches the process, not the request."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn -c config/gunicorn.conf.py" in compose
    assert '"gunicorn", "-c", "config/gunicorn.conf.py"' in dockerfile
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread" and settings["threads"] > 1


CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_chinese_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert len(po) > 100
    assert po.untranslated_entries() == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, f"django.mo is stale: run make messages ({entry.msgid!r})"


@pytest.mark.skipif(not Path("/usr/bin/xgettext").exists(), reason="needs GNU gettext (xgettext) to extract strings")
def test_every_string_in_the_code_is_in_the_chinese_catalogue(tmp_path):
    """Re-extract the strings and compare: a new untranslated string fails here, not in front of a user."""
    import shutil

    work = tmp_path / "tree"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", "node_modules", "static", "staticfiles", ".git", "media", "*.sqlite3", ".pytest_cache"))
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--ignore=tests/*"],
                   cwd=work, check=True, capture_output=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    fresh = polib.pofile(str(work / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == []
