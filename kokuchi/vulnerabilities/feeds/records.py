"""Typed records produced by the feed parsers and consumed by the loader."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import orjson


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

    def with_hash(self) -> VulnRecord:
        """Return a copy carrying its JSON parts and content hash (for records built by hand)."""
        return make_vuln_record(**{name: getattr(self, name) for name in _INPUT_FIELDS})


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


# Where orjson's text may differ from json's: NaN/Infinity (null), small floats (0.0000…, 1e-7).
# Matches inside strings only cost a slower but identical encoding.
_MAY_DIFFER = re.compile(rb"(?:^|[:\[,])null|\de-|0\.0000")
_json_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept, exactly as json.dumps(separators=(",", ":"), ensure_ascii=False).

    orjson writes the same text for the str/int/bool/list/dict values the feeds hold, about ten
    times faster. Where it could differ (NaN/Infinity as null; floats below 1e-4 written as
    0.0000… or with a one-digit exponent), or for values it refuses (Decimal, huge ints, lone
    surrogates, non-str keys), the json module writes the text, so it (and the content hash built
    on it) never depends on the library.
    """
    try:
        text = orjson.dumps(value, default=_refuse)
    except (orjson.JSONEncodeError, TypeError):
        return _json_encode(value)
    if (b"null" in text or b"e-" in text or b"0.0000" in text) and _MAY_DIFFER.search(text):
        return _json_encode(value)
    return text.decode()


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def make_vuln_record(**values: Any) -> VulnRecord:
    """Build a VulnRecord with its content_hash: the sha256 of the canonical parsed record.

    The canonical form is the repr() of the scalar fields and affected products in field order
    (str, Decimal, datetime, bool and tuples have a stable repr), then the JSON of the
    configurations and the references. Equal parsed records always give equal hashes.
    """
    configurations_json = _dumps(list(values.get("configurations", ())))
    references_json = _dumps(list(values.get("references", ())))
    scalars = tuple(map(values.get, _SCALAR_FIELDS, _SCALAR_DEFAULTS))
    affected = tuple((a.vendor, a.product, a.cpe22, a.cpe23, a.version_text, a.ranges, a.ranges_parsed)
                     for a in values.get("affected", ()))
    digest = hashlib.sha256(repr((scalars, affected)).encode())
    digest.update(b"\n" + configurations_json.encode() + b"\n" + references_json.encode())
    unknown = values.keys() - _INPUT_FIELD_SET
    if unknown or "vuln_id" not in values or "source" not in values:
        raise TypeError(f"make_vuln_record() needs vuln_id and source, and takes only VulnRecord fields "
                        f"(unexpected: {', '.join(sorted(unknown)) or 'none'})")
    # Filled directly rather than through the frozen dataclass's __init__ (one object.__setattr__
    # per field): this runs once per record of a full NVD/JVN load.
    state = _DEFAULTS.copy()
    state.update(values)
    state["content_hash"] = digest.hexdigest()
    state["configurations_json"] = configurations_json
    state["references_json"] = references_json
    record = object.__new__(VulnRecord)
    record.__dict__.update(state)
    return record


def make_affected_record(vendor: str, product: str, cpe22: str, cpe23: str, version_text: str,
                         ranges: tuple[dict, ...], ranges_parsed: bool) -> AffectedRecord:
    """AffectedRecord(...) without the frozen dataclass's per-field __init__ (one per JVN product)."""
    record = object.__new__(AffectedRecord)
    record.__dict__.update(vendor=vendor, product=product, cpe22=cpe22, cpe23=cpe23, version_text=version_text,
                           ranges=ranges, ranges_parsed=ranges_parsed)
    return record


_DEFAULTS = {f.name: f.default for f in fields(VulnRecord)}
_INPUT_FIELD_SET = frozenset(_INPUT_FIELDS)
_SCALAR_DEFAULTS = tuple(_DEFAULTS[name] for name in _SCALAR_FIELDS)
