"""Test settings: whatever DATABASE_URL / REDIS_URL say, plus fast hashing.

Tasks run in-process unless a test starts a real worker (see tests/conftest.py).
"""

from .base import *  # noqa: F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFY_GATEWAY_URL = ""
SITE_URL = "http://testserver"
CELERY_TASK_ALWAYS_EAGER = True
