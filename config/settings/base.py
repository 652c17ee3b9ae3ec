"""Settings shared by every way of running Lighthouse.

Everything that differs between a laptop and production comes from the environment
(see .env.example). With nothing set, Lighthouse runs on the embedded default:
SQLite, Celery tasks in-process, console e-mail and a logging SMS/push gateway.
"""

from datetime import timedelta
from email.headerregistry import Address
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.api.docs import DESCRIPTION as API_DESCRIPTION
from config.api.docs import TAGS as API_TAGS

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-embedded-default-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base used in links we send out (activation, password reset).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "template_partials",
    "axes",
    "csp",
    # Ours, ground floor first (see ARCHITECTURE.md for who may import whom).
    "owners",
    "communications",
    "complaints",
    "incidents",
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ExplicitLanguageOnlyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.FriendlyErrorsMiddleware",
    "config.middleware.RefuseNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "config.context_processors.company",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "owners.User"
AUTHENTICATION_BACKENDS = [
    # django-axes must come first so a locked-out identity is refused before any check.
    "axes.backends.AxesStandaloneBackend",
    "owners.auth.IdentifierBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link is good for one day
INVITATION_MAX_AGE = timedelta(days=env.int("INVITATION_MAX_AGE_DAYS", default=7))
# An API token dies this many days after it is issued (and at once on a password change or
# deactivation); POST /api/v1/auth/token/ then issues a new one.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=30)

# Login lockout (django-axes): a username/mobile is locked on one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# Axes logs every sign-in; the activation and reset paths it would log carry live tokens.
AXES_CLIENT_STR_CALLABLE = "config.clients.client_str_for_logs"
AXES_VERBOSE = False
# The client address every limit and lockout counts by (config/clients.py). 0: REMOTE_ADDR, and
# X-Forwarded-For is ignored; N: the address the outermost of N reverse proxies appended to it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.clients.client_address"
RATELIMIT_IP_META_KEY = "config.clients.client_address"
# Request rate limits (django-ratelimit), per client address.
LOGIN_RATE = env("LOGIN_RATE", default="20/m")
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", default="5/m")
# Reset messages per mobile number or e-mail address, whoever asks (the answer never changes).
PASSWORD_RESET_IDENTIFIER_RATE = env("PASSWORD_RESET_IDENTIFIER_RATE", default="3/h")
RATELIMIT_VIEW = "config.views.rate_limited"
# API throttles (config/api/throttling.py): anonymous requests per address, requests per person.
API_ANON_RATE = env("API_ANON_RATE", default="60/min")
API_USER_RATE = env("API_USER_RATE", default="1200/min")
# POST /api/v1/auth/token/: attempts per client address, and per account identifier from any address.
API_TOKEN_RATE_IP = env("API_TOKEN_RATE_IP", default="10/min")
API_TOKEN_RATE_IDENTIFIER = env("API_TOKEN_RATE_IDENTIFIER", default="20/h")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: imports are parsed in memory; keep the request bounded.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
# What an XLSX may unpack to (all its parts together); checked before the workbook is parsed.
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Redis: broker for Celery and the shared cache. Without it: in-process tasks, local cache.
REDIS_URL = env("REDIS_URL", default="")
CACHE_URL = env("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "lighthouse",
            # A Redis that stops answering costs a request 2 s at most, never a hung worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process, one cache: rate limits are exact on the embedded default.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# Rate-limit counters (django-ratelimit and the API throttles) live in the default cache through
# this alias, which lets requests through while that cache is unreachable (config/cache.py).
CACHES["ratelimit"] = {"BACKEND": "config.cache.FailOpenCache", "LOCATION": "default"}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_FAIL_OPEN = True

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="lighthouse")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# E-mail: console on the embedded default; SMTP (or any backend) from EMAIL_URL.
_email = env.email_url_config(env("EMAIL_URL", default="") or "consolemail://")  # empty = unset
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL"):
    if _key in _email:
        globals()[_key] = _email[_key]
# DEFAULT_FROM_EMAIL: see the company settings below (the sender shows the company's name).

# SMS and push go through an HTTP gateway when one is configured, else they are logged.
NOTIFY_GATEWAY_URL = env("NOTIFY_GATEWAY_URL", default="")
NOTIFY_GATEWAY_KEY = env("NOTIFY_GATEWAY_KEY", default="")
NOTIFY_GATEWAY_TIMEOUT = env.float("NOTIFY_GATEWAY_TIMEOUT", default=10.0)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=5)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "not signed in" a 401, not a 403.
        "owners.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.api.renderers.ScopeSafeBrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.strict.IdFilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.LighthouseAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttling.AnonThrottle", "config.api.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_ANON_RATE, "user": API_USER_RATE},
    # For any stock DRF throttle; ours ask config.clients.client_address.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lighthouse API",
    "DESCRIPTION": API_DESCRIPTION,  # config/api/docs.py: signing in, scope, errors, pages, limits
    "TAGS": API_TAGS,  # one per area; every operation carries one (tests/config/test_api_docs.py)
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "channel"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "complaints.models.complaints.Status",
        "AnnouncementStatusEnum": "communications.models.announcements.Announcement.Status",
        "DeliveryStatusEnum": "communications.models.deliveries.Delivery.Status",
        "ResidentChannelEnum": "owners.models.channels.PREFERRED_CHANNEL_CHOICES",
        "ComplaintChannelEnum": "complaints.models.complaints.Channel",
        "ArrearsCaseStatusEnum": "complaints.models.arrears.CaseStatus",
        "ArrearsOutcomeEnum": "complaints.models.arrears.Outcome",
        "ReliefStatusEnum": "complaints.models.arrears.ReliefRequest.Status",
        "IncidentKindEnum": "incidents.models.incidents.Kind",
        "IncidentSourceEnum": "incidents.models.incidents.Incident.Source",
        "ReliefKindEnum": "complaints.models.arrears.ReliefRequest.Kind",
        "WarningSignalStatusEnum": "incidents.models.warnings.WarningSignal.Status",
        "SimilarCaseKindEnum": ["incident", "complaint"],
        "ArrearsStepEnum": "complaints.models.arrears.Step",
    },
}

# Content-Security-Policy: our own origin only; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The name shown in the header of every page.
SITE_NAME = _("Lighthouse")
# The property company's name, as owners know it: account messages say it instead of the software's name.
COMPANY_NAME = env("COMPANY_NAME", default="") or _("the management office")
# Its phone (page headers, the press page, error pages) and logo (an absolute URL, or a path
# under static/ such as "img/logo.png"), both optional.
COMPANY_PHONE = env("COMPANY_PHONE", default="")
COMPANY_LOGO_URL = env("COMPANY_LOGO_URL", default="")
# E-mail comes from "<company> <noreply@…>" unless DEFAULT_FROM_EMAIL names a sender itself.
# (Settings load before translations, so the unnamed company is written in the default language.)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="") or str(
    Address(display_name=env("COMPANY_NAME", default="") or "物业服务中心", addr_spec="noreply@lighthouse.local"))
# Friendly error pages (404, 500) even with DEBUG on, as owners would see them: `make run`
# (config.settings.dev) turns this on; FRIENDLY_ERRORS=False brings back Django's debug pages.
FRIENDLY_ERRORS = env.bool("FRIENDLY_ERRORS", default=False)

# Complaint photos: content-checked, re-encoded, EXIF stripped (see complaints/photos.py).
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
PHOTO_MAX_COUNT = 6
# Photos one ticket may hold, counted separately for the owner's conversation and staff visits.
PHOTO_MAX_PER_COMPLAINT = env.int("PHOTO_MAX_PER_COMPLAINT", default=24)
# Pixels of all photos of one request together; checked from their headers before decoding.
PHOTO_MAX_PIXELS_PER_REQUEST = env.int("PHOTO_MAX_PIXELS_PER_REQUEST", default=100_000_000)
# Photo decodes at once across every web process (slots in the shared cache; none if it is down).
PHOTO_DECODE_SLOTS = env.int("PHOTO_DECODE_SLOTS", default=2)
# Complaint submissions per person and per client address, portal and API together (complaints/limits.py).
COMPLAINT_RATE_USER = env("COMPLAINT_RATE_USER", default="10/h")
COMPLAINT_RATE_IP = env("COMPLAINT_RATE_IP", default="30/h")
# Follow-up messages per owner per ticket (portal and API together).
COMPLAINT_MESSAGE_RATE = env("COMPLAINT_MESSAGE_RATE", default="10/h")
# Warn the assignee when this share of an SLA window is left.
SLA_WARNING_SHARE = env.float("SLA_WARNING_SHARE", default=0.25)
# Incidents: warn the spokesperson when this share of the first-statement window is left, and
# tell the commander about a task this long after its assignee was told it is overdue.
INCIDENT_DISCLOSURE_WARNING_SHARE = env.float("INCIDENT_DISCLOSURE_WARNING_SHARE", default=0.25)
INCIDENT_TASK_ESCALATE_MINUTES = env.int("INCIDENT_TASK_ESCALATE_MINUTES", default=15)

# Delivery engine (communications): sweeper grace, per-channel rates, fallback, quiet hours.
NOTIFY_SWEEP_GRACE_SECONDS = env.int("NOTIFY_SWEEP_GRACE_SECONDS", default=120)
# First retry after a transient gateway error; doubles each attempt, at most an hour.
NOTIFY_BACKOFF_BASE_SECONDS = env.int("NOTIFY_BACKOFF_BASE_SECONDS", default=30)

# Messages per second per channel, across all workers (SMS providers cap this), as
# "sms=50,push=200". A channel at 0 or not named has no cap; empty: no caps at all.
NOTIFY_RATE_LIMITS = {channel: int(rate)
                      for channel, rate in env.dict("NOTIFY_RATE_LIMITS", default={"sms": 50, "push": 200}).items()}
# After a permanent failure on a channel, try this one instead (once), as "sms=email,push=sms".
NOTIFY_FALLBACK = env.dict("NOTIFY_FALLBACK", default={"sms": "email", "push": "sms"})
# Quiet hours in the estate's zone: non-urgent SMS and push wait until the end.
QUIET_HOURS_START = env("QUIET_HOURS_START", default="22:00")
QUIET_HOURS_END = env("QUIET_HOURS_END", default="07:00")
