"""Production: PostgreSQL, Redis, a real worker, HTTPS. Refuses to start half-configured."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import CACHE_URL, DATABASES, EMAIL_BACKEND, NOTIFY_GATEWAY_URL, REDIS_URL, SECRET_KEY, env

DEBUG = False
_NOT_DELIVERING = {
    f"django.core.mail.backends.{name}.EmailBackend" for name in ("console", "locmem", "dummy", "filebased")
}

_weak = SECRET_KEY.startswith(("insecure-", "django-insecure-")) or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
if _weak:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
if not REDIS_URL or not CACHE_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production (Celery broker and shared cache).")
# Without real gateways nothing reaches owners, and the stand-ins print or log what they would send.
if not NOTIFY_GATEWAY_URL:
    raise ImproperlyConfigured(
        "NOTIFY_GATEWAY_URL must be set in production: without an SMS/push gateway no invitation, "
        "reset or notice reaches anyone (see .env.example)."
    )
if not env("EMAIL_URL", default="") or EMAIL_BACKEND in _NOT_DELIVERING:
    raise ImproperlyConfigured(
        "EMAIL_URL must point at a real mail server in production (e.g. smtp+tls://user:password@smtp.example.com:587); "
        "unset, consolemail://, memorymail://, dummymail:// and filemail:// deliver nothing."
    )

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks come over plain HTTP from inside the host.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production runs behind one reverse proxy (nginx or the load balancer) unless told otherwise.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": TRUSTED_PROXY_COUNT}  # noqa: F405
