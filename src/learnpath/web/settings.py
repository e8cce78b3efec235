"""Django settings for learnpath, read from the environment.

Environment variables (all optional unless said otherwise):

- ``LEARNPATH_DATA_DIR``: where the default SQLite database, the demo secret key and collected static
  files live (default ``./data``).
- ``DATABASE_URL``: a database URL, e.g. ``postgres://user@host:5432/learnpath``; default is the SQLite
  file ``<data dir>/learnpath.sqlite3`` in WAL mode with a busy timeout.
- ``SECRET_KEY``: required in production. In demo mode (``LEARNPATH_DEMO=1``) a key is generated once
  and kept in ``<data dir>/secret_key``, and any later command on that data directory reads it back;
  under tests a fixed test key is used.
- ``LEARNPATH_DEMO``: ``1`` runs the demo: generated secret key, plain-HTTP cookies, a banner on every page.
- ``LEARNPATH_DEBUG``: ``1`` turns on Django's DEBUG (never in production; the demo does not need it).
- ``ALLOWED_HOSTS``: comma-separated host names (default ``localhost,127.0.0.1,[::1]``).
- ``CSRF_TRUSTED_ORIGINS``: comma-separated origins, for a reverse proxy on another scheme or port.
- ``LEARNPATH_HTTPS``: ``1`` marks cookies Secure; default on outside the demo. Set ``0`` to serve plain
  HTTP on a school LAN.
- ``LEARNPATH_BEHIND_PROXY``: ``1`` trusts ``X-Forwarded-Proto`` from a TLS-terminating proxy, and the
  last address of ``X-Forwarded-For`` (the one the proxy appended) as the client's for sign-in limits.
- ``LEARNPATH_SSL_REDIRECT``: ``1`` redirects plain-HTTP requests to HTTPS (``/health`` excepted); needs
  TLS in front (usually a proxy with ``LEARNPATH_BEHIND_PROXY=1``), else it loops. Default off.
- ``LEARNPATH_HSTS_SECONDS``: the ``Strict-Transport-Security`` max-age (e.g. ``31536000``, a year); default
  ``0``, no header. Browsers keep it for that long whatever the server says later: set it once HTTPS works.
- ``LEARNPATH_HSTS_INCLUDE_SUBDOMAINS``, ``LEARNPATH_HSTS_PRELOAD``: ``1`` adds ``includeSubDomains`` or
  ``preload`` to that header (preload also needs a submission to the browsers' preload list). Default off.
  With ``LEARNPATH_HTTPS`` off, a redirect or HSTS is refused at start.
- ``LEARNPATH_REQUIRE_SECOND_FACTOR``: ``1`` sends teachers and admins to set up a second factor (an
  authenticator app) before any page after signing in; default on, off in the demo. Set ``0`` to make it
  optional (staff who have set one up are still asked for a code).
- ``LEARNPATH_SESSION_IDLE_MINUTES``: a session ends after this many minutes without a request (default
  ``30``); session cookies also end when the browser closes.
- ``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``,
  ``EMAIL_USE_SSL``: the SMTP server for password reset mail (default ``localhost``, port ``25``, no
  login, no TLS). The demo prints mail to its console instead unless ``EMAIL_HOST`` is set.
- ``DEFAULT_FROM_EMAIL``: the sender of that mail (default ``learnpath <learnpath@localhost>``).
- ``LEARNPATH_SITE_URL``: the address people open learnpath at (e.g. ``https://learn.example.org``), for
  links in mail sent by the worker (a teacher's daily inbox e-mail); without it the mail names the page.
- ``LEARNPATH_MAX_REQUEST_BYTES``: the largest request body accepted, files included (default 6 MiB: a
  5 MB portfolio file and its form); larger ones get a 413 before anything is read.
- ``LEARNPATH_QUEUE_LIMIT_MS``: a request that waited longer than this behind the reverse proxy (its
  ``X-Request-Start`` header) gets a 503 with Retry-After at once (default ``2000``; ``0``: never).
- ``LEARNPATH_UPLOAD_QUOTA_BYTES``: the files one learner may keep in their portfolio (default 50 MiB).
- ``LEARNPATH_STATIC_ROOT``: where ``collectstatic`` writes (default ``<data dir>/static`` when present).
- ``LEARNPATH_LOG_LEVEL``: level of the ``learnpath`` loggers (default ``INFO``).
- ``LEARNPATH_LOG_FORMAT``: ``json`` (one object per line; the default outside the demo) or ``plain``.
- ``LEARNPATH_ACCESS_LOG``: ``1`` logs one line per request (default on outside the demo and the tests).
- ``LEARNPATH_METRICS_TOKEN``: a bearer token that may read ``/metrics``; without it only this machine may.
- ``PROMETHEUS_MULTIPROC_DIR``: a folder where several app processes keep their metrics (``learnpath serve``
  makes one for its workers).
- ``LEARNPATH_CLOCK_OFFSET_DAYS``: demo, DEBUG and tests only: the practice clock runs this many days ahead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# One OpenBLAS thread for placement's small matrix products (see learnpath.web.wsgi; takes effect where
# numpy has not been loaded yet, e.g. `manage.py runserver`; the wsgi module sets it first for servers).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from learnpath.web.datadir import data_dir_private, data_dir_secret

WEB_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [part.strip() for part in value.split(",") if part.strip()]
    return items or default


# Under pytest (pytest-django imports these settings) or `manage.py test`.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
DEMO = _flag("LEARNPATH_DEMO")
DEBUG = _flag("LEARNPATH_DEBUG")

DATA_DIR = Path(os.environ.get("LEARNPATH_DATA_DIR") or "data").resolve()


def _data_dir_unusable(error: OSError) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"cannot use the data folder {DATA_DIR} ({error.strerror or error}). Give --data-dir (or "
        "LEARNPATH_DATA_DIR) a folder learnpath may create and write."
    )


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = "learnpath-tests-only-not-secret"  # noqa: S105 - never used outside the test run
    elif DEMO or (DATA_DIR / "secret_key").is_file():
        # The demo makes its key once; later commands on the same data directory (import, export,
        # serve) read it back instead of refusing to start.
        try:
            SECRET_KEY = data_dir_secret(DATA_DIR, "secret_key", nbytes=50)
        except OSError as error:
            raise _data_dir_unusable(error) from None
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set LEARNPATH_DEMO=1 "
            "to run the demo with a generated key."
        )

ALLOWED_HOSTS = _list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if TESTING:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # In INSTALLED_APPS so the API docs page uses django-ninja's bundled Swagger UI, never a CDN.
    "ninja",
    # The background worker (``learnpath worker``): its queue and schedules live in this database
    # (docs/decisions/0041-served-model-and-worker.md).
    "django_q",
    # Request, database and cache metrics in the Prometheus format, read at /metrics (learnpath.web.metrics).
    "django_prometheus",
    # A second factor for staff (docs/decisions/0080-second-factor.md): TOTP apps and recovery codes. Before
    # accounts, whose admin module takes their devices out of the Django admin.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "learnpath.web.accounts",
    "learnpath.web.curriculum",
    "learnpath.web.learning",
    "learnpath.web.coaching",
    "learnpath.web.agency",
    "learnpath.web.guardians",
    "learnpath.web.placement",
    "learnpath.web.credentials",
    "learnpath.web.xapi",
    "learnpath.web.lti",
    "learnpath.web.privacy",
]

MIDDLEWARE = [
    # First and last: the request id and its log line, and django-prometheus's timings, cover every layer.
    "learnpath.web.request_log.RequestLogMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Before anything reads the session or the database: a request that queued too long costs nothing.
    "learnpath.web.queue_limit.QueueLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a code was given in this session
    "learnpath.web.accounts.sessions.IdleSessionRenewal",
    "learnpath.web.accounts.timezones.ActivateTimeZone",
    "learnpath.web.accounts.languages.ActivateLanguage",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSP, so its pages carry the policy: staff give a second factor before any other page.
    "learnpath.web.accounts.second_factor.SecondFactorRequired",
    # Last, so its refusal is a normal page (signed-in header, CSP); nothing before it reads the body.
    "learnpath.web.request_limits.RequestSizeLimitMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Content-Security-Policy on every page (django-csp; docs/decisions/0072-content-security-policy.md): only
# this origin's scripts, styles, images and frames, no inline script or style, no plugins, not framed by
# others. Course media answers with its own, stricter header (curriculum.views.media_file), which the
# middleware leaves as it is.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "learnpath.web.urls"

# The background worker: django-q2 with its ORM broker (the queue is a table in this database, so the
# embedded SQLite default needs no other server). One worker process: a refit is CPU-bound and long.
Q_CLUSTER = {
    "name": "learnpath",
    "orm": "default",
    "workers": 1,
    "timeout": 1800,
    "retry": 3600,
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 200,
    "label": "Background tasks",
    # The worker's heartbeat goes to its own memory, not to the shared cache in the database.
    "cache": "worker_status",
    "poll": 2,
}
LEARNPATH_FIT_MIN_ANSWERS = int(os.environ.get("LEARNPATH_FIT_MIN_ANSWERS", "5000"))
"""Observations a course needs before a fitted learner model may replace the prior (engine.model_fit)."""

# Request bodies (forms, JSON) above 1 MiB are refused (413 from the API): answers and hints are tiny,
# and course packs are imported with the command line, not through request bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Every request body, files included (web.request_limits): a 5 MB portfolio file and its form fit.
LEARNPATH_MAX_REQUEST_BYTES = int(os.environ.get("LEARNPATH_MAX_REQUEST_BYTES", str(6 * 1024 * 1024)))
# The files one learner may keep in their portfolio, in all (agency.services.submission_create).
LEARNPATH_UPLOAD_QUOTA_BYTES = int(os.environ.get("LEARNPATH_UPLOAD_QUOTA_BYTES", str(50 * 1024 * 1024)))

# Demo, DEBUG and tests only: move the practice clock forward this many days (learnpath.web.learning.clock;
# ignored otherwise). A running demo also reads a `clock-offset-days` file in the data folder.
LEARNPATH_CLOCK_OFFSET_DAYS = float(os.environ.get("LEARNPATH_CLOCK_OFFSET_DAYS") or 0)
WSGI_APPLICATION = "learnpath.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "learnpath.web.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "learnpath.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL or f"sqlite:///{SQLITE_PATH}", conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers run beside one writer; NORMAL sync is safe in WAL mode.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            # Take the write lock at BEGIN, so two writers wait (busy timeout) instead of deadlocking.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    if not DATABASE_URL and not TESTING:
        try:
            data_dir_private(DATA_DIR)
        except OSError as error:
            raise _data_dir_unusable(error) from None
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("LEARNPATH_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds only short-lived counters (learnpath.web.throttle: failed sign-ins and codes). They must be
# shared by every app process, or each of N processes would allow its own N-th of the limit: so outside
# the tests they live in the database every process shares (a table made by `learnpath serve` and
# `learnpath check`, see bootstrap.migrate). Tests keep one process's memory.
CACHE_TABLE = "learnpath_cache"
_LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
if TESTING:
    CACHES = {"default": {"BACKEND": _LOCMEM, "LOCATION": "learnpath"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}
CACHES["worker_status"] = {"BACKEND": _LOCMEM, "LOCATION": "worker"}

# /metrics (learnpath.web.metrics): with a token, readable by whoever sends it; without, only from this
# machine directly.
LEARNPATH_METRICS_TOKEN = os.environ.get("LEARNPATH_METRICS_TOKEN", "")

# --- Accounts and sessions ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff accounts, sessions, HTTPS and mail: docs/decisions/0074-staff-accounts.md and docs/security.md.
# New and changed passwords are hashed with Argon2id (argon2-cffi); PBKDF2 stays to read the hashes made
# before, and Django re-hashes each with Argon2 at that person's next sign-in.
PASSWORD_HASHERS = [
    # Argon2id at OWASP's parameters, a ninth of Django's CPU per sign-in (web/accounts/hashing.py, decision
    # 0087); hashes made with Django's own parameters still verify and are rewritten at the next sign-in.
    "learnpath.web.accounts.hashing.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing with Argon2 would dominate the test run; the algorithm is not what most tests check.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for an hour, once

# A second factor for teachers and admins (docs/decisions/0080-second-factor.md): an authenticator app
# (TOTP, django-otp) and one-time recovery codes. Required outside the demo: after the password, staff
# without one are sent to set it up before any other page. The demo's accounts work with a password alone
# (LEARNPATH_REQUIRE_SECOND_FACTOR=1 turns it on there); the test run keeps it off whatever the environment
# says, and the tests that check it turn it on. Staff who have set one up give a code either way.
SECOND_FACTOR_REQUIRED = False if TESTING else _flag("LEARNPATH_REQUIRE_SECOND_FACTOR", default=not DEMO)
OTP_TOTP_ISSUER = "learnpath"
# Wrong codes count against learnpath's own sign-in back-off (web.throttle, decision 0073) instead of
# django-otp's per-device delays, so there is one set of waits with one kind of message.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0


def _whole_number(name: str, default: int, *, least: int) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < least:
        raise ImproperlyConfigured(f"{name} must be a whole number, {least} or more (got {value!r}).")
    return int(value)


# A session ends after this long without a request (renewed at most once a minute, see
# learnpath.web.accounts.sessions) and its cookie ends with the browser: school computers are shared.
SESSION_IDLE_MINUTES = _whole_number("LEARNPATH_SESSION_IDLE_MINUTES", 30, least=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The longest a request may have waited behind the proxy (X-Request-Start) and still be served
# (web.queue_limit); 0: never refuse.
LEARNPATH_QUEUE_LIMIT_MS = _whole_number("LEARNPATH_QUEUE_LIMIT_MS", 2000, least=0)

HTTPS = _flag("LEARNPATH_HTTPS", default=not (DEMO or DEBUG or TESTING))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
BEHIND_PROXY = _flag("LEARNPATH_BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS and the redirect to HTTPS wait for the operator: browsers keep HSTS for its whole lifetime whatever
# the server says later, and a redirect needs TLS in front (a proxy, LEARNPATH_BEHIND_PROXY) or it loops.
SECURE_SSL_REDIRECT = _flag("LEARNPATH_SSL_REDIRECT")
SECURE_HSTS_SECONDS = _whole_number("LEARNPATH_HSTS_SECONDS", 0, least=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("LEARNPATH_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _flag("LEARNPATH_HSTS_PRELOAD")
if not HTTPS and (SECURE_SSL_REDIRECT or SECURE_HSTS_SECONDS):
    _asked = "LEARNPATH_SSL_REDIRECT" if SECURE_SSL_REDIRECT else "LEARNPATH_HSTS_SECONDS"
    raise ImproperlyConfigured(f"{_asked} needs HTTPS, but LEARNPATH_HTTPS is off (or this is the demo).")
# Load balancers may probe /health over plain HTTP behind the proxy.
SECURE_REDIRECT_EXEMPT = [r"^health(/ready|/live)?$", r"^metrics$"]

# Mail (password reset links). The demo prints mail to its console unless a mail server is configured;
# otherwise SMTP, by default to a mail server on this machine (Django's localhost:25).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if DEMO and not EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = _whole_number("EMAIL_PORT", 25, least=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
EMAIL_USE_SSL = _flag("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "learnpath <learnpath@localhost>"
LEARNPATH_SITE_URL = os.environ.get("LEARNPATH_SITE_URL", "").strip()

# --- xAPI statements to the school's LRS (web.xapi; docs/integrations.md, decision 0090) ---------------
# Off unless LEARNPATH_XAPI_ENDPOINT (the LRS's xAPI base, e.g. https://lrs.example/xAPI/) is set.
# Activities are named under BASE_IRI and actors' accounts under HOME_PAGE (both default to the site URL);
# a learner without research consent is sent with a pseudonym (HMAC of their id with PSEUDONYM_SECRET,
# default derived from SECRET_KEY) when WITHOUT_CONSENT is "anonymous", or not at all when "skip".
LEARNPATH_XAPI_ENDPOINT = os.environ.get("LEARNPATH_XAPI_ENDPOINT", "").strip()
LEARNPATH_XAPI_USERNAME = os.environ.get("LEARNPATH_XAPI_USERNAME", "")
LEARNPATH_XAPI_PASSWORD = os.environ.get("LEARNPATH_XAPI_PASSWORD", "")
LEARNPATH_XAPI_BASE_IRI = os.environ.get("LEARNPATH_XAPI_BASE_IRI", "").strip() or (
    f"{LEARNPATH_SITE_URL.rstrip('/')}/xapi" if LEARNPATH_SITE_URL else ""
)
LEARNPATH_XAPI_HOME_PAGE = os.environ.get("LEARNPATH_XAPI_HOME_PAGE", "").strip() or LEARNPATH_SITE_URL
LEARNPATH_XAPI_WITHOUT_CONSENT = os.environ.get("LEARNPATH_XAPI_WITHOUT_CONSENT", "skip").strip() or "skip"
if LEARNPATH_XAPI_WITHOUT_CONSENT not in ("anonymous", "skip"):
    raise ImproperlyConfigured(
        f"LEARNPATH_XAPI_WITHOUT_CONSENT must be anonymous or skip, not {LEARNPATH_XAPI_WITHOUT_CONSENT!r}."
    )
LEARNPATH_XAPI_PSEUDONYM_SECRET = os.environ.get("LEARNPATH_XAPI_PSEUDONYM_SECRET", "")
LEARNPATH_XAPI_SEND_RESPONSES = _flag("LEARNPATH_XAPI_SEND_RESPONSES", True)
LEARNPATH_XAPI_BATCH = _whole_number("LEARNPATH_XAPI_BATCH", 100, least=1)
LEARNPATH_XAPI_TIMEOUT_SECONDS = _whole_number("LEARNPATH_XAPI_TIMEOUT_SECONDS", 10, least=1)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation -------------------------------------------------------------------------
# Pages in the person's language: their saved choice (accounts.languages), else the language switch's
# cookie, else the browser's Accept-Language, else English. Catalogues: src/learnpath/locale/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [WEB_DIR.parent / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: every asset is served by the app (whitenoise), never a CDN ---------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
_static_root = os.environ.get("LEARNPATH_STATIC_ROOT")
if _static_root:
    STATIC_ROOT: Path | None = Path(_static_root).resolve()
elif (DATA_DIR / "static").is_dir():
    STATIC_ROOT = DATA_DIR / "static"
else:
    # Nothing collected: whitenoise serves straight from the apps (finders), zero set-up.
    STATIC_ROOT = None
if STATIC_ROOT is not None:
    # Collected (`learnpath serve` collects when the files changed): names carry a hash of the content, so
    # browsers keep them for a year, and each is served gzip-compressed when the browser can
    # take it. A file not collected yet is served under its plain name (manifest_strict off) by the finders.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "learnpath.web.static_storage.CollectedStaticFiles"},
    }
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Logging --------------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LEARNPATH_LOG_LEVEL", "INFO").upper()
# json: one JSON object per line, for log collectors (the default when serving real learners); plain: for a
# person at a terminal (the default of the demo and the tests). Every line carries the request's id.
LOG_FORMAT = os.environ.get("LEARNPATH_LOG_FORMAT", "plain" if (DEMO or TESTING) else "json").lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LEARNPATH_LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
# One line per request (learnpath.request): on when serving real learners, off in the demo and the tests.
ACCESS_LOG = _flag("LEARNPATH_ACCESS_LOG", default=not (DEMO or TESTING))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "learnpath.web.request_log.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} [{request_id}]: {message}", "style": "{"},
        "json": {"()": "learnpath.web.request_log.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "learnpath": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "learnpath.request": {
            "handlers": ["console"],
            "level": "INFO" if ACCESS_LOG else "WARNING",
            "propagate": False,
        },
        # 4xx/5xx responses, with the traceback of a 500.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Sign-in with the school's identity provider (decision 0092): Authlib's debug lines carry the
        # PKCE verifier, which is a secret of the sign-in under way; never below WARNING.
        "authlib": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
