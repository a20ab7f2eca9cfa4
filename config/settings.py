"""Settings, read from the environment.

Unset DATABASE_URL and REDIS_URL give the embedded default (a SQLite file and
the in-memory channel layer); set, they give PostgreSQL and Redis.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import development_secret_key, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG", default=False)
# Hall mode (`make hall`, docs/deploy.md): the production settings on a laptop
# that serves a hall's own isolated Wi-Fi over plain HTTP. DEBUG stays off;
# what needs HTTPS (Secure cookies, HSTS, the redirect) is left out.
HALL_MODE = env_bool("HALL_MODE", default=False)
if HALL_MODE and DEBUG:
    raise ImproperlyConfigured("HALL_MODE runs the production settings: set DEBUG=0.")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if HALL_MODE:
        # One laptop, one process tree: a key of its own, kept in var/.
        SECRET_KEY = development_secret_key(VAR_DIR / "secret_key")
    elif not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in production, or set DEBUG=1 for a "
            "development key kept in var/secret_key."
        )
    SECRET_KEY = development_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG or HALL_MODE else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks):
# the client is the right-most address in it that is not one of these
# (core.proxies). The default fits nginx on the same host.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network."
        ) from _error

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "core",
    "live",
    "meetings",
    "voting",
    "documents",
    "speakers",
    "motions",
    "minutes",
    "demo",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Scripts from our static files only (config/csp.py).
    "config.csp.ContentSecurityPolicyMiddleware",
    # Gzip text responses (pages, JSON) for phones on weak networks; first, so
    # it compresses what every other middleware produced.
    "config.compression.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the two above: a logged-in member's preferred language wins.
    "meetings.language.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A locked password login (core.loginguard) answers 429 on the login pages.
    "core.loginguard.LoginLockedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that lost the database answers 503 with Retry-After, not 500.
    "core.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.language.i18n_urls",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES: dict[str, dict[str, Any]] = {"default": dict(dj_database_url.parse(DATABASE_URL))}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # A file, not memory, so that test servers started in a subprocess
            # (browser tests) see the test database.
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every SQLite database, the embedded file or a sqlite:// DATABASE_URL:
    # a transaction takes the write lock when it begins, and a writer waits
    # up to 20 s for another. Begun as a read, a transaction that then writes
    # while another writer commits fails at once with "database is locked"
    # (SQLite refuses to wait, as both could wait forever).
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    sqlite_options.setdefault("timeout", 20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool lets database calls from several threads run side by side.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Test a pooled connection before handing it out (an empty query), so
    # that connections PostgreSQL dropped (a restart, killed backends) are
    # replaced rather than failing the next request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DB_POOL_SIZE", 20),
        "timeout": 10,
    }
# HTTP requests inside Django at once (config.concurrency); 0 for no limit.
HTTP_CONCURRENCY = env_int("HTTP_CONCURRENCY", 16)
# Threads that run the meeting socket's commands (ballots above all). A ballot
# mostly waits on the database (its commit is a disk flush), so several in
# flight keep a burst moving; SQLite takes one writer at a time, so one thread.
SOCKET_COMMAND_THREADS = env_int(
    "SOCKET_COMMAND_THREADS",
    8 if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else 1,
)
# Threads that read for the meeting socket: who connects, and snapshots. A
# connect mostly waits on the database too, so a storm of phones needs several.
SOCKET_READ_THREADS = env_int(
    "SOCKET_READ_THREADS",
    4 if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else 1,
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "meetings.Member"
AUTHENTICATION_BACKENDS = ["core.backends.MemberBackend"]
# Database sessions, read with one plain query (meetings/sessions.py).
SESSION_ENGINE = "core.sessions"
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Channel layer --------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            # Pub/sub: a group send is one PUBLISH, whatever the group's size.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py caps a pool at 100 connections; a storm of
                        # 1,000 sockets connecting at once must not hit that.
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 2000),
                    }
                ],
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Cache (rate limits) ----------------------------------------------------
# Rate-limit counters (core.ratelimit) must be shared by every server
# process: with REDIS_URL they live in Redis, under their own key prefix.
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "meetings-cache"),
            # A Redis that is down or stuck costs a request at most a second.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# With the cache unreachable (Redis down), let rate-limited attempts through
# uncounted (true) or refuse them with 503 (false). See core/ratelimit.py.
RATE_LIMIT_FAIL_OPEN = env_bool("RATE_LIMIT_FAIL_OPEN", default=True)

# --- Check-in -----------------------------------------------------------------
# Attempts per minute: check-ins by one clerk, self check-ins (room code,
# remote presence) by one member, login-link uses from one client address.
CHECKIN_RATE_LIMIT = env_int("CHECKIN_RATE_LIMIT", 120)
SELF_CHECKIN_RATE_LIMIT = env_int("SELF_CHECKIN_RATE_LIMIT", 10)
LOGIN_TOKEN_RATE_LIMIT = env_int("LOGIN_TOKEN_RATE_LIMIT", 30)
# Password logins (core.loginguard): this many failures of one username, or
# from one client address, within LOGIN_LOCKOUT_SECONDS lock it for that long.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# How long a printed one-time login link stays valid.
LOGIN_TOKEN_MINUTES = env_int("LOGIN_TOKEN_MINUTES", 12 * 60)

# Freeze start-up objects and collect garbage less often (see config/asgi.py).
GC_TUNING = env_bool("GC_TUNING", default=True)

# --- Audit ------------------------------------------------------------------
# The Ed25519 key that signs receipts and poll logs: a file outside the
# database, never served (python manage.py audit_keygen creates it).
AUDIT_KEY_PATH = Path(os.environ.get("AUDIT_KEY_PATH", VAR_DIR / "audit-signing-key.pem"))

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Browser packages from npm (package-lock.json; `make install` places them):
# hls.js (its dist folder, as /static/vendor/hls/), and @noble/ed25519 with
# @noble/hashes (ES modules), with which the board checks signatures where
# the browser gives no WebCrypto (plain HTTP in hall mode, docs/deploy.md);
# @noble/curves and @noble/ciphers for encrypted ballots (frontend/elgamal.js,
# docs/encrypted-ballots.md: its page declares an import map for them).
STATICFILES_DIRS = [
    ("vendor/hls", BASE_DIR / "node_modules" / "hls.js" / "dist"),
    ("vendor/noble-ed25519", BASE_DIR / "node_modules" / "@noble" / "ed25519"),
    ("vendor/noble-hashes", BASE_DIR / "node_modules" / "@noble" / "hashes"),
    ("vendor/noble-curves", BASE_DIR / "node_modules" / "@noble" / "curves"),
    ("vendor/noble-ciphers", BASE_DIR / "node_modules" / "@noble" / "ciphers"),
    # uqr (an ES module without imports): the tellers' page draws its backup code's QR.
    ("vendor/uqr", BASE_DIR / "node_modules" / "uqr" / "dist"),
]
# Serve static files from the ASGI app itself (embedded default); behind
# nginx in production, leave this off and let nginx serve STATIC_ROOT.
SERVE_STATIC = env_bool("SERVE_STATIC", default=DEBUG or HALL_MODE)

# --- Uploaded documents -----------------------------------------------------
# Agenda PDFs and their rendered pages. Never served as a directory: every
# file goes out through a view that checks access (documents/api). MEDIA_URL
# stays unset on purpose, so nothing can build a public link to these files.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 50 * 1024 * 1024)

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Union meetings API",
    "DESCRIPTION": "Meetings, agenda, participants and members of a union.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # "kind" is also a poll's and a quorum's field: name the speech's apart.
    "ENUM_NAME_OVERRIDES": {
        "SpeechKindEnum": "speakers.models.Speech.Kind",
        "KindEnum": "voting.api.serializers.KIND_CHOICES",
    },
}

# --- Production hardening -------------------------------------------------
if not DEBUG and not HALL_MODE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
if HALL_MODE:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Plain HTTP on the hall's isolated Wi-Fi: Secure cookies would never be
    # sent back, and HSTS or an HTTPS redirect would lock phones out. These
    # four deploy checks are about exactly that, and are silenced here only.
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every line goes through one handler that masks token-shaped secrets
# (core.logmask): Django's own loggers are pointed at it too, instead of their
# default handlers, which would print the same line unmasked.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "core.logmask.MaskSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.channels.server": {"level": "WARNING"},
    },
}
