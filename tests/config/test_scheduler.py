"""The in-process scheduler of the embedded default (`manage.py run_schedule`, started by `make run`).

Without Redis there is no `celery beat`: this is what makes scheduled announcements go out, the
SLA sweep warn and escalate, and the delivery sweeps release quiet-hour deferrals. It reads the
same beat schedule (the PeriodicTask rows the migrations install) and must never run beside a
real beat.
"""

import importlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from communications.models import Announcement, Delivery
from communications.services.announcements import announcement_create, announcement_publish
from complaints.models import Category, Complaint
from complaints.services import complaint_assign, complaint_submit
from config.scheduler import schedule_next_due_in, schedule_run_due
from owners.models import Role
from tests.conftest import wait_for
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, owner_with_account, staff_member

ROOT = Path(__file__).resolve().parents[2]
SLA = "complaints.tasks.complaints_sla_sweep"
RELEASE = "communications.tasks.announcements_release"
SWEEP = "communications.tasks.deliveries_sweep"
RECLAIM = "communications.tasks.deliveries_reclaim_expired"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _name(task):
    return PeriodicTask.objects.get(task=task).name


def _last_ran(task, at):
    PeriodicTask.objects.filter(task=task).update(last_run_at=at)


@pytest.fixture(autouse=True)
def _embedded_default(settings):
    """No broker (as under `make run`, whatever this test run uses) and no quiet hours."""
    settings.REDIS_URL = ""
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = "00:00", "00:00"


@pytest.fixture
def beat_schedule(db):
    """The PeriodicTask rows the migrations install (a transactional test elsewhere may have flushed them)."""
    from django.apps import apps

    for migration in ("complaints.migrations.0003_sla_sweep_schedule", "communications.migrations.0003_sweeper_schedule",
                      "communications.migrations.0006_announcement_schedules",
                      "communications.migrations.0014_delivery_reclaim_schedule"):
        importlib.import_module(migration).install(apps, None)


@pytest.fixture
def estate():
    return EstateFactory(name="海棠湾")


@pytest.fixture
def overdue_complaint(estate):
    """An assigned complaint whose first-response deadline passed a minute ago, not yet escalated."""
    unit = UnitFactory(building=BuildingFactory(estate=estate))
    owner = owner_with_account(unit)
    noise = Category.objects.get_or_create(code="noise", defaults={"name": "噪音", "name_en": "Noise"})[0]
    complaint = complaint_submit(resident=owner.resident, category=noise, description="楼上每晚装修到十一点", unit=unit)
    manager = staff_member(estate, role=Role.ESTATE_MANAGER, email="manager@example.com")
    complaint_assign(complaint, assignee=staff_member(estate, role=Role.SERVICE), actor=manager)
    Complaint.objects.filter(pk=complaint.pk).update(response_due_at=timezone.now() - timedelta(minutes=1))
    complaint.manager = manager
    return complaint


@pytest.fixture
def due_announcement(estate):
    """A notice scheduled for a minute ago to three residents, still waiting to be released."""
    building = BuildingFactory(estate=estate)
    owners = [owner_with_account(UnitFactory(building=building)) for _ in range(3)]
    writer = staff_member(estate, role=Role.SERVICE)
    draft = announcement_create(author=writer, estates=[estate], kind="general", title="停水通知",
                                body="明天上午9点至12点停水检修。", channels=["portal"], audience="estates",
                                scheduled_at=timezone.now() + timedelta(hours=1))
    announcement = announcement_publish(draft, actor=writer)
    assert announcement.status == "scheduled"
    Announcement.objects.filter(pk=announcement.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    announcement.residents = [owner.resident for owner in owners]
    return announcement


def _escalated(complaint):
    complaint.refresh_from_db()
    return complaint.response_breached and Delivery.objects.filter(user=complaint.manager, topic="complaint.sla_breach").exists()


@pytest.mark.usefixtures("beat_schedule")
def test_one_tick_sends_a_due_announcement_and_escalates_an_overdue_complaint(
        due_announcement, overdue_complaint, django_capture_on_commit_callbacks):
    now = timezone.now()
    for task in (SLA, RELEASE, SWEEP, RECLAIM):
        _last_ran(task, now - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        ran = schedule_run_due(now)
    # Every task whose time had come ran; others the migrations install (incident deadlines, early
    # warning …) may be due on a fresh database too.
    assert {_name(SLA), _name(RELEASE), _name(SWEEP), _name(RECLAIM)} <= set(ran)
    due_announcement.refresh_from_db()
    assert due_announcement.status == "sent"
    assert Delivery.objects.filter(announcement=due_announcement, resident__in=due_announcement.residents).count() == 3
    assert _escalated(overdue_complaint)
    # Recorded as beat records it, so the admin's Periodic tasks page shows when each last ran.
    sla = PeriodicTask.objects.get(task=SLA)
    assert (sla.last_run_at, sla.total_run_count) == (now, 1)


@pytest.mark.usefixtures("beat_schedule")
def test_a_task_not_yet_due_and_a_disabled_task_do_not_run(due_announcement, overdue_complaint,
                                                           django_capture_on_commit_callbacks):
    now = timezone.now()
    _last_ran(SLA, now - timedelta(seconds=30))  # every minute: due in 30 s
    _last_ran(RELEASE, now - timedelta(minutes=5))
    PeriodicTask.objects.exclude(task=SLA).update(enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        ran = schedule_run_due(now)
    assert _name(SLA) not in ran and _name(RELEASE) not in ran
    assert not _escalated(overdue_complaint)
    due_announcement.refresh_from_db()
    assert due_announcement.status == "scheduled"
    assert PeriodicTask.objects.get(task=SLA).total_run_count == 0
    assert 29 <= schedule_next_due_in(now) <= 30  # the sweep, not the disabled release


@pytest.mark.usefixtures("beat_schedule")
def test_a_task_that_never_ran_waits_one_interval_from_its_installation_as_beat_does():
    installed = PeriodicTask.objects.get(task=SLA).date_changed
    PeriodicTask.objects.exclude(task=SLA).update(enabled=False)
    assert schedule_run_due(installed + timedelta(seconds=59)) == []
    assert schedule_run_due(installed + timedelta(seconds=61)) == [_name(SLA)]


@pytest.mark.usefixtures("beat_schedule")
def test_two_ticks_at_the_same_moment_run_each_task_once(overdue_complaint, django_capture_on_commit_callbacks):
    now = timezone.now()
    PeriodicTask.objects.update(last_run_at=now - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        first = schedule_run_due(now)
        second = schedule_run_due(now)
    assert _name(SLA) in first and second == []
    assert PeriodicTask.objects.get(task=SLA).total_run_count == 1
    assert Delivery.objects.filter(user=overdue_complaint.manager, topic="complaint.sla_breach").count() == 1
    # A minute later it is due again.
    assert _name(SLA) in schedule_run_due(now + timedelta(minutes=1))


@pytest.mark.usefixtures("beat_schedule")
def test_a_crontab_task_runs_at_its_time_in_its_zone():
    PeriodicTask.objects.update(enabled=False)
    nightly = CrontabSchedule.objects.create(minute="0", hour="3", timezone="Asia/Shanghai")
    PeriodicTask.objects.create(name="Nightly sweep", task=SWEEP, crontab=nightly,
                                last_run_at=datetime(2026, 3, 1, 3, 0, tzinfo=SHANGHAI))
    assert schedule_run_due(datetime(2026, 3, 2, 2, 59, tzinfo=SHANGHAI)) == []
    assert schedule_next_due_in(datetime(2026, 3, 2, 2, 59, tzinfo=SHANGHAI)) == pytest.approx(60, abs=1)
    assert schedule_run_due(datetime(2026, 3, 2, 3, 0, 30, tzinfo=SHANGHAI)) == ["Nightly sweep"]
    assert schedule_run_due(datetime(2026, 3, 2, 3, 1, tzinfo=SHANGHAI)) == []


@pytest.mark.usefixtures("beat_schedule")
def test_a_failing_task_is_logged_and_the_others_still_run(overdue_complaint, caplog, django_capture_on_commit_callbacks):
    now = timezone.now()
    PeriodicTask.objects.update(last_run_at=now - timedelta(minutes=2))
    every_minute = IntervalSchedule.objects.get(every=1, period="minutes")
    PeriodicTask.objects.create(name="Broken arguments", task=RELEASE, kwargs='{"unexpected": 1}', interval=every_minute,
                                last_run_at=now - timedelta(minutes=2))
    PeriodicTask.objects.create(name="Task of a removed app", task="nowhere.tasks.gone", interval=every_minute,
                                last_run_at=now - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        ran = schedule_run_due(now)
    assert _escalated(overdue_complaint) and _name(SLA) in ran
    errors = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    assert "Broken arguments" in errors and "Task of a removed app" in errors
    # Recorded like any run: a broken task is tried once per interval, not on every tick.
    assert schedule_run_due(now + timedelta(seconds=5)) == []


@pytest.mark.usefixtures("beat_schedule")
def test_the_command_refuses_to_start_beside_a_broker(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    with pytest.raises(CommandError, match="celery -A config beat"):
        call_command("run_schedule", "--once")


@pytest.mark.usefixtures("beat_schedule")
def test_the_command_once_runs_what_is_due_and_returns(overdue_complaint, django_capture_on_commit_callbacks):
    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", "--once")
    assert _escalated(overdue_complaint)


def _embedded_env(database: Path) -> dict:
    """The embedded default (dev settings, SQLite file, no broker), whatever this test run uses."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SITE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DATABASE_URL=f"sqlite:///{database}",
               REDIS_URL="", CACHE_URL="", NOTIFY_GATEWAY_URL="", DEBUG="true")
    return env


def _run_count(database: Path, task: str) -> int:
    with sqlite3.connect(database, timeout=10) as db:
        return db.execute("SELECT total_run_count FROM django_celery_beat_periodictask WHERE task = ?", [task]).fetchone()[0]


def test_the_command_runs_a_due_task_and_stops_cleanly_on_sigterm(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = _embedded_env(database)
    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=180)
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as db:
        db.execute("UPDATE django_celery_beat_periodictask SET last_run_at = '2000-01-01 00:00:00' WHERE task = ?", [SLA])
    log = open(tmp_path / "run_schedule.log", "w+")
    process = subprocess.Popen([sys.executable, "manage.py", "run_schedule", "--interval", "0.5", "-v", "2"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: _run_count(database, SLA) >= 1, timeout=60), "the due SLA sweep never ran"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0  # it stops by itself (the pass under way finishes first)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log.seek(0)
    output = log.read()
    assert "Traceback" not in output, output
    assert "Complaint SLA warnings and escalations" in output and "stopped" in output, output
    assert _run_count(database, SLA) == 1  # once: it is not due again for a minute


# Under `make run` runserver and run_schedule write to one SQLite file. Each process here reads and
# then writes in a transaction, as the services do, while the other one does the same.
CONTENDER = """
import os, sys, time, django
django.setup()
from django.db import OperationalError, connection, transaction
go, done, locked = sys.argv[1], 0, 0
print("ready", flush=True)
while not os.path.exists(go):  # both start together, however long each took to set up
    time.sleep(0.01)
for _ in range(ROUNDS):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM contention")
            time.sleep(0.005)
            cursor.execute("INSERT INTO contention VALUES (1)")
        done += 1
    except OperationalError:
        locked += 1
print(done, locked)
""".replace("ROUNDS", "40")


def test_the_embedded_default_waits_for_the_other_process_instead_of_failing_with_database_locked(tmp_path):
    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE contention (n integer)")
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", CONTENDER, str(go)], cwd=ROOT, env=_embedded_env(database),
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
    assert [process.stdout.readline().strip() for process in processes] == ["ready", "ready"]
    go.touch()
    results = [process.communicate(timeout=120)[0].split() for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert results == [["40", "0"], ["40", "0"]]  # every transaction done, none refused as "database is locked"


# --- make run ------------------------------------------------------------------------------------

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make, which `make run` uses")


def _make_sandbox(tmp_path: Path) -> Path:
    """A copy of the Makefile in a folder where every setup step is already done, and whose
    `.venv/bin/python` is a stand-in that records how it was called (runserver and run_schedule
    stay up until stopped, everything else returns at once)."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("requirements.txt", "requirements-dev.txt", "package.json", "package-lock.json"):
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (1, 1))
    for stamp in (".venv/.installed", "node_modules/.installed", "scripts/vendor_assets.sh"):
        (tmp_path / stamp).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / stamp).write_text("")
    python = tmp_path / ".venv/bin/python"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.write_text(
        "#!/bin/sh\n"
        'log="$(dirname "$0")/../../calls.log"\n'
        'case "$2" in\n'
        '  run_schedule) echo "run_schedule $$ SITE_URL=$SITE_URL" >> "$log"\n'
        "    trap 'echo \"run_schedule stopped\" >> \"$log\"; exit 0' TERM\n"
        "    while :; do sleep 0.1; done ;;\n"
        '  runserver) echo "runserver $3 SITE_URL=$SITE_URL" >> "$log"; sleep "${RUNSERVER_SECONDS:-1}" ;;\n'
        "esac\n")
    python.chmod(0o755)
    return tmp_path


def _make_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT", "MAKEFLAGS", "MAKELEVEL"}}
    return {**env, **extra}


def _dry_run(folder: Path, *args, **env) -> str:
    done = subprocess.run(["make", "-n", "run", *args], cwd=folder, env=_make_env(**env), capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_make
def test_make_run_points_links_at_the_port_it_serves_on(tmp_path):
    recipe = _dry_run(_make_sandbox(tmp_path), "PORT=8201")
    scheduler, = (line for line in recipe.splitlines() if "manage.py run_schedule" in line)
    server, = (line for line in recipe.splitlines() if "manage.py runserver" in line)
    assert "SITE_URL='http://127.0.0.1:8201'" in scheduler
    assert "SITE_URL='http://127.0.0.1:8201'" in server and "runserver 127.0.0.1:8201" in server


@needs_make
def test_make_run_keeps_a_site_url_the_user_set(tmp_path):
    folder = _make_sandbox(tmp_path)
    assert "SITE_URL='https://wy.example.com'" in _dry_run(folder, "PORT=8201", "SITE_URL=https://wy.example.com")
    assert "SITE_URL='https://env.example.com'" in _dry_run(folder, "PORT=8201", SITE_URL="https://env.example.com")
    (folder / ".env").write_text("SITE_URL=https://dotenv.example.com\n")
    assert "SITE_URL" not in _dry_run(folder, "PORT=8201")  # the settings read it from .env


@needs_make
@pytest.mark.parametrize("how", ["runserver exits", "Ctrl-C"])
def test_make_run_starts_the_scheduler_beside_runserver_and_stops_it_with_runserver(tmp_path, how):
    folder = _make_sandbox(tmp_path)
    calls = folder / "calls.log"
    make = subprocess.Popen(["make", "run", "PORT=8765"], cwd=folder, start_new_session=True,
                            env=_make_env(RUNSERVER_SECONDS="1" if how == "runserver exits" else "60"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: calls.exists() and "runserver" in calls.read_text(), timeout=20)
        if how == "Ctrl-C":
            os.killpg(make.pid, signal.SIGINT)  # what the terminal does: the whole foreground group
        make.wait(timeout=20)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
    lines = calls.read_text().splitlines()
    started = next(line for line in lines if line.startswith("run_schedule "))
    assert started.endswith("SITE_URL=http://127.0.0.1:8765")
    assert "runserver 127.0.0.1:8765 SITE_URL=http://127.0.0.1:8765" in lines
    assert lines[-1] == "run_schedule stopped"
    assert wait_for(lambda: not _alive(int(started.split()[1])), timeout=5)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return open(f"/proc/{pid}/stat").read().split()[2] != "Z" if os.path.exists(f"/proc/{pid}/stat") else True
