"""Offline import of feed files (for sites without internet): one transaction per file.

A bad file (truncated, malformed, hostile, wrong kind) raises FeedError naming the file and the
position; its transaction is rolled back, so the database is exactly as before that file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from django.db import transaction

from kokuchi.vulnerabilities.models import FeedRunStatus

from .epss import iter_epss
from .jvn import iter_jvn_detail
from .kev import parse_kev
from .loader import ImportResult, replace_known_exploited, run_hooks_on_commit, upsert_epss, upsert_vulnerabilities
from .nvd import iter_nvd_file
from .parallel import iter_parsed
from .records import FeedError
from .runs import finish_run, start_run

SOURCES = ("nvd", "jvn", "kev", "epss")


def import_file(*, source: str, path: Path, on_read: Callable[[int], None] | None = None,
                parallel: bool | None = None) -> ImportResult:
    """Import one file inside its own transaction and return what changed.

    `parallel`: parse in a child process (default: for NVD/JVN files of 1 MiB or more)."""
    file = str(path)
    if not path.is_file():
        raise FeedError("no such file", file=file)
    with transaction.atomic():
        if source == "nvd":
            result = upsert_vulnerabilities(iter_parsed(iter_nvd_file, path, file=file, on_read=on_read,
                                                        parallel=parallel), source="nvd")
        elif source == "jvn":
            result = upsert_vulnerabilities(iter_parsed(iter_jvn_detail, path, file=file, on_read=on_read,
                                                        parallel=parallel), source="jvn")
        elif source == "kev":
            data = path.read_bytes()
            if on_read:
                on_read(len(data))
            result = replace_known_exploited(parse_kev(data, file=file).records)
        elif source == "epss":
            result = upsert_epss(iter_epss(path, file=file, on_read=on_read))
        else:
            raise FeedError(f"unknown source {source!r} (expected one of {', '.join(SOURCES)})", file=file)
        result.pages = 1
        run_hooks_on_commit(result.changed_ids)
    return result


def import_feed_files(*, source: str, paths: Sequence[Path], on_read: Callable[[int], None] | None = None,
                      parallel: bool | None = None) -> ImportResult:
    """Import several files in order; stop at the first bad one (earlier files stay imported).

    The run is recorded as a FeedRun; the FeedError of a bad file is re-raised after recording.
    """
    run = start_run(source=source, kind="import")
    total = ImportResult(source=source)
    for path in paths:
        try:
            total.add(import_file(source=source, path=Path(path), on_read=on_read, parallel=parallel))
        except FeedError as exc:
            done = f" ({total.pages} earlier file(s) were imported and kept)" if total.pages else ""
            total.messages.append(f"rejected, database unchanged for this file: {exc}{done}")
            finish_run(run, result=total, status=FeedRunStatus.FAILED, error=str(exc))
            raise
    finish_run(run, result=total)
    return total
