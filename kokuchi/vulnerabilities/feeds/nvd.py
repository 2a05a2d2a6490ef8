"""NVD CVE API 2.0 pages and NVD 2.0 JSON feed files (nvdcve-2.0-*.json[.gz]) → VulnRecord.

Pages and feed files share one envelope ({"format": "NVD_CVE", "version": "2.0", "totalResults",
"vulnerabilities": [{"cve": {...}}]}). Feed files are streamed with ijson so that a full year (or a
full mirror) never sits in memory; a single `cve` object (as mirrors store them) is accepted too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import orjson

from kokuchi.core.cpe import cpe23_key

from .common import GZIP_ERRORS, cvss_base, open_maybe_gzip, parse_utc
from .jvn_versions import CVE_RE
from .records import MAX_ID_LENGTH, FeedError, VulnRecord, _make_vuln_record

NVD_PRIMARY_SOURCE = "nvd@nist.gov"
REJECTED = "Rejected"
_CWE_RE = re.compile(r"^CWE-\d+$")


@dataclass(frozen=True)
class NvdPage:
    """One CVE API 2.0 response: paging figures and the records on it."""

    total_results: int
    start_index: int
    results_per_page: int
    records: tuple[VulnRecord, ...]


def _pick_metric(metrics: list[dict]) -> dict | None:
    """Prefer NVD's own Primary metric; otherwise the first one (the CNA's Secondary)."""
    if not metrics:
        return None
    for metric in metrics:
        if metric.get("type") == "Primary" and metric.get("source") == NVD_PRIMARY_SOURCE:
            return metric
    for metric in metrics:
        if metric.get("type") == "Primary":
            return metric
    return metrics[0]


def _cvss(metric: dict | None) -> tuple[Decimal | None, str, str]:
    if metric is None:
        return None, "", ""
    data = metric.get("cvssData") or {}
    vector = data.get("vectorString") or ""
    score, severity = cvss_base(data.get("baseScore"), data.get("baseSeverity") or metric.get("baseSeverity"), vector)
    return score, severity, vector


def _cpe_keys(configurations: list[dict]) -> tuple[tuple[str, str, str], ...]:
    """Index vulnerable criteria, plus hardware criteria (the device model in firmware-AND-hardware)."""
    keys: dict[tuple[str, str, str], None] = {}
    for configuration in configurations:
        for node in configuration.get("nodes") or ():
            for match in node.get("cpeMatch") or ():
                criteria = match.get("criteria") or ""
                key = cpe23_key(criteria)
                if key and (match.get("vulnerable") or key[0] == "h"):
                    keys[key] = None
    return tuple(keys)


def parse_nvd_cve(cve: dict[str, Any], *, file: str = "", position: str = "") -> VulnRecord:
    """Turn one API 2.0 `cve` object into a VulnRecord (configurations kept exactly as published)."""
    try:
        vuln_id = cve["id"]
    except (KeyError, TypeError) as exc:
        raise FeedError("CVE object without an id", file=file, position=position) from exc
    if not isinstance(vuln_id, str) or not CVE_RE.fullmatch(vuln_id) or len(vuln_id) > MAX_ID_LENGTH:
        raise FeedError(f"not a CVE id: {vuln_id!r}"[:200], file=file, position=position)
    where = position or vuln_id
    metrics = cve.get("metrics") or {}
    v3 = _pick_metric(metrics.get("cvssMetricV31") or metrics.get("cvssMetricV30") or [])
    v4 = _pick_metric(metrics.get("cvssMetricV40") or [])
    cvss3_score, cvss3_severity, cvss3_vector = _cvss(v3)
    cvss4_score, cvss4_severity, cvss4_vector = _cvss(v4)
    cwes: dict[str, None] = {}
    for weakness in cve.get("weaknesses") or ():
        for description in weakness.get("description") or ():
            value = description.get("value") or ""
            if _CWE_RE.match(value):
                cwes[value] = None
    description_en = ""
    for description in cve.get("descriptions") or ():
        if description.get("lang") == "en":
            description_en = description.get("value", "")
            break
    configurations = cve.get("configurations") or []
    status = cve.get("vulnStatus") or ""
    references = tuple(
        [
            {"url": ref.get("url", ""), "source": ref.get("source", ""), "tags": list(ref.get("tags") or ())}
            for ref in cve.get("references") or ()
        ]
    )
    return _make_vuln_record(
        {
            "vuln_id": vuln_id,
            "source": "nvd",
            "title_en": cve.get("cisaVulnerabilityName") or "",
            "description_en": description_en,
            "cvss3_score": cvss3_score,
            "cvss3_severity": cvss3_severity,
            "cvss3_vector": cvss3_vector,
            "cvss4_score": cvss4_score,
            "cvss4_severity": cvss4_severity,
            "cvss4_vector": cvss4_vector,
            "cwe_ids": tuple(cwes),
            "published": parse_utc(cve.get("published"), file=file, position=where),
            "last_modified": parse_utc(cve.get("lastModified"), file=file, position=where),
            "source_status": status,
            "withdrawn": status == REJECTED,
            "references": references,
            "configurations": tuple(configurations),
            "cpes": _cpe_keys(configurations),
        }
    )


def _check_envelope(data: Any, file: str) -> None:
    if not isinstance(data, dict):
        raise FeedError("wrong root: expected a JSON object", file=file, position="line 1")
    if data.get("format") not in (None, "NVD_CVE") or "vulnerabilities" not in data:
        raise FeedError(
            f"wrong root: not an NVD CVE API 2.0 page (format={data.get('format')!r}, keys {sorted(data)[:6]})",
            file=file,
            position="line 1",
        )


def parse_nvd_page(data: bytes, *, file: str = "") -> NvdPage:
    """Parse one CVE API 2.0 response body."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FeedError(
            f"malformed JSON: {exc.msg}", file=file, position=f"line {exc.lineno} column {exc.colno} (byte {exc.pos})"
        ) from exc
    except RecursionError as exc:  # absurdly deep nesting: hostile input
        raise FeedError("JSON nested too deeply", file=file, position="line 1") from exc
    _check_envelope(document, file)
    records = []
    for index, item in enumerate(document["vulnerabilities"]):
        cve = item.get("cve") if isinstance(item, dict) else None
        if not isinstance(cve, dict):
            raise FeedError("vulnerabilities[] item without a cve object", file=file, position=f"item {index}")
        records.append(parse_nvd_cve(cve, file=file, position=f"item {index} ({cve.get('id', '?')})"))
    return NvdPage(
        total_results=int(document.get("totalResults", len(records))),
        start_index=int(document.get("startIndex", 0)),
        results_per_page=int(document.get("resultsPerPage", len(records))),
        records=tuple(records),
    )


_HEAD_BYTES = 1 << 16


def iter_nvd_file(source: Path | str | bytes | BinaryIO, *, file: str = "", on_read=None) -> Iterator[VulnRecord]:
    """Stream the records of an NVD 2.0 feed file or API page (plain or gzip), or of one `cve` object.

    Raise FeedError naming the file and the position (record number, last good id, byte offset).
    """
    file = file or str(source if not isinstance(source, bytes | bytearray) else "<bytes>")
    reader = open_maybe_gzip(source, on_read)
    try:
        head = _read_head(reader, file)
        stripped = head.lstrip()
        if not stripped.startswith(b"{"):
            raise FeedError(
                "wrong root: expected a JSON object (NVD CVE API 2.0 / feed 2.0)", file=file, position="byte 0"
            )
        envelope = re.search(rb'"(vulnerabilities|format|resultsPerPage|totalResults)"\s*:', head)
        if envelope is None:
            # One bare `cve` object (mirror layout): small, parse it whole.
            data = head + reader.read()
            try:
                cve = json.loads(data)
            except json.JSONDecodeError as exc:
                raise FeedError(
                    f"malformed JSON: {exc.msg}",
                    file=file,
                    position=f"line {exc.lineno} column {exc.colno} (byte {exc.pos})",
                ) from exc
            except RecursionError as exc:  # absurdly deep nesting: hostile input
                raise FeedError("JSON nested too deeply", file=file, position="line 1") from exc
            if not isinstance(cve, dict) or "id" not in cve or "vulnStatus" not in cve:
                raise FeedError(
                    "wrong root: neither an NVD page/feed (vulnerabilities[]) nor a CVE object",
                    file=file,
                    position="line 1",
                )
            yield parse_nvd_cve(cve, file=file)
            return
        if re.search(rb'"format"\s*:\s*"(?!NVD_CVE")', head) or not re.search(
            rb'"(format|resultsPerPage|totalResults)"\s*:', head
        ):
            raise FeedError(
                "wrong root: not an NVD CVE API 2.0 page or feed 2.0 file (no format NVD_CVE)",
                file=file,
                position="line 1",
            )
        stream = _DepthGuard(_Rewound(head, reader), file)
        count = 0
        last_id = "-"
        try:
            for item in _items(stream):
                cve = item.get("cve") if isinstance(item, dict) else None
                if not isinstance(cve, dict):
                    raise FeedError(
                        "vulnerabilities[] item without a cve object", file=file, position=f"record {count + 1}"
                    )
                count += 1
                last_id = cve.get("id", "?")
                yield parse_nvd_cve(cve, file=file, position=f"record {count} ({last_id})")
        except ijson.JSONError as exc:
            raise FeedError(
                f"malformed or truncated JSON ({exc})",
                file=file,
                position=f"near byte {reader.count}, after record {count} ({last_id})",
            ) from exc
        except GZIP_ERRORS as exc:
            raise FeedError(
                f"damaged or truncated gzip data ({exc})",
                file=file,
                position=f"near byte {reader.count}, after record {count} ({last_id})",
            ) from exc
    finally:
        reader.close()


_READ = 1 << 16  # as ijson reads, so that "near byte N" stays as near
_ARRAY_START = re.compile(rb'"vulnerabilities"\s*:\s*\[')
_FIRST_ITEM = re.compile(rb'\s*(\{\s*"cve"\s*:)')
# Digits to "0", everything else to ".": a run of 19 "0" is a number orjson and ijson may read
# differently (beyond 64 bits: a float for orjson, an error for ijson).
_DIGIT_RUNS = bytes(48 if 48 <= byte <= 57 else 46 for byte in range(256))
_LONG_RUN = b"0" * 19


def _has_long_number(data: bytes) -> bool:
    return _LONG_RUN in data.translate(_DIGIT_RUNS)


_BLANKS = frozenset(b" \t\r\n")


def _items(stream) -> Iterator[Any]:
    """The items of the top-level "vulnerabilities" array, as ijson.items(stream,
    "vulnerabilities.item", use_float=True) yields them, about twice as fast.

    Items are cut where the next item begins (the bytes `{"cve":` as the first item spells them:
    outside a string they can only open an object whose first key is "cve") and each piece is
    parsed whole with orjson. A piece that is not exactly one JSON value followed by a comma
    means the cut was wrong or the file is bad; so does anything orjson reads differently from
    ijson (integers of 19 digits or more). From the first such piece on, and for the last item,
    the rest of the stream goes to ijson, which yields the same items or raises the same error
    as it always has: each piece accepted before ended a real item, so the rest starts at one.
    """
    buffer = b""
    while len(buffer) < _READ:
        data = stream.read(_READ)
        if not data:
            break
        buffer += data
    start = _ARRAY_START.search(buffer)
    try:
        top_level = start is not None and orjson.loads(buffer[: start.end()] + b"]}").get("vulnerabilities") == []
    except (orjson.JSONDecodeError, AttributeError):
        top_level = False
    if start is None or not top_level or _has_long_number(buffer):
        yield from ijson.items(_Rewound(buffer, stream), "vulnerabilities.item", use_float=True)
        return
    position = start.end()
    first = _FIRST_ITEM.match(buffer, position)
    item_start = b""
    if first is not None:
        item_start = first.group(1)
        position = first.start(1)
    eof = False
    loads = orjson.loads
    blanks = _BLANKS
    comma = ord(",")
    while item_start:
        following = buffer.find(item_start, position + 1)
        if following == -1:
            if eof:
                break
            data = stream.read(_READ)
            if data:
                buffer = buffer[position:] + data
                position = 0
                if _has_long_number(buffer[-len(data) - 18 :]):
                    break
            else:
                eof = True
            continue
        end = following
        while end > position and buffer[end - 1] in blanks:
            end -= 1
        if end <= position or buffer[end - 1] != comma:
            break
        try:
            item = loads(buffer[position : end - 1])
        except orjson.JSONDecodeError:
            break
        yield item
        position = following
    # The last item, the end of the array and of the envelope (or whatever could not be cut).
    yield from ijson.items(
        _Rewound(b'{"vulnerabilities":[' + buffer[position:], stream), "vulnerabilities.item", use_float=True
    )


def _read_head(reader, file: str) -> bytes:
    """Read the first 64 KiB in small steps, so a damaged gzip stream is located to within 4 KiB."""
    chunks = []
    size = 0
    try:
        while size < _HEAD_BYTES:
            chunk = reader.read(4096)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except GZIP_ERRORS as exc:
        raise FeedError(
            f"damaged or truncated gzip data ({exc})",
            file=file,
            position=f"near byte {size} (decompressed), before the first record",
        ) from exc
    return b"".join(chunks)


# NVD records nest about ten levels deep. ijson slows down quadratically with nesting depth, so a
# hostile file of a few hundred KB of "[[[[…" could stall an import for minutes: refuse it early.
MAX_OPEN_PER_BLOCK = 1000
MAX_BALANCE = 512
_BLOCK = 4096


class _DepthGuard:
    """Refuse JSON whose bracket nesting is absurd (counted in C with bytes.count, strings ignored:
    a legitimate file never comes near the limits)."""

    def __init__(self, inner, file: str) -> None:
        self.inner = inner
        self.file = file
        self.balance = 0
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        for start in range(0, len(data), _BLOCK):
            block = data[start : start + _BLOCK]
            opens = block.count(b"[") + block.count(b"{")
            self.balance += opens - block.count(b"]") - block.count(b"}")
            if opens > MAX_OPEN_PER_BLOCK or self.balance > MAX_BALANCE:
                raise FeedError(
                    "malformed or truncated JSON (nested too deeply; refused as hostile)",
                    file=self.file,
                    position=f"near byte {self.offset + start}",
                )
        self.offset += len(data)
        return data


class _Rewound:
    """A read()-able that first replays the sniffed head, then continues with the stream."""

    def __init__(self, head: bytes, rest) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0 or size >= len(self.head):
                chunk, self.head = self.head, b""
                if size > 0:
                    return chunk + self.rest.read(size - len(chunk))
                return chunk + (self.rest.read() if size < 0 else b"")
            chunk, self.head = self.head[:size], self.head[size:]
            return chunk
        return self.rest.read(size)
