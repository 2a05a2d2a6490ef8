"""Offline import of feed files (for sites without internet): one transaction per file.

A bad file (truncated, malformed, hostile, wrong kind) raises FeedError naming the file and the
position; its transaction is rolled back, so the database is exactly as before that file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path

from django.db import transaction

from kokuchi.vulnerabilities.models import FeedRunStatus

from .csaf import parse_csaf
from .cve5 import parse_cve5
from .epss import iter_epss
from .jvn import iter_jvn_detail
from .kev import parse_kev
from .loader import ImportResult, announce_changes_on_commit, replace_known_exploited, upsert_epss, upsert_load_rows
from .nvd import iter_nvd_file
from .parallel import ParsedFiles
from .records import FeedError
from .runs import finish_run, start_run
from .statement_loader import advisory_already_loaded, document_sha256, load_advisory

SOURCES = ("nvd", "jvn", "kev", "epss", "csaf", "cve5")
_ADVISORY_PARSERS = {"csaf": parse_csaf, "cve5": parse_cve5}


_PARSERS = {"nvd": iter_nvd_file, "jvn": iter_jvn_detail}


def import_file(
    *, source: str, path: Path, on_read: Callable[[int], None] | None = None, parallel: bool | None = None
) -> ImportResult:
    """Import one file inside its own transaction and return what changed.

    `parallel`: parse in a worker process (default: for NVD/JVN files of 1 MiB or more)."""
    if source in _PARSERS:
        with ParsedFiles(_PARSERS[source], [path], parallel=parallel) as parsed:
            return _import_one(source=source, path=Path(path), index=0, parsed=parsed, on_read=on_read)
    return _import_one(source=source, path=Path(path), index=0, parsed=None, on_read=on_read)


def _import_one(
    *,
    source: str,
    path: Path,
    index: int,
    parsed: ParsedFiles | None,
    on_read: Callable[[int], None] | None,
    announce: bool = True,
) -> ImportResult:
    file = str(path)
    if path.is_dir():
        raise FeedError("a directory, not a feed file: name the files in it", file=file)
    if not path.is_file():
        raise FeedError("no such file", file=file)
    with transaction.atomic():
        if parsed is not None:
            result = upsert_load_rows(parsed.rows(index, on_read=on_read), source=source, file=file)
        elif source == "kev":
            data = path.read_bytes()
            if on_read:
                on_read(len(data))
            result = replace_known_exploited(parse_kev(data, file=file).records)
        elif source == "epss":
            result = upsert_epss(iter_epss(path, file=file, on_read=on_read))
        elif source in _ADVISORY_PARSERS:
            data = path.read_bytes()
            if on_read:
                on_read(len(data))
            digest = document_sha256(data)
            if advisory_already_loaded(feed=source, sha256=digest, location=file):
                result = ImportResult(source=source, unchanged=1)
            else:
                record = _ADVISORY_PARSERS[source](data, file=file)
                result = load_advisory(record, sha256=digest, location=file)
        else:
            raise FeedError(f"unknown source {source!r} (expected one of {', '.join(SOURCES)})", file=file)
        result.pages = 1
        if announce:
            announce_changes_on_commit(result.changed_ids)
    return result


ADVISORY_COMMIT_EVERY = 200


def _import_advisories(
    *, source: str, paths: list[Path], total: ImportResult, on_read: Callable[[int], None] | None
) -> None:
    """Import advisory files, each in its own savepoint, committing every ADVISORY_COMMIT_EVERY
    files: a refused file rolls back only its own savepoint, the files before it are committed
    (as with one transaction per file), and 10,000 small files do not cost 10,000 commits."""
    for start in range(0, len(paths), ADVISORY_COMMIT_EVERY):
        refused: FeedError | None = None
        with transaction.atomic():
            for index in range(start, min(start + ADVISORY_COMMIT_EVERY, len(paths))):
                try:
                    total.add(
                        _import_one(
                            source=source, path=paths[index], index=index, parsed=None, on_read=on_read, announce=False
                        )
                    )
                except FeedError as exc:
                    refused = exc
                    break
        if refused is not None:
            raise refused


def import_feed_files(
    *, source: str, paths: Sequence[Path], on_read: Callable[[int], None] | None = None, parallel: bool | None = None
) -> ImportResult:
    """Import several files in order, each in its own transaction; stop at the first bad one
    (earlier files stay imported).

    NVD and JVN files are parsed ahead in worker processes (see ParsedFiles; `parallel` as for
    import_file) while the previous file is written. The run is recorded as a FeedRun; the
    FeedError of a bad file is re-raised after recording.
    """
    run = start_run(source=source, kind="import")
    total = ImportResult(source=source)
    paths = [Path(path) for path in paths]
    parse = _PARSERS.get(source)
    # Advisories come as thousands of small files: the changed IDs of the committed files are
    # announced once at the end (also when a later file is refused), not once per file.
    per_file = source not in _ADVISORY_PARSERS
    try:
        if per_file:
            with ParsedFiles(parse, paths, parallel=parallel) if parse else nullcontext() as parsed:
                for index, path in enumerate(paths):
                    total.add(_import_one(source=source, path=path, index=index, parsed=parsed, on_read=on_read))
        else:
            _import_advisories(source=source, paths=paths, total=total, on_read=on_read)
    except FeedError as exc:
        if not per_file:
            announce_changes_on_commit(total.changed_ids)
        done = f" ({total.pages} earlier file(s) were imported and kept)" if total.pages else ""
        total.messages.append(f"rejected, database unchanged for this file: {exc}{done}")
        finish_run(run, result=total, status=FeedRunStatus.FAILED, error=str(exc))
        raise
    if not per_file:
        announce_changes_on_commit(total.changed_ids)
    finish_run(run, result=total)
    return total
