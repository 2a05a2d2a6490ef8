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


def import_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KOKUCHI_") and k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean |= {"KOKUCHI_DATA_DIR": str(tmp_path / "data")} | env
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_DEBUG="0")
    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: KOKUCHI_SECRET_KEY must be set when KOKUCHI_DEBUG is off."
        in result.stderr
    )
    assert result.stdout == ""


def test_debug_off_with_secret_key_starts(tmp_path):
    result = import_settings(tmp_path, KOKUCHI_DEBUG="0", KOKUCHI_SECRET_KEY="s3cret-for-test")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert (values["debug"], values["secret"]) == (False, "s3cret-for-test")


def test_default_database_is_sqlite_in_the_data_directory(tmp_path):
    result = import_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is True
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "data" / "kokuchi.sqlite3")
    assert (tmp_path / "data").is_dir()


def test_database_url_selects_postgresql(tmp_path):
    result = import_settings(tmp_path, DATABASE_URL="postgres://kokuchi@127.0.0.1:54329/kokuchi")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"], values["port"]) == ("kokuchi", "127.0.0.1", 54329)
