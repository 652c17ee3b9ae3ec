"""`manage.py run_schedule`: the beat schedule for the embedded default, in this process.

`make run` starts it beside runserver. With REDIS_URL set it refuses to start: there a worker
runs the tasks and `celery -A config beat` keeps the schedule, and two schedulers would run
every task twice.
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.scheduler import schedule_next_due_in, schedule_run_due

log = logging.getLogger("config.scheduler")

BROKER_REFUSAL = (
    "REDIS_URL is set, so tasks go through Redis to a Celery worker and the schedule is kept by "
    "`celery -A config beat` (see docker-compose.yml). run_schedule is only for the embedded default "
    "without a broker; it does not start beside beat, or every periodic task would run twice."
)


class Command(BaseCommand):
    help = ("Run the periodic tasks of the beat schedule (Periodic tasks in the admin) in this process, "
            "for the embedded default without Redis. Stops on SIGTERM or Ctrl-C.")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0,
                            help="Longest wait in seconds between two looks at the schedule (default 5).")
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")

    def handle(self, *args, interval, once, verbosity, **options):
        if settings.REDIS_URL or not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError(BROKER_REFUSAL)
        if verbosity > 1:
            log.setLevel(logging.DEBUG)  # every run, also those that found nothing to do
        if once:
            self._tick()
            return
        if verbosity < 2:
            logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # "Task … succeeded" every 15 s
        interval = min(max(interval, 0.1), 60.0)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        log.info("run_schedule: running the %d enabled periodic tasks (admin › Periodic tasks) in this process; "
                 "stop with Ctrl-C or SIGTERM", PeriodicTask.objects.filter(enabled=True).count())
        while not stop.is_set():
            close_old_connections()  # as beat: never reuse a connection the database has dropped
            self._tick()
            try:
                wait = schedule_next_due_in(timezone.now())
            except Exception:
                wait = interval
            stop.wait(min(max(wait, 1.0), interval))  # at least 1 s: no busy loop on a task that stays due
        # Ctrl-C reaches this process and make's shell, whose trap then sends SIGTERM too: a second
        # signal while Python shuts down would kill it with "Terminated" instead of exiting 0.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)
        log.info("run_schedule stopped")

    def _tick(self):
        try:
            schedule_run_due(timezone.now())
        except Exception:
            # The database was busy or away: wait and look again, as beat does.
            log.exception("Could not read the beat schedule; trying again shortly")
