"""Kokuchi settings: one module, driven by KOKUCHI_* environment variables.

DEBUG is off unless KOKUCHI_DEBUG is set (`make run` sets it); with DEBUG off a secret key is
required. The other defaults suit a single machine (SQLite in ./var). Importing this module creates
nothing: the data directory is made when Django starts (kokuchi.core.apps).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
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

SECRET_KEY = env("KOKUCHI_SECRET_KEY") or env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("KOKUCHI_SECRET_KEY must be set when KOKUCHI_DEBUG is off.")
    SECRET_KEY = "kokuchi-development-only-not-secret"

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
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kokuchi.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kokuchi.core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kokuchi.core.context_processors.roles",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "kokuchi.sqlite3",
            "OPTIONS": {
                # WAL lets the task worker and the web server share the file; IMMEDIATE avoids
                # "database is locked" on write upgrades.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
# Project-wide assets (kokuchi.css) live outside any app.
STATICFILES_DIRS = [BASE_DIR / "kokuchi" / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Outgoing e-mail (customer links, vulnerability notices): SMTP configured from the environment.
MAILERS = {
    "default": {
        "BACKEND": env("KOKUCHI_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": env("KOKUCHI_EMAIL_HOST", "localhost"),
            "port": int(env("KOKUCHI_EMAIL_PORT", "25") or "25"),
            "username": env("KOKUCHI_EMAIL_HOST_USER", "") or "",
            "password": env("KOKUCHI_EMAIL_HOST_PASSWORD", "") or "",
            "use_tls": env_bool("KOKUCHI_EMAIL_USE_TLS", False),
            "timeout": 30,
        },
    }
}
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

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("KOKUCHI_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("KOKUCHI_SECURE_COOKIES", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("KOKUCHI_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO, pikepdf its start-up: keep their warnings
    # (missing fonts, bad CSS, damaged PDF) only.
    "loggers": {"weasyprint": {"level": "WARNING"}, "pikepdf": {"level": "WARNING"}},
}

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
