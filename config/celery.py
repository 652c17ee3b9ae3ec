"""The Celery app. Tasks are discovered from every installed app's tasks.py.

With REDIS_URL set, tasks go through Redis to a worker; without it they run in-process
(CELERY_TASK_ALWAYS_EAGER, see settings).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("lighthouse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
