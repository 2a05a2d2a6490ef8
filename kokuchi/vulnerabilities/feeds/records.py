"""Typed records produced by the feed parsers and consumed by the loader."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import orjson

logger = logging.getLogger(__name__)


# Vulnerability.vuln_id is a CharField(max_length=40): a longer ID is refused by the parsers.
MAX_ID_LENGTH = 40


class FeedError(Exception):
    """Bad feed input: names the file (or URL) and the position (line:column, byte offset or record)."""

    def __init__(self, message: str, *, file: str = "", position: str = "") -> None:
        self.message = message
        self.file = file
        self.position = position
        where = ": ".join(part for part in (file, position) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class AffectedRecord:
    """One JVN AffectedItem: CPE 2.2 as published, converted 2.3, version text and parsed ranges."""

    vendor: str
    product: str
    cpe22: str
    cpe23: str
    version_text: str
    ranges: tuple[dict, ...] = ()
    ranges_parsed: bool = False


@dataclass(frozen=True)
class VulnRecord:
    """One vulnerability as parsed from NVD or JVN, ready to be upserted."""

    vuln_id: str
    source: str
    title_ja: str = ""
    title_en: str = ""
    description_ja: str = ""
    description_en: str = ""
    cvss3_score: Decimal | None = None
    cvss3_severity: str = ""
    cvss3_vector: str = ""
    cvss4_score: Decimal | None = None
    cvss4_severity: str = ""
    cvss4_vector: str = ""
    cwe_ids: tuple[str, ...] = ()
    published: datetime.datetime | None = None
    last_modified: datetime.datetime | None = None
    source_status: str = ""
    withdrawn: bool = False
    references: tuple[dict, ...] = ()
    # NVD configurations exactly as published (list of JSON objects).
    configurations: tuple[Any, ...] = ()
    aliases: tuple[str, ...] = ()
    affected: tuple[AffectedRecord, ...] = ()
    # (part, vendor, product) named by the record, for VulnerabilityCpe.
    cpes: tuple[tuple[str, str, str], ...] = ()
    content_hash: str = field(default="", compare=False)
    # JSON text of configurations and references as published (key order kept), computed once by
    # make_vuln_record() and reused by the loader, so a full NVD load serialises them only once.
    configurations_json: str = field(default="[]", compare=False, repr=False)
    references_json: str = field(default="[]", compare=False, repr=False)


@dataclass(frozen=True)
class KevRecord:
    """One entry of CISA's Known Exploited Vulnerabilities catalog."""

    cve_id: str
    vendor_project: str
    product: str
    name: str
    date_added: datetime.date
    due_date: datetime.date | None
    known_ransomware_use: str
    required_action: str
    notes: str


@dataclass(frozen=True)
class EpssRecord:
    """One EPSS row: probability of exploitation and percentile as of score_date."""

    cve_id: str
    score: float
    percentile: float | None
    score_date: datetime.date | None


_DERIVED_FIELDS = {"content_hash", "configurations_json", "references_json"}
_INPUT_FIELDS = tuple(f.name for f in fields(VulnRecord) if f.name not in _DERIVED_FIELDS)
_SCALAR_FIELDS = tuple(name for name in _INPUT_FIELDS if name not in {"configurations", "references", "affected"})


_json_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_DIGITS = frozenset(b"0123456789")


def _may_differ(text: bytes) -> bool:
    """Whether orjson's text may differ from the json module's: a NaN/Infinity written as null,
    a float below 1e-4 written as 0.0000…, or a one-digit exponent (orjson 2.5e-7, json 2.5e-07).
    Matches inside strings (a UUID's "7e-4…" in a URL) only cost a slower but identical encoding,
    so the test is loose, and cheap: substring searches in C, a Python step per "e-" only."""
    if b"0.0000" in text:
        return True
    if b"null" in text and (text.startswith(b"null") or b":null" in text or b",null" in text or b"[null" in text):
        return True
    digits = _DIGITS
    end = len(text)
    at = text.find(b"e-")
    while at != -1:
        if (
            at > 0
            and text[at - 1] in digits
            and at + 2 < end
            and text[at + 2] in digits
            and (at + 3 >= end or text[at + 3] not in digits)
        ):
            return True
        at = text.find(b"e-", at + 2)
    return False


def _dumps_bytes(value: Any) -> bytes:
    """Compact JSON (UTF-8), non-ASCII kept, exactly as json.dumps(separators=(",", ":"),
    ensure_ascii=False) encodes it.

    orjson writes the same text for the str/int/bool/list/dict values the feeds hold, about ten
    times faster. Where it could differ (see _may_differ), or for values it refuses (Decimal, huge
    ints, lone surrogates, non-str keys), the json module writes the text, so it (and the content
    hash built on it) never depends on the library.
    """
    try:
        text = orjson.dumps(value, default=_refuse)
    except (orjson.JSONEncodeError, TypeError):
        return _json_encode(value).encode("utf-8", "surrogatepass")
    if _may_differ(text):
        return _json_encode(value).encode("utf-8", "surrogatepass")
    return text


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def make_vuln_record(**values: Any) -> VulnRecord:
    """Build a VulnRecord with its content_hash: the sha256 of the canonical parsed record.

    The canonical form is the repr() of the scalar fields and affected products in field order
    (str, Decimal, datetime, bool and tuples have a stable repr), then the JSON of the
    configurations and the references. Equal parsed records always give equal hashes.
    """
    unknown = values.keys() - _INPUT_FIELD_SET
    if unknown or "vuln_id" not in values or "source" not in values:
        raise TypeError(
            f"make_vuln_record() needs vuln_id and source, and takes only VulnRecord fields "
            f"(unexpected: {', '.join(sorted(unknown)) or 'none'})"
        )
    return _make_vuln_record(values)


def _make_vuln_record(values: dict[str, Any]) -> VulnRecord:
    """make_vuln_record() for the parsers, which pass only known fields (with vuln_id and source)."""
    configurations = values.get("configurations")
    configurations_json = _dumps_bytes(list(configurations)) if configurations else b"[]"
    references = values.get("references")
    references_json = _dumps_bytes(list(references)) if references else b"[]"
    scalars = tuple(map(values.get, _SCALAR_FIELDS, _SCALAR_DEFAULTS))
    affected = values.get("affected")
    if affected:
        affected = tuple(
            (a.vendor, a.product, a.cpe22, a.cpe23, a.version_text, a.ranges, a.ranges_parsed) for a in affected
        )
    else:
        affected = ()
    canonical = repr((scalars, affected))
    # A cheap, loose look first (a text spelling "\x00" matches too), then the exact one.
    if (
        "\\x00" in canonical
        or "\\ud" in canonical
        or _json_unstorable(configurations_json)
        or _json_unstorable(references_json)
    ) and any(map(_holds_unstorable, values.values())):
        logger.warning("%s: U+0000 or a lone surrogate replaced by U+FFFD (no database stores them)", values["vuln_id"])
        return _make_vuln_record({name: storable(value) for name, value in values.items()})
    digest = hashlib.sha256(canonical.encode())
    digest.update(b"\n" + configurations_json + b"\n" + references_json)
    # Filled directly rather than through the frozen dataclass's __init__ (one object.__setattr__
    # per field): this runs once per record of a full NVD/JVN load.
    state = _DEFAULTS.copy()
    state.update(values)
    state["content_hash"] = digest.hexdigest()
    state["configurations_json"] = configurations_json.decode("utf-8", "surrogatepass")
    state["references_json"] = references_json.decode("utf-8", "surrogatepass")
    record = object.__new__(VulnRecord)
    record.__dict__.update(state)
    return record


# U+0000 and lone surrogates (a Python str holds a surrogate only when it is unpaired): JSON can
# escape them (\\u0000, \\ud800), but PostgreSQL stores no NUL in text or jsonb, and neither
# database takes a string that is not valid Unicode.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE_UTF8 = re.compile(rb"\xed[\xa0-\xbf]")  # as _dumps_bytes writes them (surrogatepass)
JSON_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _json_unstorable(text: bytes) -> bool:
    return b"\\u0000" in text or (b"\xed" in text and _SURROGATE_UTF8.search(text) is not None)


def storable(value: Any) -> Any:
    """`value` with U+0000 and lone surrogates replaced by U+FFFD in every string it holds (dicts,
    lists, tuples and AffectedRecords included), as a decoder replaces what it cannot represent,
    rather than the whole file being refused by the database."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, tuple):
        return tuple(storable(item) for item in value)
    if isinstance(value, AffectedRecord):
        return make_affected_record(*(storable(getattr(value, name)) for name in _AFFECTED_FIELDS))
    return value


def _holds_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(map(_holds_unstorable, value)) or any(map(_holds_unstorable, value.values()))
    if isinstance(value, list | tuple):
        return any(map(_holds_unstorable, value))
    if isinstance(value, AffectedRecord):
        return any(_holds_unstorable(getattr(value, name)) for name in _AFFECTED_FIELDS)
    return False


def make_affected_record(
    vendor: str, product: str, cpe22: str, cpe23: str, version_text: str, ranges: tuple[dict, ...], ranges_parsed: bool
) -> AffectedRecord:
    """AffectedRecord(...) without the frozen dataclass's per-field __init__ (one per JVN product)."""
    record = object.__new__(AffectedRecord)
    record.__dict__.update(
        vendor=vendor,
        product=product,
        cpe22=cpe22,
        cpe23=cpe23,
        version_text=version_text,
        ranges=ranges,
        ranges_parsed=ranges_parsed,
    )
    return record


_DEFAULTS = {f.name: f.default for f in fields(VulnRecord)}
_AFFECTED_FIELDS = tuple(f.name for f in fields(AffectedRecord))
_INPUT_FIELD_SET = frozenset(_INPUT_FIELDS)
_SCALAR_DEFAULTS = tuple(_DEFAULTS[name] for name in _SCALAR_FIELDS)
