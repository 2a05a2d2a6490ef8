"""Helpers shared by the parsers: input opening with gzip detection, position tracking, dates, CVSS."""

from __future__ import annotations

import datetime
import gzip
import io
import zlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO, Protocol

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from .records import FeedError

GZIP_MAGIC = b"\x1f\x8b"


class ByteSource(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class PeekableByteSource(ByteSource, Protocol):
    def peek(self, size: int = 0, /) -> bytes: ...


class CountingReader(io.RawIOBase):
    """Wrap a binary stream and count the bytes handed out, so errors can name a byte offset."""

    def __init__(self, raw: ByteSource, on_read: Callable[[int], object] | None = None) -> None:
        self.raw = raw
        self.count = 0
        self.on_read = on_read

    @property
    def name(self) -> str:
        """The wrapped file's name, as io.TextIOWrapper reports it."""
        return str(getattr(self.raw, "name", ""))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        if self.on_read is not None and n:
            self.on_read(n)
        return n

    def close(self) -> None:
        if not self.closed:
            self.raw.close()
        super().close()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        if self.on_read is not None and data:
            self.on_read(len(data))
        return data


def open_maybe_gzip(
    source: Path | str | bytes | BinaryIO, on_read: Callable[[int], object] | None = None
) -> CountingReader:
    """Open a path, bytes or stream for reading, transparently gunzipping gzip content.

    Return a reader whose `count` is the number of (decompressed) bytes handed out so far, for
    error positions. `on_read` gets the number of *raw* bytes consumed, for progress bars.
    """
    raw: PeekableByteSource
    if isinstance(source, bytes | bytearray):
        raw = io.BufferedReader(io.BytesIO(bytes(source)))
    elif isinstance(source, Path | str):
        raw = open(source, "rb")  # noqa: SIM115 - closed when the reader is closed
    elif hasattr(source, "peek"):
        raw = source
    else:
        # Every binary stream has readinto(), which BufferedReader needs; typing.BinaryIO omits it.
        raw = io.BufferedReader(source)  # type: ignore[type-var]
    head = raw.peek(2)[:2]
    counted = CountingReader(raw, on_read)
    stream: ByteSource = gzip.GzipFile(fileobj=counted, mode="rb") if head == GZIP_MAGIC else counted
    return CountingReader(stream)


GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error, OSError)


def parse_utc(value: str | None, *, file: str = "", position: str = "") -> datetime.datetime | None:
    """Parse an ISO-8601 timestamp; one without offset is UTC (NVD). Accepts JVN's seconds-less form."""
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise FeedError(f"bad timestamp {value!r}", file=file, position=position) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def parse_date(value: str | None, *, file: str = "", position: str = "") -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise FeedError(f"bad date {value!r}", file=file, position=position) from exc


_SEVERITY_WORDS = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"}


def score_from_vector(vector: str) -> tuple[Decimal, str] | None:
    """Compute (base score, severity) from a CVSS v3.x or v4.0 vector with the `cvss` library.

    Return None when the vector is not valid CVSS v3/v4 (v2 vectors are ignored: the model keeps v3/v4).
    """

    try:
        if vector.startswith("CVSS:3."):
            cvss = CVSS3(vector)
            return Decimal(str(cvss.base_score)), cvss.severities()[0].upper()
        if vector.startswith("CVSS:4.0/"):
            cvss4 = CVSS4(vector)
            return Decimal(str(cvss4.base_score)), cvss4.severity.upper()
    except CVSSError:
        return None
    return None


def cvss_score(value) -> Decimal | None:
    """A CVSS base score as published (number or text), or None when it is not one (not a number,
    or outside 0.0-10.0): the caller then computes it from the vector, which is authoritative."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return score if score.is_finite() and 0 <= score <= 10 else None


def cvss_base(score, severity, vector: str) -> tuple[Decimal | None, str]:
    """(base score, severity) as published, or computed from the vector when either is missing or
    not valid (see cvss_score and normalise_severity)."""
    score = cvss_score(score)
    severity = normalise_severity(severity)
    if vector and (score is None or not severity):
        computed = score_from_vector(vector)
        if computed:
            return computed
    return score, severity


def normalise_severity(value: str | None) -> str:
    word = (value or "").strip().upper()
    return word if word in _SEVERITY_WORDS else ""
