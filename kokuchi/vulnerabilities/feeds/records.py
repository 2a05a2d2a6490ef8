"""Typed records produced by the feed parsers and consumed by the loader."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from kokuchi.core.hashing import canonical_json, sha256_hex


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

    def with_hash(self) -> VulnRecord:
        """Return a copy carrying the sha256 of its canonical JSON (the hash itself left out)."""
        # Built by hand rather than with asdict(): asdict deep-copies the configurations, which
        # costs more than hashing them on a full NVD load.
        data = {name: getattr(self, name) for name in _HASHED_FIELDS}
        data["affected"] = [asdict(item) for item in self.affected]
        return replace(self, content_hash=sha256_hex(canonical_json(data)))


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


_HASHED_FIELDS = tuple(f.name for f in fields(VulnRecord) if f.name not in {"content_hash", "affected"})
