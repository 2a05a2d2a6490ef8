"""Records shared by the CSAF and CVE JSON 5 parsers: what one document says about products, and
the English version texts and `vers` ranges those documents use.

A range has the shape of AffectedProduct.ranges: {"start", "start_inclusive", "end",
"end_inclusive", "exact"}. A text that cannot be read gives no range and `ranges_parsed` False:
the statement is kept with its text, and matching treats it as "version range unknown".
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

MAX_VERSION_TEXT = 2000


@dataclass(frozen=True)
class StatementRecord:
    """One document's word about one product and one vulnerability (see ProductStatement)."""

    vuln_id: str
    source: str  # StatementSource value
    vendor: str
    product: str
    status: str  # StatementStatus value
    cpe23: str = ""
    version_text: str = ""
    ranges: tuple[dict, ...] = ()
    all_versions: bool = False
    fixed_version: str = ""
    remediation_url: str = ""
    remediation_text: str = ""
    reason: str = ""


@dataclass(frozen=True)
class AdvisoryVulnerability:
    """A vulnerability a document describes, enough to create its row when Kokuchi has none yet."""

    vuln_id: str
    title: str = ""
    description: str = ""
    published: datetime.datetime | None = None
    cwe_ids: tuple[str, ...] = ()
    references: tuple[dict, ...] = ()


@dataclass(frozen=True)
class AdvisoryRecord:
    """One parsed CSAF advisory or CVE record."""

    feed: str  # FeedName value: "csaf" or "cve5"
    document_id: str
    publisher: str
    url: str
    released: datetime.datetime | None
    vulnerabilities: tuple[AdvisoryVulnerability, ...] = ()
    statements: tuple[StatementRecord, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)


def exact_range(version: str) -> dict:
    return {"start": None, "start_inclusive": True, "end": None, "end_inclusive": False, "exact": version}


def bounded_range(
    *, start: str | None = None, start_inclusive: bool = True, end: str | None = None, end_inclusive: bool = False
) -> dict:
    return {
        "start": start,
        "start_inclusive": start_inclusive,
        "end": end,
        "end_inclusive": end_inclusive,
        "exact": None,
    }


_VERSION = r"(?:v(?:er(?:sion)?)?\.?\s*)?([0-9][0-9A-Za-z._()\-+]*)"
_EARLIER = re.compile(rf"^{_VERSION}\s+(?:and|or)\s+(?:earlier|prior|older|below|lower)(?:\s+versions?)?$", re.I)
_BEFORE = re.compile(
    rf"^(?:all\s+)?(?:versions?\s+)?(?:before|prior\s+to|earlier\s+than|older\s+than|<)\s*{_VERSION}$", re.I
)
_THROUGH = re.compile(
    rf"^(?:all\s+)?(?:versions?\s+)?(?:through|up\s+to(?:\s+and\s+including)?|<=)\s*{_VERSION}$", re.I
)
_FROM_TO = re.compile(rf"^(?:from\s+)?{_VERSION}\s*(?:-|–|through|to)\s*{_VERSION}$", re.I)
_AT_LEAST = re.compile(rf"^(?:>=\s*|from\s+){_VERSION}(?:\s+and\s+(?:later|above|newer))?$", re.I)
_AND_LATER = re.compile(rf"^{_VERSION}\s+(?:and|or)\s+(?:later|above|newer)$", re.I)
_PLAIN = re.compile(rf"^(?:=\s*)?{_VERSION}$", re.I)


def parse_version_text(text: str) -> tuple[dict, ...] | None:
    """Ranges of an English version text ("Ver.1.7.2 and earlier", "< 7.2.5", "before 2.0",
    "1.0 - 1.4", "7.0.0", "vers:generic/>=7.0.0|<7.0.13"); None when the text cannot be read."""
    value = " ".join(text.split()).strip().rstrip(".")
    if not value or len(value) > MAX_VERSION_TEXT:
        return None
    if value.lower().startswith("vers:"):
        return parse_vers(value)
    for pattern, build in (
        (_EARLIER, lambda m: bounded_range(end=m[1], end_inclusive=True)),
        (_BEFORE, lambda m: bounded_range(end=m[1])),
        (_THROUGH, lambda m: bounded_range(end=m[1], end_inclusive=True)),
        (_AT_LEAST, lambda m: bounded_range(start=m[1])),
        (_AND_LATER, lambda m: bounded_range(start=m[1])),
        (_FROM_TO, lambda m: bounded_range(start=m[1], end=m[2], end_inclusive=True)),
        (_PLAIN, lambda m: exact_range(m[1])),
    ):
        match = pattern.match(value)
        if match:
            return (build(match),)
    return None


_VERS_COMPARATORS = ("<=", ">=", "!=", "<", ">", "=")


def parse_vers(text: str) -> tuple[dict, ...] | None:
    """Ranges of a `vers` specifier (vers:<scheme>/<constraint>|<constraint>…, package-url's
    version range): each lower bound opens a range that the next upper bound closes; "=" (or no
    comparator) is one exact version; "*" is every version (an open range). "!=" cannot be
    expressed as ranges here, so a specifier with it is not read."""
    try:
        _scheme, constraints = text.split(":", 1)[1].split("/", 1)
    except (IndexError, ValueError):
        return None
    constraints = constraints.strip()
    if constraints == "*":
        return (bounded_range(),)
    ranges: list[dict] = []
    start: tuple[str, bool] | None = None
    for raw in constraints.split("|"):
        item = raw.strip()
        if not item:
            return None
        comparator = next((c for c in _VERS_COMPARATORS if item.startswith(c)), "=")
        version = item[len(comparator) :].strip() if item.startswith(comparator) else item
        if not version or comparator == "!=":
            return None
        if comparator in (">", ">="):
            if start is not None:
                ranges.append(bounded_range(start=start[0], start_inclusive=start[1]))
            start = (version, comparator == ">=")
        elif comparator in ("<", "<="):
            ranges.append(
                bounded_range(
                    start=start[0] if start else None,
                    start_inclusive=start[1] if start else True,
                    end=version,
                    end_inclusive=comparator == "<=",
                )
            )
            start = None
        else:
            ranges.append(exact_range(version))
    if start is not None:
        ranges.append(bounded_range(start=start[0], start_inclusive=start[1]))
    return tuple(ranges) or None
