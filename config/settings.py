"""Kokuchi settings: one module, driven by KOKUCHI_* environment variables.

DEBUG is off unless KOKUCHI_DEBUG is set (`make run` and the tests set it); with DEBUG off a secret
key of at least 50 characters is required. The other defaults suit a single machine (SQLite in
./var). Importing this module creates nothing: the data directory is made when Django starts (kokuchi.core.apps).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("KOKUCHI_DEBUG", False)
DATA_DIR = Path(env("KOKUCHI_DATA_DIR", str(BASE_DIR / "var")))

# ---- Secret key: required outside development, and long enough to resist guessing.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY = env("KOKUCHI_SECRET_KEY") or env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KOKUCHI_SECRET_KEY must be set when KOKUCHI_DEBUG is off. "
            'Make one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
        )
    # Development and tests only (DEBUG on): known to everyone, so never used in production.
    SECRET_KEY = "kokuchi-development-only-not-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"
elif len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        f"KOKUCHI_SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters with at least 5 different ones. "
        'Make one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )

ALLOWED_HOSTS = [h for h in (env("KOKUCHI_ALLOWED_HOSTS", "127.0.0.1,localhost") or "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in (env("KOKUCHI_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]
# Absolute base URL used in e-mails (customer links).
SITE_URL = (env("KOKUCHI_SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kokuchi.core",
    "kokuchi.evidence",
    "kokuchi.catalog",
    "kokuchi.customers",
    "kokuchi.deals",
    "kokuchi.devices",
    "kokuchi.dashboard",
    "kokuchi.vulnerabilities",
    "kokuchi.exposures",
    "kokuchi.disclosures",
    "kokuchi.acknowledgements",
    "kokuchi.demo",
    "kokuchi.operations",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kokuchi.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "kokuchi.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kokuchi.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kokuchi.core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kokuchi.core.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kokuchi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kokuchi.core.context_processors.roles",
            ],
        },
    },
]

# ---- Database: SQLite gets the same tuning whether it is the default file or named by DATABASE_URL.
SQLITE_OPTIONS = {
    # WAL lets the task worker and the web server share the file; IMMEDIATE takes the write lock at
    # the start of a transaction, so two writers queue (for `timeout` seconds) instead of failing with
    # "database is locked" when a read transaction upgrades to a write.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}


def tuned_database(config: dict) -> dict:
    """The database settings with the SQLite tuning added when the engine is SQLite."""
    if config.get("ENGINE") == "django.db.backends.sqlite3":
        config = {**config, "OPTIONS": {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}}
    return config


DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": tuned_database(dj_database_url.parse(DATABASE_URL, conn_max_age=60))}
else:
    DATABASES = {
        "default": tuned_database({"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "kokuchi.sqlite3"})
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username/address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

# Japanese first; English available (KOKUCHI_LANGUAGE=en or the language switcher).
LANGUAGE_CODE = env("KOKUCHI_LANGUAGE", "ja") or "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "kokuchi" / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Project-wide assets (kokuchi.css) live outside any app. The bundled Japanese font of the PDFs
# is also served (as static/fonts/) so that pages read on a machine without Japanese fonts.
STATICFILES_DIRS = [BASE_DIR / "kokuchi" / "static", ("fonts", BASE_DIR / "kokuchi" / "core" / "fonts")]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # `kokuchi collectstatic` writes compressed, content-hashed copies that WhiteNoise serves with
    # far-future caching, DEBUG on or off.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Outgoing e-mail (customer links, vulnerability notices), configured from the environment. Only the
# SMTP backend takes the connection options: Django 6 refuses unknown OPTIONS for the others (console,
# file, locmem) with InvalidMailer.
EMAIL_BACKEND_PATH = env("KOKUCHI_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend") or ""
EMAIL_OPTIONS: dict[str, object] = {}
if EMAIL_BACKEND_PATH == "django.core.mail.backends.smtp.EmailBackend":
    EMAIL_OPTIONS = {
        "host": env("KOKUCHI_EMAIL_HOST", "localhost"),
        "port": int(env("KOKUCHI_EMAIL_PORT", "25") or "25"),
        "username": env("KOKUCHI_EMAIL_HOST_USER", "") or "",
        "password": env("KOKUCHI_EMAIL_HOST_PASSWORD", "") or "",
        "use_tls": env_bool("KOKUCHI_EMAIL_USE_TLS", False),
        "timeout": 30,
    }
elif EMAIL_BACKEND_PATH == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_OPTIONS = {"file_path": env("KOKUCHI_EMAIL_FILE_PATH", str(DATA_DIR / "mail")) or ""}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env("KOKUCHI_DEFAULT_FROM_EMAIL", "kokuchi@localhost")

# PAdES signatures on issued disclosures and acknowledgement receipts (kokuchi/evidence/signing.py).
# Paths to the reseller's PEM certificate and private key; when both are unset, a self-signed pair is
# created under DATA_DIR/signing on first use (or with `kokuchi evidence create-certificate`).
SIGNING_CERT = env("KOKUCHI_SIGNING_CERT", "") or ""
SIGNING_KEY = env("KOKUCHI_SIGNING_KEY", "") or ""
SIGNING_KEY_PASSPHRASE = env("KOKUCHI_SIGNING_KEY_PASSPHRASE", "") or ""
# RFC 3161 timestamp authority; when set, every signature carries a timestamp from it.
TSA_URL = env("KOKUCHI_TSA_URL", "") or ""
TSA_TIMEOUT = int(env("KOKUCHI_TSA_TIMEOUT", "10") or "10")

# Evidence checkpoints (kokuchi/evidence/checkpoints.py) are signed with the signing key above. After
# a key rotation, list the previous certificates here (comma-separated PEM paths) so that checkpoints
# and receipts signed with the old keys still verify.
SIGNING_PREVIOUS_CERTS = [p.strip() for p in (env("KOKUCHI_SIGNING_PREVIOUS_CERTS", "") or "").split(",") if p.strip()]

# PDF rendering: the parts of a long document (kokuchi/core/pdf.py) are laid out in this many
# processes at once; 0 or 1 renders everything in the requesting process.
PDF_WORKERS = int(env("KOKUCHI_PDF_WORKERS", str(min(2, os.cpu_count() or 1))) or "0")

# Disclosure truthfulness (pre-issue check, "what Kokuchi knows at issue"): a feed whose last
# successful sync or import is older than this many hours is stale; issuing is then refused for
# deals with devices Kokuchi can match, and no "none known" statement is printed.
DISCLOSURE_FEED_MAX_AGE_HOURS = int(env("KOKUCHI_DISCLOSURE_FEED_MAX_AGE_HOURS", "48") or "48")
# The feeds whose freshness the disclosure states (FeedName values, comma-separated).
DISCLOSURE_FEED_SOURCES = tuple(
    name.strip() for name in (env("KOKUCHI_DISCLOSURE_FEED_SOURCES", "nvd,jvn,kev") or "").split(",") if name.strip()
)

# Vulnerability feeds: NVD API key is optional (higher rate limit when set).
NVD_API_KEY = env("KOKUCHI_NVD_API_KEY") or env("NVD_API_KEY")

# Vendors' CSAF advisories: comma-separated URLs of their provider-metadata.json
# (`kokuchi feeds sync --source csaf`); none by default.
CSAF_PROVIDERS = [url.strip() for url in (env("KOKUCHI_CSAF_PROVIDERS") or "").split(",") if url.strip()]
# Running in production (kokuchi.operations): readiness thresholds for /readyz and the PostgreSQL
# client programs used by `kokuchi backup` / `kokuchi restore`.
# /readyz fails when no task finished for this many seconds (the scheduler's heartbeat job runs every
# 5 minutes); 0 skips the check.
READY_WORKER_MAX_AGE = int(env("KOKUCHI_READY_WORKER_MAX_AGE", "900") or "0")
# /readyz fails when a feed was not synced or imported for this many seconds (default 2 days); 0 skips it
# (e.g. an offline site importing feed files by hand).
READY_FEED_MAX_AGE = int(env("KOKUCHI_READY_FEED_MAX_AGE", str(2 * 24 * 3600)) or "0")
# Directory of pg_dump/pg_restore; default: the newest /usr/lib/postgresql/*/bin, then the PATH.
PG_BIN_DIR = env("KOKUCHI_PG_BIN", "") or ""

# ---- Acknowledgement reminders (kokuchi.acknowledgements.reminders, daily job "ack_reminders"):
# an e-mailed customer link still open and unanswered this many days after it was sent is replaced by
# a fresh link e-mailed to the same contact; again every interval, at most the maximum number of times
# per link sent by staff. 0 reminders switches them off.
ACK_REMINDER_AFTER_DAYS = int(env("KOKUCHI_ACK_REMINDER_AFTER_DAYS", "7") or "7")
ACK_REMINDER_INTERVAL_DAYS = int(env("KOKUCHI_ACK_REMINDER_INTERVAL_DAYS", "7") or "7")
ACK_REMINDER_MAX = int(env("KOKUCHI_ACK_REMINDER_MAX", "3") or "0")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Customer-link tokens are masked in every log line (access logs included): kokuchi.core.logs.
    "filters": {"mask_tokens": {"()": "kokuchi.core.logs.MaskCustomerTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]}},
    "root": {"handlers": ["console"], "level": env("KOKUCHI_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO, pikepdf its start-up: keep their warnings
    # (missing fonts, bad CSS, damaged PDF) only.
    "loggers": {"weasyprint": {"level": "WARNING"}, "pikepdf": {"level": "WARNING"}},
}

# Staff data entry: the pattern of automatic customer codes (a customer saved without a code
# gets the next free number); "{number}" takes Python format options, e.g. "C{number:05d}".
CUSTOMER_CODE_PATTERN = env("KOKUCHI_CUSTOMER_CODE_PATTERN", "C{number:05d}")

# ---- Security: HTTPS, CSP, Permissions-Policy, client addresses, throttles, two-factor login.
# HTTPS settings come from the environment so that `check --deploy` is clean behind TLS while
# `make run` keeps working over plain HTTP on loopback.
SECURE_SSL_REDIRECT = env_bool("KOKUCHI_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(env("KOKUCHI_HSTS_SECONDS", "0") or "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KOKUCHI_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("KOKUCHI_HSTS_PRELOAD", False)
# "HTTP_X_FORWARDED_PROTO,https" when a TLS-terminating proxy sets that header (and strips it from clients).
_proxy_ssl_header = (env("KOKUCHI_SECURE_PROXY_SSL_HEADER", "") or "").split(",")
SECURE_PROXY_SSL_HEADER = (
    (_proxy_ssl_header[0].strip(), _proxy_ssl_header[1].strip()) if len(_proxy_ssl_header) == 2 else None
)
SESSION_COOKIE_SECURE = env_bool("KOKUCHI_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("KOKUCHI_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (Django's built-in support): scripts and styles from the site's static
# files, or inline with the per-request nonce ({{ csp_nonce }}); nothing else.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Browser features Kokuchi never uses are switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

# Addresses of the reverse proxies whose X-Forwarded-For is believed (comma-separated IPs or
# networks, e.g. "127.0.0.1,10.0.0.0/8"); from anyone else the header is ignored.
TRUSTED_PROXIES = [p.strip() for p in (env("KOKUCHI_TRUSTED_PROXIES", "") or "").split(",") if p.strip()]

# Wrong customer-link tokens per client address within the window; counted in the database, so
# every web process and machine shares the count.
CUSTOMER_LINK_FAILURE_LIMIT = int(env("KOKUCHI_CUSTOMER_LINK_FAILURE_LIMIT", "10") or "10")
CUSTOMER_LINK_FAILURE_WINDOW = int(env("KOKUCHI_CUSTOMER_LINK_FAILURE_WINDOW", "900") or "900")

# Staff login throttle (django-axes, counted in the database): after this many wrong passwords for
# one username from one address, that pair is refused until the cool-off has passed.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(env("KOKUCHI_LOGIN_FAILURE_LIMIT", "5") or "5")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("KOKUCHI_LOGIN_COOLOFF_MINUTES", "15") or "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "kokuchi.core.clients.client_ip_or_none"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Two-factor login (django-otp TOTP). Staff who enrolled an authenticator always enter a code;
# with KOKUCHI_REQUIRE_2FA_FOR_ADMINS on, administrators must enrol before using Kokuchi.
REQUIRE_2FA_FOR_ADMINS = env_bool("KOKUCHI_REQUIRE_2FA_FOR_ADMINS", False)
OTP_TOTP_ISSUER = env("KOKUCHI_OTP_ISSUER", "Kokuchi") or "Kokuchi"
# REST API (/api/v1/, kokuchi/api): integration tokens, problem+json errors, cursor pagination,
# OpenAPI 3.1 from drf-spectacular with Swagger UI and Redoc served from the sidecar package.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["kokuchi.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["kokuchi.api.permissions.TokenScopePermission"],
    "DEFAULT_PAGINATION_CLASS": "kokuchi.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kokuchi.api.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kokuchi API",
    "DESCRIPTION": "Customers, catalogue, deals, devices, disclosures, acknowledgements, exposures and notices.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "DealStatusEnum": "kokuchi.deals.models.DealStatus",
        "ExposureStatusEnum": "kokuchi.exposures.models.ExposureStatus",
        "DeliveryStatusEnum": "kokuchi.api.models.DeliveryStatus",
        "WebhookEventEnum": "kokuchi.api.models.WebhookEvent",
    },
}
# A bulk upsert of 10,000 devices is a few megabytes of JSON (Django's default limit is 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
# Webhook deliveries: attempts before a delivery is marked failed, and the first retry delay in
# seconds (doubled on every attempt).
WEBHOOK_MAX_ATTEMPTS = int(env("KOKUCHI_WEBHOOK_MAX_ATTEMPTS", "8") or "8")
WEBHOOK_RETRY_BASE_SECONDS = int(env("KOKUCHI_WEBHOOK_RETRY_BASE_SECONDS", "30") or "30")
WEBHOOK_TIMEOUT_SECONDS = float(env("KOKUCHI_WEBHOOK_TIMEOUT_SECONDS", "10") or "10")
# Webhooks go to public internet addresses only, unless the address is in one of these networks
# (comma-separated CIDR, e.g. an on-premises ERP at 10.1.2.0/24): a subscription must not make
# Kokuchi reach its own machine, the cloud metadata service or the office network. Development
# (DEBUG) allows this machine.
WEBHOOK_ALLOWED_NETWORKS = [
    network.strip()
    for network in (env("KOKUCHI_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128" if DEBUG else "") or "").split(",")
    if network.strip()
]

# ---- Reseller logo: shown at the top of the customer's page and in the disclosures' header.
# PNG, JPEG or WebP only (no SVG: it can carry scripts); larger files are refused at upload.
RESELLER_LOGO_MAX_BYTES = int(env("KOKUCHI_RESELLER_LOGO_MAX_BYTES", str(512 * 1024)) or str(512 * 1024))
