"""Test settings: whatever DATABASE_URL / REDIS_URL say, plus fast hashing.

Tasks run in-process unless a test starts a real worker (see tests/conftest.py).
"""

import os as _os

from .base import *  # noqa: F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFY_GATEWAY_URL = ""
SITE_URL = "http://testserver"
CELERY_TASK_ALWAYS_EAGER = True

# A queue of our own, so a developer's running worker never takes a test's tasks (and vice versa).
CELERY_TASK_DEFAULT_QUEUE = f"lighthouse-test-{_os.getpid()}"
for _cache in CACHES.values():  # noqa: F405
    _cache["KEY_PREFIX"] = CELERY_TASK_DEFAULT_QUEUE
