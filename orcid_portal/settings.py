"""Settings of the ORCID portal, all read from the environment here (CONTRACT §2).

Variables may also come from a `.env` file beside manage.py; a variable set in the
environment wins over `.env`, and a variable set but empty counts as unset whatever
`.env` says. With nothing set the portal runs with its embedded development
defaults: SQLite, the built-in ORCID simulator, tasks in-process.

With DEBUG off (production) the secrets have no default: a start without
SECRET_KEY, TOKEN_ENCRYPTION_KEYS or ALLOWED_HOSTS fails loudly, and so does one pointed at ORCID
(ORCID_BASE_URL/ORCID_API_URL) without ORCID_CLIENT_ID and ORCID_CLIENT_SECRET.
"""

from __future__ import annotations

import email.utils
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Names of the variables the contract defines; an empty value of any of them means unset.
CONTRACT_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "ORCID_BASE_URL",
    "ORCID_API_URL",
    "ORCID_CLIENT_ID",
    "ORCID_CLIENT_SECRET",
    "ORCID_REQUESTS_PER_SECOND",
    "ORCID_BURST",
    "ORCID_SYNC_INTERVAL_HOURS",
    "TOKEN_ENCRYPTION_KEYS",
    "PORTAL_REMOTE_USER_HEADER",
    "PORTAL_BASE_URL",
    "INSTITUTION_NAME",
    "INSTITUTION_CITY",
    "INSTITUTION_COUNTRY",
    "INSTITUTION_ROR",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SUPPORT_EMAIL",
    "INVITATION_VALID_DAYS",
    "INVITATION_REMINDER_DAYS",
    "INVITATION_MAX_REMINDERS",
    "METRICS_TOKEN",
)

env = environ.Env()
_env_file = Path(os.environ.get("PORTAL_ENV_FILE", BASE_DIR / ".env"))
if _env_file.is_file():
    # read_env never overrides a variable already in the environment.
    environ.Env.read_env(str(_env_file), overwrite=False)
for _name in list(os.environ):
    if os.environ[_name] == "" and (_name in CONTRACT_VARIABLES or _name.startswith(("ORCID_", "PORTAL_"))):
        del os.environ[_name]


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required when DEBUG is off.")
    return value


DEBUG = env.bool("DEBUG", default=True)
# The directory for the embedded default's local state (development keys, the demo's files).
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / ".var")))

# ---------------------------------------------------------------------------------------------
# Django core
# ---------------------------------------------------------------------------------------------
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-never-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = _required("SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "connections.orcid_provider",  # allauth's `orcid` provider, following ORCID_BASE_URL/ORCID_API_URL
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
    "axes",  # sign-in throttling, lockouts in the admin (accounts/lockout.py)
    # The portal
    "accounts",
    "units",
    "connections",
    "works",
    "employments",
    "affiliations",
    "funding",
    "putcodes",
    "webhooks",
    "notifications",
    "reports",  # on top: reads every app's tables for the adoption report; nothing imports it
    "privacy",  # on top: export and erasure of a person's data (reads every app's tables)
    "unit_events",  # on top: signed JSON events to the units' endpoints, from lower layers' signals
    "invitations",  # on top: imports connections, units, putcodes' services; nothing imports it
    "orcid_simulator",
    "demo",
    "operations",  # health, metrics, alerts, structured logs: the top layer, reads every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "operations.logs.RequestContextMiddleware",  # request id and institutional ID in every log line
    "operations.middleware.RequestGuardMiddleware",  # NUL bytes -> 400; no CSRF for bearer-key API calls
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.RemoteUserHeaderMiddleware",
    "units.middleware.ApiAuditMiddleware",  # one audit event per campus API call
    "django.contrib.messages.middleware.MessageMiddleware",
    "orcid_portal.session_expiry.ExpiredSessionMiddleware",  # a form sent after the session expired (issue 14)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into the sign-in page's 429
]

ROOT_URLCONF = "orcid_portal.urls"
WSGI_APPLICATION = "orcid_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orcid_portal.context_processors.portal",
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database: SQLite by default, PostgreSQL through DATABASE_URL.
# https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-notes
# ---------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The sync runs several workers at once beside web requests: WAL lets readers go on while
    # one writer writes, the busy timeout makes a writer wait instead of failing, and
    # IMMEDIATE transactions take the write lock up front so no transaction fails half-way
    # with "database is locked" when it upgrades from reading to writing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out ID/address before any password check
    "accounts.backends.InstitutionalRemoteUserBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Production serves hashed, compressed copies made by `manage.py collectstatic`; development
# (and the tests) read the files where they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
if not DEBUG:
    # Static files straight from the WSGI server (gunicorn), with far-future caching of the
    # hashed names collectstatic makes. https://whitenoise.readthedocs.io/en/stable/django.html
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "orcid-portal",
    }
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("EMAIL_URL", default=""):
    # e.g. smtp+tls://user:password@smtp.example.edu:587 (django-environ's form); wins over EMAIL_BACKEND.
    # https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="orcid-portal@localhost")

# ---------------------------------------------------------------------------------------------
# Security. Production (DEBUG off) passes `manage.py check --deploy` without warnings.
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# ---------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # forms read it from the page, never from JavaScript
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("PORTAL_BEHIND_TLS_PROXY", default=True):
        # The portal runs behind the campus TLS/SSO proxy, which sets this header.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
    # Probes and the scraper talk plain HTTP to the process itself, not through the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
# A failed CSRF check: JSON under /api/, the portal's own page elsewhere (CONTRACT §5).
CSRF_FAILURE_VIEW = "orcid_portal.api.csrf_failure"

# ---------------------------------------------------------------------------------------------
# Token encryption: comma-separated Fernet keys, the first encrypts, all decrypt.
# https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet
# ---------------------------------------------------------------------------------------------
def _development_token_keys() -> list[str]:
    """A key made once per checkout and kept under .var/, so restarts can read stored tokens."""
    from cryptography.fernet import Fernet

    key_file = VAR_DIR / "token_encryption_key"
    if not key_file.exists():
        # Written aside and renamed into place: two processes starting at once (two test runs
        # side by side) never read a half-written key; the first rename wins, both read it.
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        spare = VAR_DIR / f".token_encryption_key.{os.getpid()}"
        spare.write_bytes(Fernet.generate_key())
        spare.chmod(0o600)
        try:
            os.link(spare, key_file)  # fails if another process put its key there first
        except FileExistsError:
            pass
        finally:
            spare.unlink()
    return [key_file.read_text().strip()]


if DEBUG:
    TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[]) or _development_token_keys()
else:
    TOKEN_ENCRYPTION_KEYS = [k.strip() for k in _required("TOKEN_ENCRYPTION_KEYS").split(",") if k.strip()]

# ---------------------------------------------------------------------------------------------
# ORCID. The defaults point at the built-in simulator (`manage.py orcid_simulator`).
# Sandbox: ORCID_BASE_URL=https://sandbox.orcid.org ORCID_API_URL=https://api.sandbox.orcid.org
# Production: ORCID_BASE_URL=https://orcid.org ORCID_API_URL=https://api.orcid.org
# https://info.orcid.org/documentation/integration-guide/
# ---------------------------------------------------------------------------------------------
ORCID_SIMULATOR_HOST = env.str("ORCID_SIMULATOR_HOST", default="127.0.0.1")
ORCID_SIMULATOR_PORT = env.int("ORCID_SIMULATOR_PORT", default=8090)
_simulator_url = f"http://{ORCID_SIMULATOR_HOST}:{ORCID_SIMULATOR_PORT}"
ORCID_BASE_URL = env.str("ORCID_BASE_URL", default=_simulator_url).rstrip("/")
ORCID_API_URL = env.str("ORCID_API_URL", default=_simulator_url).rstrip("/")
# The simulator's demo member client; a real deployment sets its own.
ORCID_DEMO_CLIENT_ID = "APP-DEMO000000000001"
ORCID_DEMO_CLIENT_SECRET = "d3m0-c1i3-4t5e-cr3t-000000000001"
# CONTRACT §2: the embedded default is the simulator's demo client, with DEBUG off too. Only a
# portal pointed at ORCID itself must name its own member client (the demo one exists nowhere else).
if not DEBUG and (ORCID_BASE_URL, ORCID_API_URL) != (_simulator_url, _simulator_url):
    for _name in ("ORCID_CLIENT_ID", "ORCID_CLIENT_SECRET"):
        if not os.environ.get(_name):
            raise ImproperlyConfigured(
                f"The environment variable {_name} is required when DEBUG is off and ORCID_BASE_URL/ORCID_API_URL "
                "point at ORCID (the default client exists only in the built-in simulator)."
            )
ORCID_CLIENT_ID = env.str("ORCID_CLIENT_ID", default=ORCID_DEMO_CLIENT_ID)
ORCID_CLIENT_SECRET = env.str("ORCID_CLIENT_SECRET", default=ORCID_DEMO_CLIENT_SECRET)
ORCID_REQUESTS_PER_SECOND = env.float("ORCID_REQUESTS_PER_SECOND", default=24.0)
ORCID_BURST = env.int("ORCID_BURST", default=40)
ORCID_SYNC_INTERVAL_HOURS = env.float("ORCID_SYNC_INTERVAL_HOURS", default=48.0)
# At most this many updates (PUTs) per sync run, the most recently changed first; the rest wait
# for the next run (spreads a real mass change; 0: no cap). putcodes/sync/mass_change.py.
ORCID_MAX_UPDATES_PER_RUN = env.int("ORCID_MAX_UPDATES_PER_RUN", default=0)
# Seconds to wait for ORCID to accept a connection and to answer.
ORCID_CONNECT_TIMEOUT = env.float("ORCID_CONNECT_TIMEOUT", default=5.0)
ORCID_READ_TIMEOUT = env.float("ORCID_READ_TIMEOUT", default=30.0)
ORCID_MAX_RETRIES = env.int("ORCID_MAX_RETRIES", default=4)
# Scopes asked of the researcher: enough to write activities and read limited-visibility items.
ORCID_SCOPES = ["/authenticate", "/activities/update", "/read-limited"]
# Webhooks are a premium-member feature: off unless the institution has them.
ORCID_WEBHOOKS_ENABLED = env.bool("ORCID_WEBHOOKS_ENABLED", default=DEBUG)
# ORCID calls back in bursts (also after the portal's own writes): at most one reconcile per
# record per this many seconds (webhooks/services.py).
ORCID_WEBHOOK_DEBOUNCE_SECONDS = env.float("ORCID_WEBHOOK_DEBOUNCE_SECONDS", default=30.0)
# How often every record with the institution's items is read in full, to notice what researchers
# deleted or hid on ORCID when no webhook told us: daily, weekly with webhooks (their safety net);
# spread over the interval in ORCID_RECONCILE_SLICES runs (putcodes/reconcile_budget.py), and
# at most ORCID_RECONCILE_BUDGET_SHARE of ORCID_REQUESTS_PER_SECOND while a sync is running.
ORCID_RECONCILE_INTERVAL_HOURS = env.float(
    "ORCID_RECONCILE_INTERVAL_HOURS", default=168.0 if ORCID_WEBHOOKS_ENABLED else 24.0
)
ORCID_RECONCILE_SLICES = env.int("ORCID_RECONCILE_SLICES", default=24)
ORCID_RECONCILE_BUDGET_SHARE = env.float("ORCID_RECONCILE_BUDGET_SHARE", default=0.2)
# The directory of ORCID's official v3.0 XSDs (orcid-model), shipped with the project.
ORCID_SCHEMA_DIR = BASE_DIR / "schemas" / "orcid-model"

PORTAL_REMOTE_USER_HEADER = env.str("PORTAL_REMOTE_USER_HEADER", default="")
# What an institutional ID in that header may look like (at most 150 characters); any other
# value is refused with 403 and no account is made.
PORTAL_REMOTE_USER_PATTERN = env.str("PORTAL_REMOTE_USER_PATTERN", default=r"[A-Za-z0-9][A-Za-z0-9._@+-]*")
# With the SSO header set, password sign-in (/login/, /admin/login/) is off; this keeps it
# for staff accounts only (break-glass, when the SSO proxy fails).
PORTAL_BREAK_GLASS_LOGIN = env.bool("PORTAL_BREAK_GLASS_LOGIN", default=False)
# The reverse proxies in front of the portal (addresses or networks, comma-separated): their
# X-Forwarded-For names the client whose address the sign-in throttle counts (accounts/network.py).
PORTAL_TRUSTED_PROXIES = env.list("PORTAL_TRUSTED_PROXIES", default=[])
# Sign-in throttling (django-axes): failures of one ID from one address, failures from one
# address over all IDs, within a window of this many seconds.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
LOGIN_FAILURES_PER_USER_IP = env.int("LOGIN_FAILURES_PER_USER_IP", default=5)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=50)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
AXES_HANDLER = "accounts.lockout.PortalAxesHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_USER_IP
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# The SSO proxy's header with the signed-in person's email (e.g. X-Remote-Mail), read with
# PORTAL_REMOTE_USER_HEADER for the researcher notifications (notifications/services.py).
PORTAL_REMOTE_EMAIL_HEADER = env.str("PORTAL_REMOTE_EMAIL_HEADER", default="")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Where the campus API lives (its audit, JSON errors and CSRF rules apply under it).
PORTAL_API_PREFIX = "/api/"

INSTITUTION_NAME = env.str("INSTITUTION_NAME", default="Demo University")
INSTITUTION_CITY = env.str("INSTITUTION_CITY", default="Stanford")
INSTITUTION_REGION = env.str("INSTITUTION_REGION", default="CA")
INSTITUTION_COUNTRY = env.str("INSTITUTION_COUNTRY", default="US")
INSTITUTION_ROR = env.str("INSTITUTION_ROR", default="https://ror.org/00f54p054")

# The address researchers are told to write to, on error pages and in every email (CONTRACT §2).
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="orcid-support@example.edu")
# Invitations (invitations/, CONTRACT §2): how long a link works, the days between reminders and
# how many reminders at most.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=30)
INVITATION_REMINDER_DAYS = env.int("INVITATION_REMINDER_DAYS", default=7)
INVITATION_MAX_REMINDERS = env.int("INVITATION_MAX_REMINDERS", default=2)
# Invitation emails sent per second at most by the commands (campus mail servers throttle
# bulk senders); 0 means no limit.
INVITATION_SEND_RATE = env.float("INVITATION_SEND_RATE", default=5.0)

# ---------------------------------------------------------------------------------------------
# django-allauth: ORCID in connect mode only; the institutional login signs people in.
# https://docs.allauth.org/en/latest/socialaccount/providers/orcid.html
# ---------------------------------------------------------------------------------------------
SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False  # tokens live encrypted in connections.OrcidConnection only
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_ADAPTER = "connections.adapters.PortalSocialAccountAdapter"
ACCOUNT_ADAPTER = "accounts.adapters.PortalAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "orcid": {
        "APPS": [{"client_id": ORCID_CLIENT_ID, "secret": ORCID_CLIENT_SECRET, "key": ""}],
        "SCOPE": ORCID_SCOPES,
        "MEMBER_API": True,
    }
}

# ---------------------------------------------------------------------------------------------
# REST API
# ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "units.authentication.UnitApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "orcid_portal.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
}
# Token disclosures (`GET .../orcid` with a tokens:read key) per key, as DRF rates ("N/sec|min|hour|day").
API_TOKEN_DISCLOSURE_RATE = env.str("API_TOKEN_DISCLOSURE_RATE", default="120/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "ORCID portal campus API",
    "DESCRIPTION": "Researchers' ORCID connections and works, for campus systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# ---------------------------------------------------------------------------------------------
# Celery. Unset broker: tasks run in-process (eager) and `make run` runs the schedule itself.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# ---------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
# A task is acknowledged after it ran, so a worker that dies mid-task leaves it to another
# worker; every task is idempotent (ledger constraints, per-iD lock), so running twice is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process: sync tasks are long and ORCID-bound.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A researcher's sync is at most a few hundred calls at 24/s; 10 minutes means something hangs.
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
# With acks_late on Redis, a task taken by a worker that then dies (kill -9 of the whole worker)
# goes back to the queue after this many seconds (kombu's default is an hour). It must exceed the
# longest task (the hard time limit), or a task still running would be handed out twice.
# https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
# A broker that is down fails a publish fast, and the task runs in the calling process instead
# (orcid_portal/celery.py): "sync now" and webhooks keep working without Redis.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# The schedule lives in django-celery-beat's tables (admins see and change it there); its named
# sync entry is seeded once from ORCID_SYNC_INTERVAL_HOURS after migrate (putcodes/schedule.py),
# so no CELERY_BEAT_SCHEDULE here: beat would overwrite the admin's changes with it.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Researchers synced at once in one process (orcid_sync, the in-process scheduled run): enough
# to keep the shared rate limit (24/s) busy while ORCID takes 100-200 ms per call and the
# portal ~25 ms of CPU per researcher (benchmarks/bench_sync.py).
ORCID_SYNC_WORKERS = env.int("ORCID_SYNC_WORKERS", default=12)
# Through Celery a run is queued as tasks of this many researchers each (1: one task per
# researcher), and each task syncs ORCID_SYNC_TASK_THREADS of them at once: with the default
# worker (prefork, one process per core) two processes keep 12 calls in flight, planning in
# batched reads instead of a task's overhead per researcher (issue 17; docs/DEPLOYMENT.md).
ORCID_SYNC_TASK_BATCH = env.int("ORCID_SYNC_TASK_BATCH", default=25)
ORCID_SYNC_TASK_THREADS = env.int("ORCID_SYNC_TASK_THREADS", default=6)
# Without a broker a researcher's "sync now" runs in a thread of the web process (putcodes.background);
# off, runs wait until `background_drain()` carries them out (the test suite).
SYNC_NOW_THREADS = env.bool("SYNC_NOW_THREADS", default=True)
# Seconds a record's write lock lives without renewal: its holder renews it every third of this
# while it writes, so a dead holder (kill -9) frees the record within this time (putcodes.locks).
ORCID_RECORD_LOCK_TTL = env.int("ORCID_RECORD_LOCK_TTL", default=30)
CELERY_TIMEZONE = TIME_ZONE
# Redis for the shared rate limiter and per-iD locks; the broker's Redis unless set apart.
REDIS_URL = env.str("REDIS_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if REDIS_URL:
    # One cache for every web and worker process, so that the webhook debounce ("one reconcile
    # per record per window") and the works page's copy of the record hold across processes.
    # Redis down: each process falls back to its own memory rather than failing requests
    # (operations/cache.py); short timeouts so a vanished Redis does not hang them either.
    CACHES["default"] = {
        "BACKEND": "operations.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "orcid-portal",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }

# ---------------------------------------------------------------------------------------------
# Imports (units/importing): the limits every unit's file is read under (issue 11), so that no
# file can exhaust memory or a web worker; each refusal names the setting. Uploaded files and
# reports of the admin's background imports are kept under MEDIA_ROOT (shared by the web and
# worker processes when a broker runs the jobs elsewhere).
# ---------------------------------------------------------------------------------------------
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=1 << 30)  # 1 GiB
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2_000_000)
IMPORT_MAX_FIELD_BYTES = env.int("IMPORT_MAX_FIELD_BYTES", default=64 * 1024)  # a cell or JSON string
IMPORT_MAX_LINE_BYTES = env.int("IMPORT_MAX_LINE_BYTES", default=1 << 20)  # a physical CSV line
IMPORT_MAX_JSON_DEPTH = env.int("IMPORT_MAX_JSON_DEPTH", default=32)  # CSL-JSON needs 5
# An admin upload this small runs during the request (its report comes back at once); larger
# ones run as a background job with a progress page.
IMPORT_INLINE_MAX_BYTES = env.int("IMPORT_INLINE_MAX_BYTES", default=256 * 1024)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# Data protection (privacy/): API audit events are deleted after this many days (a scheduled
# entry), and so is the unit event delivery log.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
# Unit event endpoints must be https://; tests turn this on to receive on http://127.0.0.1.
UNIT_EVENTS_ALLOW_HTTP_LOOPBACK = env.bool("UNIT_EVENTS_ALLOW_HTTP_LOOPBACK", default=False)

# ---------------------------------------------------------------------------------------------
# Operations: metrics, alerts (operations/). https://prometheus.github.io/client_python/multiprocess/
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself) makes /metrics add up every
# process's counters (gunicorn workers, Celery); docs/DEPLOYMENT.md.
# ---------------------------------------------------------------------------------------------
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Who gets the alert emails: "Name <address>" or addresses, comma-separated.
ADMINS = [email.utils.parseaddr(a) for a in env.list("ADMINS", default=[])]
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# A run whose share of failed items is above this (with at least ALERT_FAILED_ITEMS_MIN
# failed) opens an incident; so does ORCID answering only 5xx for ALERT_ORCID_OUTAGE_SECONDS.
ALERT_FAILED_ITEMS_SHARE = env.float("ALERT_FAILED_ITEMS_SHARE", default=0.05)
ALERT_FAILED_ITEMS_MIN = env.int("ALERT_FAILED_ITEMS_MIN", default=1)
ALERT_ORCID_OUTAGE_SECONDS = env.float("ALERT_ORCID_OUTAGE_SECONDS", default=300.0)
# `plain` (a line of text) or `json` (one JSON object per line, for a log shipper).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")

# ---------------------------------------------------------------------------------------------
# Logging: never log tokens; ORCID's error bodies are logged only through the client's
# redaction (see orcid_client).
# ---------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "operations.logs.JsonFormatter"},
    },
    "filters": {
        "redact_tokens": {"()": "orcid_client.redaction.RedactTokensFilter"},
        "context": {"()": "operations.logs.ContextFilter"},
        "quiet_health_checks": {"()": "operations.logs.HealthCheckFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_tokens", "context", "quiet_health_checks"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (its DEBUG console, runserver's request lines) would bypass the
        # filter: Django's records go through the console above like every other.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
