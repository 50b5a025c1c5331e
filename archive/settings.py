"""Settings for the newspaper archive.

Everything configurable comes from the environment, read here and only here:

- ``DATABASE_URL``: a PostgreSQL URL. Unset: an embedded server in ``var/pgdata`` (``pgserver``).
- ``SEARCH_INDEX_DIR``: where the Whoosh index lives (default ``var/whoosh``).
- ``DJANGO_SECRET_KEY``: unset, a key generated once and kept in ``var/secret_key`` for local use.
- ``DJANGO_DEBUG``: ``1``/``true`` turns debug on; off by default.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated; default ``127.0.0.1,localhost``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ARCHIVE_VAR_DIR", BASE_DIR / "var"))


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_number(name: str, default: int | float, kind: type = int) -> int | float:
    """A number from the environment, ``default`` when unset; a value that is not one stops the
    process with a message naming the variable (manage.py prints it in one line)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        wanted = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name}={value!r} is not {wanted}") from None


def _local_secret_key() -> str:
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret_key()
DEBUG = _env_flag("DJANGO_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "articles",
    "search",  # before haystack: its update_index command adds a progress display to haystack's
    "haystack",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "archive.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the interface's language: Chinese, or English when the reader chose it (archive/i18n.py)
    "archive.i18n.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "archive.auth.LoginThrottleMiddleware",
    "archive.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "archive.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "archive.wsgi.application"

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "archive.embedded_postgres",
            "NAME": "archive",
            "USER": "postgres",
            # Read by the embedded backend, ignored by Django itself.
            "PGDATA": str(VAR_DIR / "pgdata"),
            "SERVER_DATABASE": "archive",
        }
    }
DATABASES["default"].setdefault("TEST", {})

SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", VAR_DIR / "whoosh"))
# A query's long posting lists (a common word's, at 150,000 articles) are decoded on this many
# threads; 1 keeps each query on one core, for a server whose workers already fill the cores.
_DECODE_THREADS = _env_number("SEARCH_DECODE_THREADS", 0)
if _DECODE_THREADS not in (0, 1, 2):  # the decoder splits a list in two at most
    raise ImproperlyConfigured(f"SEARCH_DECODE_THREADS={_DECODE_THREADS} is not 1 or 2 (0 or unset: 2 where "
                               "this process may use two cores)")
# the cores this process may run on (a container's or taskset's limit), not the machine's
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
SEARCH_DECODE_THREADS = _DECODE_THREADS or min(2, _CORES)
HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "search.engine.backend.ArchiveWhooshEngine", "PATH": str(SEARCH_INDEX_DIR),
                "DECODE_THREADS": SEARCH_DECODE_THREADS},
}
HAYSTACK_SIGNAL_PROCESSOR = "search.signals.QueuedSignalProcessor"
# Index edits right after each commit (the default). A bulk load may turn it off
# (SEARCH_INDEX_ON_COMMIT=0): edits then wait in the queue for `update_index`.
SEARCH_INDEX_ON_COMMIT = os.environ.get("SEARCH_INDEX_ON_COMMIT", "1").lower() not in ("0", "false", "no")
# The drain after a commit runs inside the request or command that saved: it indexes at most
# this many articles within about this many seconds, and leaves the rest queued for
# `manage.py drain_index [--watch]` or `update_index` (docs/operations.md).
SEARCH_DRAIN_MAX_ARTICLES = _env_number("SEARCH_DRAIN_MAX_ARTICLES", 200)
SEARCH_DRAIN_SECONDS = _env_number("SEARCH_DRAIN_SECONDS", 2.0, float)
# Only articles are indexed: skip the per-query narrowing by model that haystack adds otherwise.
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False
# Caps that keep any one request cheap; the README documents them.
SEARCH_PAGE_SIZE = 20
SEARCH_API_MAX_PAGE_SIZE = 1000
SEARCH_EXPORT_MAX_ROWS = _env_number("SEARCH_EXPORT_MAX_ROWS", 10000)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# The public pages in Chinese (the default) or English, chosen with the switch in the header
# (archive/i18n.py); the addresses are the same in both. Translations: locale/ (the reader's pages),
# articles/locale (the admin's own labels).
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve static files straight from the apps as well, so pages render before collectstatic has run.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Issue files larger than this are refused by the ingester (a day's paper is well under 1 MB).
INGEST_MAX_BYTES = 20 * 1024 * 1024
# A page that splits into more articles than this is refused by the ingester (not a newspaper page).
INGEST_MAX_ARTICLES_PER_PAGE = _env_number("INGEST_MAX_ARTICLES_PER_PAGE", 300)

# Admin login throttling (archive/auth.py): after this many failed logins from one address, or
# for one username, within the window, logins are refused (even with the right password) until
# the window has passed. Counted in a file cache shared by the server's processes.
LOGIN_FAILURES_PER_USER = _env_number("LOGIN_FAILURES_PER_USER", 5)
LOGIN_FAILURES_PER_IP = _env_number("LOGIN_FAILURES_PER_IP", 20)
LOGIN_THROTTLE_SECONDS = _env_number("LOGIN_THROTTLE_SECONDS", 900)
LOGIN_THROTTLE_PATH = "/admin/login/"
LOGIN_THROTTLE_CACHE = "throttle"
# Behind a reverse proxy every request comes from the proxy: name the header (as in request.META)
# that carries the client's address, e.g. HTTP_X_REAL_IP or HTTP_X_FORWARDED_FOR. Only set it
# when the proxy always sets that header itself.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "")
AUTHENTICATION_BACKENDS = ["archive.auth.ThrottledModelBackend"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                 "LOCATION": str(VAR_DIR / "cache" / "throttle")},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# DJANGO_SECURE=1: served over HTTPS (directly or behind a proxy that sets X-Forwarded-Proto).
# Turns on HSTS, Secure cookies, the redirect of plain HTTP to HTTPS and trust of the proxy's
# X-Forwarded-Proto header; `manage.py check --deploy` is then clean. Leave it off for plain-HTTP
# local use: browsers would remember HSTS for the host.
SECURE = _env_flag("DJANGO_SECURE")
if SECURE:
    SECURE_SSL_REDIRECT = _env_flag("DJANGO_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes over plain HTTP on the inside
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _env_number("DJANGO_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_flag("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Everything to stderr (systemd's journal, gunicorn's error log, a container's log), DEBUG on or
# off: a request that fails is logged by django.request with its traceback and URL, an index
# error by search.services, a database outage by archive.database. LOG_LEVEL sets the threshold.
_LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_url": {"()": "archive.log.RequestURLFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s%(request_url)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain",
                   "filters": ["request_url"]},
    },
    # The project's loggers and the libraries' (not the root logger, which a host such as gunicorn
    # or pytest configures); Django's own defaults (console only with DEBUG on, mail to ADMINS)
    # are replaced.
    "loggers": {
        name: {"handlers": ["stderr"], "level": level, "propagate": True}
        for name, level in (
            ("django", "INFO"), ("django.server", "INFO"), ("archive", _LOG_LEVEL), ("articles", _LOG_LEVEL),
            ("search", _LOG_LEVEL), ("haystack", "WARNING"), ("pgserver", "WARNING"), ("jieba", "WARNING"),
            ("py.warnings", "WARNING"),
        )
    },
}
