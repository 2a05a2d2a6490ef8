"""config/settings.py read in a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = (
    "import json, config.settings as s; "
    "db = s.DATABASES['default']; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': db['ENGINE'], 'name': str(db['NAME']), "
    "'host': db.get('HOST', ''), 'port': db.get('PORT', ''), 'secret': s.SECRET_KEY}))"
)


LONG_KEY = "s3cret-for-test-" + "abcdefghijklmnopqrstuvwxyz0123456789"


def clean_environment(tmp_path, **env: str) -> dict[str, str]:
    """This process's environment without any Kokuchi setting, the data directory in `tmp_path`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KOKUCHI_") and k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return clean | {"KOKUCHI_DATA_DIR": str(tmp_path / "data")} | env


def run_python(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=clean_environment(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def import_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    return run_python(tmp_path, "-c", PRINT_SETTINGS, **env)


def test_debug_is_off_unless_kokuchi_debug_is_set(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_SECRET_KEY=LONG_KEY)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_without_kokuchi_debug_and_secret_key_refuses_to_start(tmp_path):
    result = import_settings(tmp_path)
    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: KOKUCHI_SECRET_KEY must be set when KOKUCHI_DEBUG is off."
        in result.stderr
    )


def test_importing_settings_creates_nothing(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_starting_kokuchi_creates_the_data_directory(tmp_path):
    result = run_python(tmp_path, "-m", "kokuchi.cli", "check", KOKUCHI_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data").is_dir()


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_DEBUG="0")
    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: KOKUCHI_SECRET_KEY must be set when KOKUCHI_DEBUG is off."
        in result.stderr
    )
    assert result.stdout == ""


def test_debug_off_with_secret_key_starts(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_DEBUG="0", KOKUCHI_SECRET_KEY=LONG_KEY)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert (values["debug"], values["secret"]) == (False, LONG_KEY)


def test_default_database_is_sqlite_in_the_data_directory(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_DEBUG="1")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert (values["debug"], values["secret"]) == (
        True,
        "kokuchi-development-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    )
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "data" / "kokuchi.sqlite3")


def test_database_url_selects_postgresql(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_DEBUG="1", DATABASE_URL="postgres://kokuchi@127.0.0.1:54329/kokuchi")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"], values["port"]) == ("kokuchi", "127.0.0.1", 54329)
