"""The Celery app. Tasks are discovered from every installed app's tasks.py.

With REDIS_URL set, tasks go through Redis to a worker; without it they run in-process
(CELERY_TASK_ALWAYS_EAGER, see settings).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("lighthouse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # A worker started while Redis is down waits for it instead of exiting (Celery warns that
    # this default changes); after a later outage it reconnects with backoff, for as long as it takes.
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,
    # On a broker outage, let running sends finish: they need only the database and the gateway,
    # and cutting one off mid-chunk would leave rows to wait for their claim to run out. (Celery 6
    # flips this default.) A worker that dies anyway is restarted by its supervisor, and its rows
    # come back through the claim's lease (communications/services/claims.py).
    worker_cancel_long_running_tasks_on_connection_loss=False,
)
app.autodiscover_tasks()
