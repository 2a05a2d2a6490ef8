"""Concurrency on a real SQLite file named by DATABASE_URL (production settings, several threads):
the customer link under parallel use, and staff writes during a large import."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sqlite-scenario-key-" + "abcdefghijklmnopqrstuvwxyz0123456789"


def _env(data_dir: Path, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOKUCHI_")}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "KOKUCHI_DATA_DIR": str(data_dir),
        "KOKUCHI_SECRET_KEY": SECRET,
        "KOKUCHI_ALLOWED_HOSTS": "testserver",
        "KOKUCHI_SECURE_COOKIES": "0",
        "KOKUCHI_PDF_WORKERS": "0",
        "KOKUCHI_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """One migrated database file; each scenario works on a copy."""
    directory = tmp_path_factory.mktemp("sqlite-template")
    database = directory / "template.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "kokuchi.cli", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_env(directory, database),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return database


def _run(scenario: str, migrated_sqlite: Path, tmp_path: Path) -> dict:
    database = tmp_path / "kokuchi.sqlite3"
    shutil.copy(migrated_sqlite, database)
    result = subprocess.run(
        [sys.executable, "-m", "kokuchi.tests.sqlite_scenarios", scenario],
        cwd=ROOT,
        env=_env(tmp_path, database),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_eight_clients_and_five_parallel_acknowledgements_without_errors(migrated_sqlite, tmp_path):
    outcome = _run("customer_link", migrated_sqlite, tmp_path)
    # 8 readers x 10 requests answer 200; of 5 simultaneous submissions one records, the others are
    # sent to the receipt page: all redirect (302).
    assert outcome["statuses"] == {"200": 80, "302": 5}
    assert outcome["acknowledgements"] == 1


def test_staff_writes_succeed_during_a_large_import(migrated_sqlite, tmp_path):
    outcome = _run("import_with_staff_writes", migrated_sqlite, tmp_path)
    assert outcome["staff_errors"] == []
    assert outcome["staff_writes"] > 0
    assert (outcome["created"], outcome["devices"]) == (20_000, 20_000)
    assert outcome["batches"] == 40  # 20,000 rows in transactions of BATCH_SIZE (500)
