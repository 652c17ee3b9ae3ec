"""The embedded default for a laptop or demo: debug on, everything local."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Owners trying the portal under `make run` see the real 404/500 pages; the traceback goes to the console.
FRIENDLY_ERRORS = env.bool("FRIENDLY_ERRORS", default=True)

# `make run` has two processes on one SQLite file (runserver and run_schedule). By default a
# transaction that reads and then writes fails at once with "database is locked" when the other
# process is writing; IMMEDIATE takes the write lock when the transaction begins, and a writer
# waits up to `timeout` seconds for the other instead of failing.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)  # noqa: F405
