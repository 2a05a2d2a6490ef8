"""`kokuchi backup` / `kokuchi restore`: a round trip on the database the suite runs on (SQLite or
PostgreSQL), after which `kokuchi evidence verify` passes on the restored installation."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.evidence.models import EvidenceEvent

KOKUCHI = str(Path(sys.executable).parent / "kokuchi")


def _environment(data_dir: Path, database_url: str | None) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KOKUCHI_") and k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env = clean | {"KOKUCHI_DEBUG": "1", "KOKUCHI_DATA_DIR": str(data_dir)}
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _kokuchi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KOKUCHI, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def empty_database():
    """A URL of a new, empty database of the suite's kind (None for SQLite: the data directory holds it)."""
    if connection.vendor != "postgresql":
        yield None
        return
    db = connection.settings_dict
    name = f"kokuchi_restore_{uuid.uuid4().hex[:12]}"
    conninfo = psycopg.conninfo.make_conninfo(
        host=db["HOST"] or "",
        port=str(db["PORT"] or ""),
        user=db["USER"] or "",
        password=db["PASSWORD"] or "",
        dbname=db["NAME"],
    )
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    yield f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


@pytest.mark.django_db(transaction=True)
def test_backup_archive_is_readable_by_its_owner_only_whatever_the_umask(data_dir, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"an older file with loose permissions")
    archive.chmod(0o644)
    previous = os.umask(0o022)
    try:
        call_command("backup", "--output", str(archive), stdout=StringIO())
    finally:
        os.umask(previous)

    assert archive.stat().st_mode & 0o777 == 0o600
    assert "manifest.json" in _members(archive)


@pytest.mark.django_db(transaction=True)
def test_s_evid_backup_then_restore_into_a_new_installation_keeps_the_evidence_verifiable(
    data_dir, tmp_path, empty_database
):
    version = make_issued_version()
    events = EvidenceEvent.objects.count()
    (data_dir / "static").mkdir()
    (data_dir / "static" / "collected.css").write_text("body{}")
    archive = tmp_path / "backup.tar.gz"
    out = StringIO()

    call_command("backup", "--output", str(archive), stdout=out)

    assert out.getvalue().startswith(f"backup written: {archive} ({connection.vendor} database, ")
    members = _members(archive)
    manifest = json.loads(members.pop("manifest.json"))
    assert manifest["format"] == "kokuchi-backup"
    assert manifest["database"]["vendor"] == connection.vendor
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(members)
    assert manifest["database"]["path"] in listed
    files = sorted(
        "data/" + p.relative_to(data_dir).as_posix()
        for p in data_dir.rglob("*")
        if p.is_file() and not p.relative_to(data_dir).as_posix().startswith("static/")
    )
    assert files == sorted(name for name in listed if name.startswith("data/"))
    assert "data/signing/kokuchi-signing-key.pem" in files
    assert not any(path.startswith("data/static/") for path in listed)
    for name, body in members.items():
        assert listed[name]["size"] == len(body)

    restored = tmp_path / "restored"
    env = _environment(restored, empty_database)
    result = _kokuchi("restore", str(archive), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"restored {len(listed)} files ({connection.vendor} database)")

    verify = _kokuchi("evidence", "verify", env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.startswith(f"Evidence chain intact: {events} events")
    for name in files:
        relative = name.removeprefix("data/")
        assert (restored / relative).read_bytes() == (data_dir / relative).read_bytes()
    assert version.pk

    again = _kokuchi("restore", str(archive), env=env)
    assert again.returncode == 1
    assert f"the data directory {restored} is not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_archive_and_writes_nothing(data_dir, tmp_path, settings):
    (data_dir / "media").mkdir()
    (data_dir / "media" / "scan.pdf").write_bytes(b"%PDF-1.7 original")
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive), stdout=StringIO())
    members = _members(archive)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as tar:
        for name, body in members.items():
            if name == "data/media/scan.pdf":
                body = b"%PDF-1.7 tampered"
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, fileobj=io.BytesIO(body))
    settings.DATA_DIR = tmp_path / "restored"

    with pytest.raises(CommandError, match="data/media/scan.pdf: sha256 differs from the manifest"):
        call_command("restore", str(damaged), stdout=StringIO())

    assert not (tmp_path / "restored").exists() or list((tmp_path / "restored").iterdir()) == []


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, settings):
    not_a_backup = tmp_path / "other.tar.gz"
    with gzip.open(not_a_backup, "wb") as handle:
        handle.write(b"")
    with tarfile.open(not_a_backup, "w:gz") as tar:
        info = tarfile.TarInfo("readme.txt")
        tar.addfile(info, fileobj=io.BytesIO(b""))
    settings.DATA_DIR = tmp_path / "restored"

    with pytest.raises(CommandError, match="not a Kokuchi backup: manifest.json missing"):
        call_command("restore", str(not_a_backup), stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_restore_stages_files_inside_the_data_directory_where_the_service_user_may_write(
    data_dir, tmp_path, settings, monkeypatch
):
    from kokuchi.operations import backup

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive), stdout=StringIO())
    settings.DATA_DIR = tmp_path / "parent" / "restored"
    staged_in = []
    original = backup.tempfile.TemporaryDirectory

    def recording(*args, **kwargs):
        staged_in.append(Path(kwargs["dir"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(backup.tempfile, "TemporaryDirectory", recording)

    # The database is not empty (the test database), so the restore stops after staging.
    with pytest.raises(CommandError, match="the database is not empty"):
        call_command("restore", str(archive), stdout=StringIO())

    assert staged_in == [tmp_path / "parent" / "restored"]
    assert [path.name for path in (tmp_path / "parent").iterdir()] == ["restored"]
    assert list((tmp_path / "parent" / "restored").iterdir()) == []
