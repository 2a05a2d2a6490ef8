"""FIRST EPSS daily CSV (plain or .gz) → EpssRecord, in all three historical header layouts:

1. ``cve,epss`` (2021-04 … 2021-08; the date comes from the file name),
2. ``cve,epss,percentile`` (2021-09 … 2022-01),
3. ``#model_version:…,score_date:…`` then ``cve,epss,percentile`` (2022-02 on; the date now ends in Z).
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .common import GZIP_ERRORS, open_maybe_gzip, parse_utc
from .records import EpssRecord, FeedError

_NAME_DATE_RE = re.compile(r"epss_scores-(\d{4}-\d{2}-\d{2})")
_CVE_RE = re.compile(r"^CVE-\d{4}-\d{4,}$")


def _date_from_name(file: str) -> datetime.date | None:
    match = _NAME_DATE_RE.search(file)
    return datetime.date.fromisoformat(match.group(1)) if match else None


def iter_epss(
    source: Path | str | bytes | BinaryIO, *, file: str = "", on_read=None, meta_out: dict | None = None
) -> Iterator[EpssRecord]:
    """Stream the rows of an EPSS file; `meta_out` (if given) receives model_version and score_date."""
    file = file or str(source if not isinstance(source, bytes | bytearray) else "<bytes>")
    reader = open_maybe_gzip(source, on_read)
    text = io.TextIOWrapper(reader, encoding="utf-8", newline="")
    score_date = _date_from_name(file)
    meta: dict = meta_out if meta_out is not None else {}
    line_no = 0
    try:
        try:
            header = text.readline()
            line_no = 1
            if header.startswith("#"):
                for pair in header[1:].strip().split(","):
                    key, _, value = pair.partition(":")
                    meta[key.strip()] = value.strip()
                stamp = parse_utc(meta.get("score_date", "").replace("+0000", "+00:00"), file=file, position="line 1")
                if stamp is not None:
                    score_date = stamp.date()
                header = text.readline()
                line_no = 2
            columns = [c.strip() for c in header.strip().split(",")]
            if columns not in (["cve", "epss"], ["cve", "epss", "percentile"]):
                raise FeedError(
                    f"wrong header {header.strip()!r}: expected 'cve,epss' or 'cve,epss,percentile'",
                    file=file,
                    position=f"line {line_no}",
                )
            meta["score_date"] = score_date
            with_percentile = len(columns) == 3
            for line in text:
                line_no += 1
                line = line.strip()
                if not line:
                    continue
                fields = line.split(",")
                if len(fields) != len(columns) or not _CVE_RE.match(fields[0]):
                    raise FeedError(f"bad row {line[:80]!r}", file=file, position=f"line {line_no}")
                try:
                    score = float(fields[1])
                    percentile = float(fields[2]) if with_percentile else None
                except ValueError as exc:
                    raise FeedError(f"bad number in row {line[:80]!r}", file=file, position=f"line {line_no}") from exc
                if not 0.0 <= score <= 1.0 or (percentile is not None and not 0.0 <= percentile <= 1.0):
                    raise FeedError("score/percentile outside 0..1", file=file, position=f"line {line_no}")
                yield EpssRecord(cve_id=fields[0], score=score, percentile=percentile, score_date=score_date)
        except GZIP_ERRORS as exc:
            raise FeedError(
                f"damaged or truncated gzip data ({exc})", file=file, position=f"after line {line_no}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise FeedError(f"not UTF-8 text ({exc.reason})", file=file, position=f"after line {line_no}") from exc
    finally:
        text.close()
