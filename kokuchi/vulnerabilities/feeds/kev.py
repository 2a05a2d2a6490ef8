"""CISA Known Exploited Vulnerabilities catalog (JSON) → KevRecord."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .common import parse_date
from .jvn_versions import CVE_RE
from .records import JSON_UNSTORABLE_ESCAPE, FeedError, KevRecord, storable

_REQUIRED = (
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "shortDescription",
    "requiredAction",
    "dueDate",
)


@dataclass(frozen=True)
class KevCatalog:
    catalog_version: str
    date_released: str
    records: tuple[KevRecord, ...]


def parse_kev(data: bytes, *, file: str = "known_exploited_vulnerabilities.json") -> KevCatalog:
    """Parse the whole KEV catalog; every entry must carry the fields the schema requires."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FeedError(
            f"malformed JSON: {exc.msg}", file=file, position=f"line {exc.lineno} column {exc.colno} (byte {exc.pos})"
        ) from exc
    except RecursionError as exc:  # absurdly deep nesting: hostile input
        raise FeedError("JSON nested too deeply", file=file, position="line 1") from exc
    except UnicodeDecodeError as exc:
        raise FeedError(f"not UTF-8 text ({exc.reason})", file=file, position=f"byte {exc.start}") from exc
    if JSON_UNSTORABLE_ESCAPE.search(data):
        document = storable(document)  # U+0000 and lone surrogates: no database stores them
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("vulnerabilities"), list)
        or "catalogVersion" not in document
    ):
        raise FeedError(
            "wrong root: expected the KEV catalog object (catalogVersion, vulnerabilities[])",
            file=file,
            position="line 1",
        )
    records = []
    for index, entry in enumerate(document["vulnerabilities"]):
        position = f"vulnerabilities[{index}]"
        if not isinstance(entry, dict):
            raise FeedError("entry is not an object", file=file, position=position)
        missing = [key for key in _REQUIRED if key not in entry]
        if missing:
            raise FeedError(f"entry lacks {', '.join(missing)}", file=file, position=position)
        cve_id = entry["cveID"].strip()
        if not CVE_RE.fullmatch(cve_id):
            raise FeedError(f"bad cveID {cve_id!r}", file=file, position=position)
        position = f"{position} ({cve_id})"
        date_added = parse_date(entry["dateAdded"], file=file, position=position)
        if date_added is None:
            raise FeedError("entry has an empty dateAdded", file=file, position=position)
        records.append(
            KevRecord(
                cve_id=cve_id,
                vendor_project=entry["vendorProject"],
                product=entry["product"],
                name=entry["vulnerabilityName"],
                date_added=date_added,
                due_date=parse_date(entry.get("dueDate"), file=file, position=position),
                known_ransomware_use=entry.get("knownRansomwareCampaignUse", ""),
                required_action=entry["requiredAction"],
                notes=entry.get("notes", ""),
            )
        )
    return KevCatalog(
        catalog_version=str(document["catalogVersion"]),
        date_released=str(document.get("dateReleased", "")),
        records=tuple(records),
    )
