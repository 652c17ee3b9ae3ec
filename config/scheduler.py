"""The beat schedule, run in-process for the embedded default (no broker).

Without Redis there is no `celery beat`, and tasks run eagerly in whichever process calls them.
`manage.py run_schedule` (started by `make run`) calls `schedule_run_due` in a loop, so scheduled
announcements go out, the SLA sweep warns and escalates, and the delivery sweeps release
quiet-hour deferrals and due retries.

The schedule is django-celery-beat's (PeriodicTask rows, editable in the admin), read as its
DatabaseScheduler reads it; whether a task is due comes from celery's own schedule objects
(interval, crontab, solar, clocked). With a broker, the real `celery beat` does this job, and this
must never run beside it (see the command).
"""

import logging
import math
import time
from datetime import datetime, timedelta

from celery.utils.time import maybe_make_aware
from django.db.models import F
from django_celery_beat.models import PeriodicTask
from kombu.utils.json import loads

from .celery import app

log = logging.getLogger(__name__)


def schedule_run_due(now: datetime) -> list[str]:
    """Run, in this process, every enabled periodic task that is due at `now`; return their names.

    Each run is recorded (last_run_at = now, total_run_count + 1) before it starts, as beat
    records it, so a failing task is tried again at its next time, not on every tick. The record
    is a compare-and-set on last_run_at: of two schedulers on one database, one runs the task.
    A task that fails is logged and the others still run.
    """
    _tasks_discover()
    ran = []
    for task in _enabled():
        try:
            due, _ = _due(task, now)
        except Exception:
            log.exception("Periodic task %r has a schedule that cannot be read; skipped", task.name)
            continue
        if due and _claim(task, now):
            ran.append(task.name)
            _run(task)
    return ran


def schedule_next_due_in(now: datetime) -> float:
    """Seconds from `now` until the next enabled task is due (0 if one is; inf if none will be)."""
    waits = [math.inf]
    for task in _enabled():
        try:
            due, next_in = _due(task, now)
        except Exception:
            continue
        waits.append(0.0 if due else max(float(next_in), 0.0))
    return min(waits)


def _enabled():
    return PeriodicTask.objects.filter(enabled=True).select_related("interval", "crontab", "solar", "clocked")


def _due(task: PeriodicTask, now: datetime) -> tuple[bool, float]:
    """(due at `now`, seconds until it should be looked at again), as beat's ModelEntry.is_due."""
    if task.start_time is not None and now < task.start_time:
        return False, (task.start_time - now).total_seconds()
    if task.expires is not None and now >= task.expires:
        return False, math.inf
    if task.one_off and task.total_run_count > 0:
        return False, math.inf
    schedule = task.schedule
    zone = getattr(schedule, "tz", None) or app.timezone  # a crontab carries its own zone
    schedule.nowfun = lambda: now.astimezone(zone)
    return schedule.is_due(_last_run_at(task).astimezone(zone))


def _last_run_at(task: PeriodicTask) -> datetime:
    # As beat: a task that never ran counts from when its row last changed (a fresh install waits
    # one interval); one with a start time counts from long ago, so it runs once that is reached.
    if task.last_run_at:
        return maybe_make_aware(task.last_run_at)
    since = maybe_make_aware(task.date_changed)
    return since - timedelta(days=365 * 30) if task.start_time else since


def _claim(task: PeriodicTask, now: datetime) -> bool:
    # update(), not save(): a save signals every beat to reload the whole schedule, and would
    # overwrite an edit made in the admin meanwhile.
    record = {"last_run_at": now, "total_run_count": F("total_run_count") + 1}
    if task.one_off:
        record["enabled"] = False
    return PeriodicTask.objects.filter(pk=task.pk, enabled=True, last_run_at=task.last_run_at).update(**record) == 1


def _run(task: PeriodicTask) -> None:
    celery_task = app.tasks.get(task.task)
    if celery_task is None:
        log.error("Periodic task %r names %s, which no installed app defines; not run", task.name, task.task)
        return
    started = time.monotonic()
    try:
        result = celery_task.apply(args=loads(task.args or "[]"), kwargs=loads(task.kwargs or "{}"), throw=True).result
    except Exception:
        log.exception("Periodic task %r (%s) failed; it runs again at its next time", task.name, task.task)
        return
    took = time.monotonic() - started
    # Routine runs that found nothing to do are logged at DEBUG, or the console fills with them.
    level = logging.INFO if _did_something(result) else logging.DEBUG
    log.log(level, "Ran %r in %.2f s: %s", task.name, took, result)


def _did_something(result) -> bool:
    if isinstance(result, dict):
        return any(result.values())
    return bool(result)


_discovered = False


def _tasks_discover() -> None:
    """Import every installed app's tasks.py, as a worker does at start, so app.tasks knows them
    all. (Not loader.import_default_modules(): it runs django.setup() again, resetting logging.)"""
    global _discovered
    if not _discovered:
        app.autodiscover_tasks(force=True)
        _discovered = True
