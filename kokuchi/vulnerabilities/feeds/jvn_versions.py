"""Parse JVN iPedia's free-text affected versions (VULDEF `VersionNumber`) into version ranges.

JVN publishes affected versions only as Japanese prose: 「5.16.3 未満」, 「Ver.1.4.2より前のバージョン
（CVE-2025-0354、CVE-2025-0355）」, 「v6 R4 およびそれ以前のバージョン」, 「2.13.0 から 2.15.0 より前の
バージョン」. The result has the shape of `AffectedProduct.ranges`; text that does not fit one of the
known forms gives [] so that the matcher falls back to vendor/product with low confidence rather
than trusting a guess.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}")
# Parentheses that name CVEs restrict the versions before them to those CVEs.
_CVE_PARENS_RE = re.compile(r"\(([^()]*CVE-\d{4}-\d{4,}[^()]*)\)")
# Words around a version that carry no version information.
_TRAILING_NOISE_RE = re.compile(r"\s*(?:の)?(?:全ての|すべての)?(?:バージョン|版|ファームウェア)\s*$")
_LEADING_NOISE_RE = re.compile(
    r"^(?:(?:ファームウェア|ソフトウェア|firmware|software)\s*)?(?:バージョン|version|ver\.?|ver)\s*",
    re.IGNORECASE,
)
# A version: starts with a digit or v+digit (v6 R4, 16.12.10a, 2.0-beta9, 5.8 (Build 1575)).
_VERSION = r"(?:[vV]?\d[0-9A-Za-z.\-_+]*(?:\s+(?:R\d+[0-9A-Za-z.\-]*|\(Build\s*\d+\)|Build\s*\d+|SP\d+|Update\s*\d+))*)"
_PREFIX = r"(?:(?P<qualifier>.*?)\s*)??"  # component or platform words before the version (core, for Windows)

_FORMS: list[tuple[re.Pattern[str], str]] = [
    # x 以上 y 未満 / x から y より前 / x 以降 y 未満
    (
        re.compile(rf"^{_PREFIX}(?P<a>{_VERSION})\s*(?:以上|以降|から|～|〜|-)\s*(?P<b>{_VERSION})\s*(?:未満|より前)$"),
        "start_end_excl",
    ),
    # x 以上 y 以下 / x から y まで / x から y およびそれ以前
    (
        re.compile(
            rf"^{_PREFIX}(?P<a>{_VERSION})\s*(?:以上|以降|から|～|〜)\s*(?P<b>{_VERSION})\s*(?:以下|まで|およびそれ以前|以前)$"
        ),
        "start_end_incl",
    ),
    (re.compile(rf"^{_PREFIX}(?P<b>{_VERSION})\s*(?:未満|より前)$"), "end_excl"),
    (
        re.compile(rf"^{_PREFIX}(?P<b>{_VERSION})\s*(?:およびそれ以前|及びそれ以前|とそれ以前|以前|以下|まで)$"),
        "end_incl",
    ),
    (re.compile(rf"^{_PREFIX}(?P<a>{_VERSION})\s*(?:およびそれ以降|及びそれ以降|以降|以上)$"), "start_incl"),
    (re.compile(rf"^{_PREFIX}(?P<x>{_VERSION})$"), "exact"),
]
_ALL_VERSIONS_RE = re.compile(r"^(?:全て|すべて|全)の?(?:バージョン|版)$|^all versions?$", re.IGNORECASE)


def _normalise(text: str) -> str:
    """Fold full-width digits, letters, spaces and parentheses to ASCII (NFKC), squeeze blanks."""
    text = unicodedata.normalize("NFKC", text).replace("\\n", "\n")
    return re.sub(r"[ \t\u3000]+", " ", text)


def _clean_version(value: str) -> str:
    value = value.strip()
    return _LEADING_NOISE_RE.sub("", value).strip()


# (start, start_inclusive, end, end_inclusive, exact) of one range, before its CVEs are attached.
_Bounds = tuple[str | None, bool, str | None, bool, str | None]


def _bounds(*, start=None, start_inclusive=False, end=None, end_inclusive=False, exact=None) -> _Bounds:
    return start, start_inclusive, end, end_inclusive, exact


def _parse_segment(segment: str) -> _Bounds | None:
    if _ALL_VERSIONS_RE.match(segment.strip()):
        return _bounds()
    text = _TRAILING_NOISE_RE.sub("", segment.strip()).strip()
    text = _LEADING_NOISE_RE.sub("", text).strip()
    if not text:
        return None
    for pattern, kind in _FORMS:
        match = pattern.match(text)
        if not match:
            continue
        qualifier = (match.groupdict().get("qualifier") or "").strip()
        # A qualifier must be words (core, for Windows), never something that itself looks like a
        # range (which would mean the text has two ranges the forms did not foresee).
        if qualifier and (re.search(r"\d", qualifier) and not re.match(r"^for\b", qualifier, re.IGNORECASE)):
            return None
        if kind == "start_end_excl":
            return _bounds(start=_clean_version(match["a"]), start_inclusive=True, end=_clean_version(match["b"]))
        if kind == "start_end_incl":
            return _bounds(
                start=_clean_version(match["a"]),
                start_inclusive=True,
                end=_clean_version(match["b"]),
                end_inclusive=True,
            )
        if kind == "end_excl":
            return _bounds(end=_clean_version(match["b"]))
        if kind == "end_incl":
            return _bounds(end=_clean_version(match["b"]), end_inclusive=True)
        if kind == "start_incl":
            return _bounds(start=_clean_version(match["a"]), start_inclusive=True)
        if qualifier:  # "core 2.15" alone is too ambiguous to call an exact version
            return None
        return _bounds(exact=_clean_version(match["x"]))
    return None


@functools.lru_cache(maxsize=16384)
def _text_ranges(text: str) -> tuple[tuple[_Bounds, tuple[str, ...] | None], ...] | None:
    """The ranges of a version text, each with the CVEs its line names in parentheses (None: the
    entry's CVEs); None when any part is not understood. Independent of the entry, so cached: the
    same texts (「すべてのバージョン」, a product's 「x.y およびそれ以前」) recur across entries."""
    ranges = []
    for line in _normalise(text).splitlines():
        line = line.strip()
        if not line:
            continue
        line_cves = None
        named = [CVE_RE.findall(group) for group in _CVE_PARENS_RE.findall(line)]
        if named:
            line_cves = tuple(cve for group in named for cve in group)
            line = _CVE_PARENS_RE.sub(" ", line).strip()
        for segment in re.split(r"[、,;]\s*|\s+および\s+(?=\S+\s*$)", line):
            if not segment.strip():
                continue
            bounds = _parse_segment(segment)
            if bounds is None:
                return None
            ranges.append((bounds, line_cves))
    return tuple(ranges)


def parse_version_text(text: str, cve_ids: Iterable[str] = ()) -> list[dict]:
    """Return the ranges described by a JVN version text, or [] when any part is not understood.

    `cve_ids` are the entry's CVEs; a line with its own 「(CVE-…)」 parentheses applies only to the
    CVEs named there. Several lines (several `VersionNumber` elements) and 「、」 lists give several
    ranges. Empty text gives [] too: JVN then says nothing about versions.
    """
    ranges = _text_ranges(text or "")
    if not ranges:
        return []
    default_cves = sorted(set(cve_ids))
    return [
        {
            "start": start,
            "start_inclusive": start_inclusive,
            "end": end,
            "end_inclusive": end_inclusive,
            "exact": exact,
            "cve_ids": default_cves.copy() if line_cves is None else sorted(set(line_cves)),
        }
        for (start, start_inclusive, end, end_inclusive, exact), line_cves in ranges
    ]
