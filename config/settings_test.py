"""Test settings: fast hashing, in-memory e-mail, tasks run immediately."""

import os
import tempfile
from pathlib import Path

# The tests start from the development defaults (fixed key, cookies over plain HTTP); pytest-django
# still turns DEBUG off while each test runs.
os.environ.setdefault("KOKUCHI_DEBUG", "1")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATA_DIR = Path(tempfile.mkdtemp(prefix="kokuchi-test-"))
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT = DATA_DIR / "static"
if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": tuned_database({"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "test.sqlite3"})}
LANGUAGE_CODE = "ja"
# Documents render in the test process; the worker pool has its own tests (kokuchi/core/tests).
PDF_WORKERS = int(os.environ.get("KOKUCHI_PDF_WORKERS", "0"))
# No collectstatic before the tests: plain storage, no manifest of hashed names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
