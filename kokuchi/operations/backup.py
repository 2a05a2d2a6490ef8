"""One-archive backups of an installation: the database and the data directory's files.

The archive (tar, gzip) holds `database/` (an SQLite copy made with SQLite's online backup API, or a
`pg_dump` custom-format dump), `data/` (media, evidence files, the signing key: everything under the
data directory except collected static files and the SQLite file itself) and `manifest.json`, which
lists every member with its size and sha256. A restore checks every hash before it writes anything
and goes only into an empty data directory and an empty database.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"
FORMAT = "kokuchi-backup"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024
# Rebuilt by `kokuchi collectstatic`; not data.
SKIPPED_DIRECTORIES = {"static"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    archive: Path
    vendor: str
    files: int
    total_bytes: int


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def postgres_program(name: str) -> str:
    """Path of pg_dump/pg_restore: KOKUCHI_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else the PATH."""
    candidates = []
    if settings.PG_BIN_DIR:
        candidates.append(Path(settings.PG_BIN_DIR) / name)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(part) for part in p.parent.name.split(".") if part.isdigit()],
        reverse=True,
    )
    candidates.extend(directory / name for directory in versions)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs or set KOKUCHI_PG_BIN")
    return found


def _postgres_environment() -> dict[str, str]:
    """libpq variables for the default database; the password never appears on a command line."""
    db = connection.settings_dict
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": str(db["NAME"]),
    }
    return os.environ | {key: value for key, value in values.items() if value}


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_postgres_environment(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_path() -> Path:
    return Path(connection.settings_dict["NAME"])


def _dump_database(directory: Path) -> Path:
    if connection.vendor == "sqlite":
        target = directory / "kokuchi.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target
    if connection.vendor == "postgresql":
        target = directory / "kokuchi.pgdump"
        _run([postgres_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)])
        return target
    raise BackupError(f"backups of a {connection.vendor} database are not supported")


def _data_files(data_dir: Path, *, exclude: set[Path]) -> list[Path]:
    files = []
    for root, directories, names in os.walk(data_dir):
        here = Path(root)
        if here == data_dir:
            directories[:] = [d for d in directories if d not in SKIPPED_DIRECTORIES]
        directories.sort()
        for name in sorted(names):
            path = here / name
            if path.is_symlink() or not path.is_file() or path.resolve() in exclude:
                continue
            files.append(path)
    return files


def create_backup(*, output: Path) -> BackupSummary:
    """Write the database and the data files into `output` (.tar.gz) with a manifest of sha256 hashes."""
    data_dir = Path(settings.DATA_DIR).resolve()
    output = output.resolve()
    exclude = {output}
    if connection.vendor == "sqlite":
        database = _sqlite_path().resolve()
        exclude |= {database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm", "-journal"))}
    entries: list[dict[str, Any]] = []
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="kokuchi-backup-") as scratch:
        dump = _dump_database(Path(scratch))
        # The archive holds the whole database and the signing keys: readable by the owner only,
        # whatever the umask of the process that writes it.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            members = [(dump, f"database/{dump.name}")]
            members += [
                (path, "data/" + path.relative_to(data_dir).as_posix())
                for path in _data_files(data_dir, exclude=exclude)
            ]
            for path, name in members:
                entries.append({"path": name, "size": path.stat().st_size, "sha256": _sha256_file(path)})
                archive.add(path, arcname=name, recursive=False)
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "database": {"vendor": connection.vendor, "path": f"database/{dump.name}"},
                "files": entries,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
    partial.replace(output)
    return BackupSummary(
        archive=output, vendor=connection.vendor, files=len(entries), total_bytes=sum(e["size"] for e in entries)
    )


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        if handle is None:
            raise KeyError(MANIFEST)
        manifest = json.loads(handle.read())
    except (KeyError, ValueError) as error:
        raise BackupError(f"not a Kokuchi backup: {MANIFEST} missing or unreadable ({error})") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"not a Kokuchi backup of format {FORMAT_VERSION}: {manifest.get('format')!r}")
    return manifest


def _safe_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or path.parts[0] not in {"database", "data"}:
        raise BackupError(f"refusing the archive member {name!r} (outside database/ and data/)")
    return path


def _directory_is_empty(path: Path) -> bool:
    return not path.exists() or not any(path.iterdir())


def _database_is_empty() -> bool:
    if connection.vendor == "sqlite":
        path = _sqlite_path()
        return not path.exists() or path.stat().st_size == 0
    return not connection.introspection.table_names()


def restore_backup(*, archive_path: Path) -> BackupSummary:
    """Restore an archive of create_backup into the (empty) data directory and (empty) database.

    Every member is checked against the manifest (size and sha256) in a scratch directory first;
    nothing is written to the data directory or the database unless all of them match and both are empty.
    """
    data_dir = Path(settings.DATA_DIR)
    if not _directory_is_empty(data_dir):
        raise BackupError(f"the data directory {data_dir} is not empty: restore only into an empty one")
    # The scratch directory lives inside the data directory: the service user may write there and
    # nowhere else (systemd: ReadWritePaths), and the files end up in place by a rename.
    data_dir.mkdir(parents=True, exist_ok=True)
    with (
        tarfile.open(archive_path, "r:gz") as archive,
        tempfile.TemporaryDirectory(prefix=".kokuchi-restore-", dir=data_dir) as scratch_name,
    ):
        manifest = read_manifest(archive)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(f"this backup holds a {vendor} database; the configured database is {connection.vendor}")
        scratch = Path(scratch_name)
        expected = {entry["path"]: entry for entry in manifest["files"]}
        seen = set()
        for member in archive:
            if member.name == MANIFEST:
                continue
            if member.name not in expected or not member.isfile():
                raise BackupError(f"the archive member {member.name!r} is not in the manifest")
            relative = _safe_member_name(member.name)
            target = scratch.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is None:
                raise BackupError(f"the archive member {member.name!r} cannot be read")
            digest = hashlib.sha256()
            with target.open("wb") as handle:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
            entry = expected[member.name]
            if digest.hexdigest() != entry["sha256"] or target.stat().st_size != entry["size"]:
                raise BackupError(f"{member.name}: sha256 differs from the manifest (damaged archive)")
            # Keep the owner-only modes (the signing key).
            target.chmod(member.mode & 0o777)
            seen.add(member.name)
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"the archive lacks {len(missing)} file(s) of its manifest, first {missing[0]}")

        if not _database_is_empty():
            raise BackupError("the database is not empty: restore only into a new, empty database")
        dump = scratch.joinpath(*PurePosixPath(manifest["database"]["path"]).parts)
        if vendor == "sqlite":
            database = _sqlite_path()
            database.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(dump, database)
        else:
            _run(
                [
                    postgres_program("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--dbname",
                    _postgres_environment()["PGDATABASE"],
                    str(dump),
                ]
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        files_root = scratch / "data"
        if files_root.exists():
            for path in sorted(files_root.rglob("*")):
                if path.is_file():
                    destination = data_dir / path.relative_to(files_root)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(path, destination)
    entries = manifest["files"]
    return BackupSummary(
        archive=archive_path, vendor=vendor, files=len(entries), total_bytes=sum(e["size"] for e in entries)
    )
