"""CVE JSON 5 records (the CVE Program's CVE_RECORD format, as in CVEProject/cvelistV5) →
AdvisoryRecord.

The affected data of the CNA container and of the CISA ADP container ("CISA ADP Vulnrichment")
become product statements: each `versions[]` entry with status affected / unaffected, its
`version`, `lessThan` or `lessThanOrEqual`; a version written as text ("Ver.1.7.2 and earlier")
is read as such; `defaultStatus: affected` without versions means every version. Rejected
records give no statement.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from kokuchi.core.cpe import cpe22_to_cpe23, parse_cpe23

from .csaf import MAX_DOCUMENT_BYTES
from .records import FeedError
from .statements import (
    AdvisoryRecord,
    AdvisoryVulnerability,
    StatementRecord,
    bounded_range,
    exact_range,
    parse_version_text,
)

CISA_ADP_SHORT_NAME = "CISA-ADP"
# Versions that mean "from the first release" in CNA data: no lower bound.
_FIRST_VERSIONS = {"0", "*", "", "n/a", "unspecified"}


def parse_cve5(data: bytes, *, file: str = "", url: str = "") -> AdvisoryRecord:
    """Parse one CVE JSON 5 record (JSON bytes)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise FeedError(f"record larger than {MAX_DOCUMENT_BYTES} bytes", file=file)
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        position = f"line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise FeedError(f"not JSON: {exc}", file=file, position=position) from exc
    if not isinstance(record, dict) or record.get("dataType") != "CVE_RECORD":
        raise FeedError('not a CVE JSON 5 record (dataType must be "CVE_RECORD")', file=file, position="dataType")
    meta = record.get("cveMetadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("cveId"), str):
        raise FeedError("expected cveMetadata.cveId", file=file, position="cveMetadata.cveId")
    cve_id = meta["cveId"].strip()
    if not cve_id.startswith("CVE-") or len(cve_id) > 40:
        raise FeedError(f"not a CVE ID: {cve_id[:60]!r}", file=file, position="cveMetadata.cveId")
    released = _datetime(meta.get("dateUpdated") or meta.get("datePublished"), "cveMetadata.dateUpdated", file)
    containers = record.get("containers")
    if not isinstance(containers, dict):
        raise FeedError("expected an object", file=file, position="containers")
    if meta.get("state") == "REJECTED":
        return AdvisoryRecord("cve5", cve_id, str(meta.get("assignerShortName") or ""), url, released)
    cna = containers.get("cna")
    if not isinstance(cna, dict):
        raise FeedError("expected an object", file=file, position="containers.cna")
    statements = _statements(cve_id, cna, "cve5_cna", "containers.cna", file)
    for i, adp in enumerate(containers.get("adp") or ()):
        provider = adp.get("providerMetadata") if isinstance(adp, dict) else None
        if isinstance(provider, dict) and provider.get("shortName") == CISA_ADP_SHORT_NAME:
            statements.extend(_statements(cve_id, adp, "cve5_adp", f"containers.adp[{i}]", file))
    description = next(
        (
            str(d.get("value") or "")
            for d in cna.get("descriptions") or ()
            if isinstance(d, dict) and str(d.get("lang", "")).startswith("en")
        ),
        "",
    )
    cwe_ids = tuple(
        dict.fromkeys(
            str(d["cweId"])
            for problem in cna.get("problemTypes") or ()
            if isinstance(problem, dict)
            for d in problem.get("descriptions") or ()
            if isinstance(d, dict) and d.get("cweId")
        )
    )
    references = tuple(
        {"url": str(ref["url"]), "source": "cve5"}
        for ref in cna.get("references") or ()
        if isinstance(ref, dict) and isinstance(ref.get("url"), str)
    )
    published = _datetime(meta.get("datePublished"), "cveMetadata.datePublished", file)
    vulnerability = AdvisoryVulnerability(
        cve_id, str(cna.get("title") or ""), description, published, cwe_ids, references
    )
    return AdvisoryRecord(
        feed="cve5",
        document_id=cve_id,
        publisher=str(meta.get("assignerShortName") or ""),
        url=url,
        released=released,
        vulnerabilities=(vulnerability,),
        statements=tuple(statements),
    )


def _statements(cve_id: str, container: dict, source: str, where: str, file: str) -> list[StatementRecord]:
    affected = container.get("affected") or []
    if not isinstance(affected, list):
        raise FeedError("expected a list", file=file, position=f"{where}.affected")
    out: list[StatementRecord] = []
    for i, item in enumerate(affected):
        here = f"{where}.affected[{i}]"
        if not isinstance(item, dict):
            raise FeedError("expected an object", file=file, position=here)
        vendor = str(item.get("vendor") or "").strip()
        product = str(item.get("product") or "").strip()
        if not product or product.lower() == "n/a":
            continue
        cpe23 = _first_cpe(item.get("cpes"))
        versions = item.get("versions") or []
        if not isinstance(versions, list):
            raise FeedError("expected a list", file=file, position=f"{here}.versions")
        by_status: dict[str, tuple[list[dict], list[str], bool]] = {}
        for j, entry in enumerate(versions):
            if not isinstance(entry, dict):
                raise FeedError("expected an object", file=file, position=f"{here}.versions[{j}]")
            status = {"affected": "affected", "unaffected": "not_affected"}.get(str(entry.get("status")))
            if status is None:
                continue
            ranges, texts, unread = by_status.setdefault(status, ([], [], False))
            text, parsed = _entry_ranges(entry)
            texts.append(text)
            if parsed is None:
                by_status[status] = (ranges, texts, True)
            else:
                ranges.extend(parsed)
        if not by_status and item.get("defaultStatus") == "affected":
            out.append(StatementRecord(cve_id, source, vendor, product, "affected", cpe23, "", (), True))
            continue
        for status, (ranges, texts, unread) in by_status.items():
            out.append(
                StatementRecord(
                    vuln_id=cve_id,
                    source=source,
                    vendor=vendor,
                    product=product,
                    status=status,
                    cpe23=cpe23,
                    version_text="; ".join(texts),
                    # A text that could not be read leaves the statement without ranges, so that
                    # matching shows it as "version range unknown" rather than reading half of it.
                    ranges=() if unread else tuple(ranges),
                )
            )
    return out


def _entry_ranges(entry: dict) -> tuple[str, tuple[dict, ...] | None]:
    """The text of one versions[] entry and its ranges (None when it cannot be read)."""
    version = str(entry.get("version") or "").strip()
    less_than = str(entry.get("lessThan") or "").strip()
    less_equal = str(entry.get("lessThanOrEqual") or "").strip()
    start = None if version.lower() in _FIRST_VERSIONS else version
    if less_than:
        text = f"{version} ≤ v < {less_than}" if start else f"< {less_than}"
        end = None if less_than == "*" else less_than
        return text, (bounded_range(start=start, end=end),)
    if less_equal:
        text = f"{version} ≤ v ≤ {less_equal}" if start else f"≤ {less_equal}"
        end = None if less_equal == "*" else less_equal
        return text, (bounded_range(start=start, end=end, end_inclusive=True),)
    if not start:
        return version, None
    parsed = parse_version_text(version)
    if parsed is None and " " not in version:
        parsed = (exact_range(version),)
    return version, parsed


def _first_cpe(values: Any) -> str:
    for value in values or ():
        if not isinstance(value, str):
            continue
        try:
            cpe = cpe22_to_cpe23(value) if value.startswith("cpe:/") else value
            parse_cpe23(cpe)
        except (ValueError, NotImplementedError, KeyError, TypeError):
            continue
        return cpe
    return ""


def _datetime(value: Any, where: str, file: str) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise FeedError(f"not a date-time: {value!r}", file=file, position=where) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
