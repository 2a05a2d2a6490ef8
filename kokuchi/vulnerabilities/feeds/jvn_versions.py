"""Parse JVN iPedia's free-text affected versions (VULDEF `VersionNumber`) into version ranges.

JVN publishes affected versions only as Japanese prose. The forms understood here were gathered
from real `VersionNumber` texts (the corpus in kokuchi/vulnerabilities/tests/data/jvn_version_texts.tsv,
with its sources):

* an operator after the version: 「5.16.3 未満」, 「7.6.2より前のバージョン」,
  「v6 R4 およびそれ以前のバージョン」, 「3.0 以前」, 「5.0 以降」, 「…より前のファームウェア」;
* a range: 「2.13.0 から 2.15.0 より前のバージョン」, 「5.0.0から5.15.2まで」, 「A から B」 without
  まで, 「1.000A〜1.014Q」 (wave dash or full-width tilde, inclusive), 「1.2.0 以上 2.0.1 未満」;
* a version alone (「7.7」, exact) or a list of them (「1.0、1.1、1.2」); a wildcard 「10.5.x」 or
  「ver.3.6.xおよびそれ以前」 (the whole series, see exposures/versions.py rule 5);
* a leading word or label: ファームウェア, バージョン, Ver., Rev., v, リリース, a product or
  component name (「Android アプリ バージョン 5.78.0」, 「Plugin 6.5.0.6」, 「for Windows 5.8 (Build
  1575)」, 「(機械)Ver.10.1.0」), the product name and hardware revision glued to the version
  (「Archer C5(JP)_V1_1.1.2 Build 20231115」, in 「」 or not);
* trailing parentheses: the CVEs the line is about, ASCII or full-width, separated by 、 or ,
  (「（CVE-2025-0354、CVE-2025-0355）」: the range applies to those CVEs only); a series restriction
  (「(Ver.2.10.x系)」: the range starts at that series); another name of the same build
  (「ver.3.5.1.201（ver.3.5.1.200op1）」); a platform or edition qualifier (「(32 ビット版)」,
  「(client)」, 「(x86-64)」) and the words LTS, which do not change the versions;
* all versions, definite: 「すべてのバージョン」, 「全てのバージョン」, 「全バージョン」,
  「すべてのリリース」 (an open range);
* an edition, platform or architecture and no version, as JVN writes Microsoft's affected items
  (「for x64-based Systems」, 「R2 (Server Core installation)」, 「, 23H2 Edition」, 「for 32-bit
  Systems SP2」, 「(32 ビット版)」): every version of that edition, an open range with the
  qualifier ``qualifier`` (the text) of kind ``edition``;
* a version range on condition that a fix is not applied (「Version.5.0およびそれ以降、かつ
  「修正プログラム20240527」未適用のもの」): the range with the qualifier 「修正プログラム20240527」未適用
  of kind ``patch``.

Kokuchi records neither a device's edition nor the fixes applied to it, so a match through a
qualified range is a candidate for staff review (要確認, exposures/matching.py), never an automatic
notice. A qualifier next to a version (「Version 1607 for 32-bit Systems」, 「2016 (32-bit
edition)」) is not kept: in the corpus, JVN lists the other editions of that version as items of
their own, so a device on that version matches whichever edition it runs.

Text that does not fit one of the forms gives [] (and ``ranges_parsed`` false), so that matching
treats the affected product as "version range unknown": a candidate for staff review with the
text, never trusted as a range and never notified automatically. That is the reading of words that
name versions without saying which (「複数のバージョン」), of build or publication dates
(「Build time が 2021 年 6 月より前のバージョン」) and of product scopes (「を実装しているプリンター
およびスキャナー」).
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
_TRAILING_NOISE_RE = re.compile(r"\s*(?:の)?(?:全ての|すべての)?(?:バージョン|版|ファームウェア|リリース)\s*$")
_LEADING_NOISE_RE = re.compile(
    r"^(?:(?:ファームウェア|ソフトウェア|firmware|software)\s*)?(?:バージョン|version\.?|ver\.?|ver|rev\.?)\s*",
    re.IGNORECASE,
)
_ALL_VERSIONS_RE = re.compile(
    r"^(?:全て|すべて|全)の?(?:バージョン|版|リリース|ファームウェア)$|^all (?:versions?|releases?)$", re.IGNORECASE
)
# A label before the version: it tells that what follows is the version, whatever precedes it.
_LABEL = r"(?:バージョン|ファームウェア|version\.?|ver\.?|rev\.?|v(?=\d))"
# A version: a digit, then digits, letters and . - _ + and Cisco-style parentheses glued to it
# (11.0(20.3), 12.0(3.4)T1, 1.00.008_SE, 10.5.x), then optional release words (v6 R4, 5.8 (Build
# 1575), 1.1.2 Build 20231115, SP1, Update 3).
_VERSION = (
    r"(?:[A-Z](?=\d+\.)|[a-z]{2,}(?=\d+\.))?\d[0-9A-Za-z.\-_+*]*(?:\(\d[0-9A-Za-z.]*\)[0-9A-Za-z.\-_+]*)*"
    r"(?:\s*(?:R\d+[0-9A-Za-z.\-]*|\(Build\s*\d+\)|Build\s*\d+|SP\d+|Update\s*\d+|multi(?:\s+[A-Za-z]+\d+)?))*"
)
# A side of a form: optional words (component, platform, edition), optional label, the version.
_SIDE_RE = re.compile(
    rf"^(?P<prefix>.*?)(?:(?<![0-9A-Za-z.])(?P<label>{_LABEL})\s*|(?<![0-9A-Za-z.]))(?P<version>{_VERSION})$",
    re.IGNORECASE,
)
# The hardware revision between a model name and its firmware version (TP-Link: Model(JP)_V1_1.1.2).
_HARDWARE_REVISION_RE = re.compile(r"^.*_V\d+(?:\.\d+)?_(?=\d)", re.IGNORECASE)
# Words that qualify a version without changing it: LTS/LTSC, and a trailing platform
# (「2019 for 32-bit editions」, 「Version 21H2 for x64-based Systems」).
_QUALIFIER_WORDS_RE = re.compile(
    r"(?:^|\s+)LTSC?(?=\s|$)|(?<=\S)\s+for\s+(?:(?:32|64)-bit|(?:x64|x86|ARM64)-based)\b.*$", re.IGNORECASE
)
_TRAILING_PARENS_RE = re.compile(r"\(([^()]*)\)\s*$")
_SERIES_RE = re.compile(rf"^(?:{_LABEL}\s*)?(?P<series>\d+(?:\.\d+)*)\.x\s*系?$", re.IGNORECASE)
_ALIAS_RE = re.compile(rf"^(?:{_LABEL}\s*)?(?P<version>{_VERSION})$", re.IGNORECASE)

# Words that name an edition, platform or architecture and no version (Microsoft's affected items).
_EDITION_WORD = (
    r"for\s+(?:(?:32|64)-bit|(?:x64|x86|ARM64|ARM|Itanium)-based)\s+(?:Systems|editions?)"
    r"|for\s+[A-Za-z][A-Za-z\-]*"
    r"|\(?(?:32|64)[- ]?bit\s+editions?\)?"
    r"|\(?(?:32|64)\s*ビット版\)?"
    r"|\(?(?:x86|x64|x86-64|ARM64)\s*版?\)?"
    r"|\(?Server\s+Core\s+installation\)?"
    r"|R\d+|SP\d+|LTSC?"
    r"|(?:\d{2}H\d|[A-Za-z]+)\s+Edition"
)
_EDITION_ONLY_RE = re.compile(rf"^(?:(?:{_EDITION_WORD})(?:\s+|$))+$", re.IGNORECASE)
# 「…、かつ「修正プログラム20240527」未適用のもの」: the versions before it, unless that fix is applied.
_UNAPPLIED_FIX_RE = re.compile(r"\s*[、,]?\s*かつ\s*(?P<fix>[^、,]+?)\s*が?未適用(?:のもの|の製品|の場合)?\s*$")

_END_EXCLUSIVE = r"未満|より前"
_END_INCLUSIVE = r"およびそれ以前|及びそれ以前|とそれ以前|以前|以下|まで"
_START_INCLUSIVE = r"およびそれ以降|及びそれ以降|以降|以上"
_RANGE_RE = re.compile(
    rf"^(?P<a>.+?)\s*(?P<sep>以上|以降|から|~|\s-\s)\s*(?P<b>.+?)\s*(?P<op>{_END_EXCLUSIVE}|{_END_INCLUSIVE})?$"
)
_END_RE = re.compile(rf"^(?P<b>.+?)\s*(?P<op>{_END_EXCLUSIVE}|{_END_INCLUSIVE})$")
_START_RE = re.compile(rf"^(?P<a>.+?)\s*(?:{_START_INCLUSIVE})$")


def _normalise(text: str, *, keep_quotes: bool = False) -> str:
    """Fold full-width digits, letters, spaces, parentheses and tildes to ASCII (NFKC), the wave
    dash to ``~``, drop 「」 quotes (unless `keep_quotes`), squeeze blanks."""
    text = unicodedata.normalize("NFKC", text).replace("\\n", "\n").replace("\u301c", "~")
    if not keep_quotes:
        text = re.sub(r"[「」『』]", "", text)
    return re.sub(r"[ \t\u3000]+", " ", text)


def _clean_version(value: str) -> str:
    value = value.strip()
    return _LEADING_NOISE_RE.sub("", value).strip()


# (start, start_inclusive, end, end_inclusive, exact, qualifier, qualifier kind) of one range,
# before its CVEs are attached.
_Bounds = tuple[str | None, bool, str | None, bool, str | None, str, str]

# Kinds of qualifier: what a device would have to be known to have for the range to apply.
QUALIFIER_EDITION = "edition"
QUALIFIER_PATCH = "patch"


def _bounds(
    *, start=None, start_inclusive=False, end=None, end_inclusive=False, exact=None, qualifier="", kind=""
) -> _Bounds:
    return start, start_inclusive, end, end_inclusive, exact, qualifier, kind


def _side(text: str, *, alone: bool = False) -> str | None:
    """The version of one side of a form (「Android アプリ バージョン 5.78.0」 -> 5.78.0), or None.

    Words before the version are accepted when they hold no digit, start with ``for``, or the
    version carries a label (Ver., バージョン, v) or follows a hardware revision: otherwise they
    may hide a second version the forms did not foresee. A version `alone` (an exact entry)
    accepts no words at all unless the version is labelled.
    """
    text = _QUALIFIER_WORDS_RE.sub("", text.strip())
    glued = _HARDWARE_REVISION_RE.match(text)
    if glued:
        return _clean_version(text[glued.end() :])
    match = _SIDE_RE.match(text)
    if not match:
        return None
    prefix = match["prefix"].strip()
    labelled = bool(match["label"])
    if prefix and not labelled:
        if alone:
            return None
        if re.search(r"\d", prefix) and not re.match(r"^for\b", prefix, re.IGNORECASE):
            return None
    version = match["version"].strip()
    # A bare "v" stays with the version as JVN wrote it (v6 R4); words (Ver., バージョン) go.
    return f"{match['label']}{version}" if (match["label"] or "").lower() == "v" else version


def _trailing_parentheses(segment: str) -> tuple[str, str | None, list[str]]:
    """Split trailing parentheses off a segment: (rest, series start, other names of the build)."""
    series = None
    aliases: list[str] = []
    while True:
        match = _TRAILING_PARENS_RE.search(segment)
        if not match:
            return segment, series, aliases
        content = match.group(1).strip()
        glued = match.start() > 0 and segment[match.start() - 1].isascii() and segment[match.start() - 1].isalnum()
        # (Build 1575) belongs to the version, and so does Cisco's 11.0(20.3) glued to it.
        if re.match(r"^Build\s*\d+$", content, re.IGNORECASE) or (glued and content[:1].isdigit()):
            return segment, series, aliases
        segment = segment[: match.start()].rstrip()
        series_match = _SERIES_RE.match(content)
        if series_match:
            series = series_match["series"] + ".x"
            continue
        alias = _ALIAS_RE.match(content)
        if alias:
            aliases.append(_clean_version(alias["version"]))
        # Anything else ((32 ビット版), (client), (x86-64), (JE)) qualifies without changing versions.


def _drop_qualifier_parentheses(segment: str) -> str:
    """Remove parentheses inside a segment that qualify without naming a version: 「2.4 (32 ビット
    版) およびそれ以前」, 「(機械)Ver.10.1.0」. Kept: (Build 1575) and Cisco's 11.0(20.3)."""

    def replace(match: re.Match[str]) -> str:
        content = match.group(1).strip()
        before = segment[match.start() - 1] if match.start() > 0 else ""
        glued = before.isascii() and before.isalnum()
        if re.match(r"^Build\s*\d+$", content, re.IGNORECASE) or (glued and content[:1].isdigit()):
            return match.group(0)
        return " "

    return re.sub(r"\(([^()]*)\)", replace, segment).strip()


def _parse_segment(segment: str) -> list[_Bounds] | None:
    segment = segment.strip()
    if _ALL_VERSIONS_RE.match(segment):
        return [_bounds()]
    if _EDITION_ONLY_RE.match(segment):
        return [_bounds(qualifier=segment, kind=QUALIFIER_EDITION)]
    segment, series, aliases = _trailing_parentheses(segment)
    segment = _drop_qualifier_parentheses(segment)
    text = _TRAILING_NOISE_RE.sub("", segment.strip()).strip()
    text = _LEADING_NOISE_RE.sub("", text).strip()
    if not text:
        return None
    if _ALL_VERSIONS_RE.match(text):
        return [_bounds()]
    found = _parse_form(text)
    if found is None:
        return None
    start, start_inclusive, end, end_inclusive, exact, _, _ = found
    if series and start is None and exact is None:
        start, start_inclusive = series, True
    extra = [_bounds(exact=alias) for alias in aliases] if exact else []
    return [
        _bounds(start=start, start_inclusive=start_inclusive, end=end, end_inclusive=end_inclusive, exact=exact),
        *extra,
    ]


def _parse_form(text: str) -> _Bounds | None:
    match = _RANGE_RE.match(text)
    if match and (match["op"] or match["sep"] in ("から", "~")):
        a, b = _side(match["a"]), _side(match["b"])
        if a is not None and b is not None:
            inclusive = match["op"] is None or re.fullmatch(_END_INCLUSIVE, match["op"]) is not None
            return _bounds(start=a, start_inclusive=True, end=b, end_inclusive=inclusive)
    match = _END_RE.match(text)
    if match:
        b = _side(match["b"])
        if b is None:
            return None
        return _bounds(end=b, end_inclusive=re.fullmatch(_END_INCLUSIVE, match["op"]) is not None)
    match = _START_RE.match(text)
    if match:
        a = _side(match["a"])
        return None if a is None else _bounds(start=a, start_inclusive=True)
    exact = _side(text, alone=True)
    if exact is None:
        return None
    if re.search(r"(?<=\.)[xX*](?=\.|$)", exact):  # 10.5.x alone: the whole series
        return _bounds(start=exact, start_inclusive=True, end=exact, end_inclusive=True)
    return _bounds(exact=exact)


@functools.lru_cache(maxsize=16384)
def _text_ranges(text: str) -> tuple[tuple[_Bounds, tuple[str, ...] | None], ...] | None:
    """The ranges of a version text, each with the CVEs its line names in parentheses (None: the
    entry's CVEs); None when any part is not understood. Independent of the entry, so cached: the
    same texts (「すべてのバージョン」, a product's 「x.y およびそれ以前」) recur across entries."""
    ranges: list[tuple[_Bounds, tuple[str, ...] | None]] = []
    for line in _normalise(text, keep_quotes=True).splitlines():
        line = line.strip()
        if not line:
            continue
        unapplied = _UNAPPLIED_FIX_RE.search(line)
        condition = ""
        if unapplied:
            condition = f"「{unapplied['fix'].strip('「」『』 ')}」未適用"
            line = line[: unapplied.start()].strip()
        line = _normalise(line)
        line_cves = None
        named = [CVE_RE.findall(group) for group in _CVE_PARENS_RE.findall(line)]
        if named:
            line_cves = tuple(cve for group in named for cve in group)
            line = _CVE_PARENS_RE.sub(" ", line).strip()
        for segment in re.split(r"[、,;]\s*|\s+および\s+(?=\S+\s*$)", line):
            if not segment.strip():
                continue
            parsed = _parse_segment(segment)
            if parsed is None:
                return None
            if condition:
                parsed = [(*bounds[:5], condition, QUALIFIER_PATCH) for bounds in parsed]
            ranges.extend((bounds, line_cves) for bounds in parsed)
    return tuple(ranges)


def is_parsed(text: str) -> bool:
    """Whether the parser understands every part of a non-empty version text."""
    return bool(_text_ranges(text or ""))


def parse_version_text(text: str, cve_ids: Iterable[str] = ()) -> list[dict]:
    """Return the ranges described by a JVN version text, or [] when any part is not understood.

    `cve_ids` are the entry's CVEs; a line with its own 「(CVE-…)」 parentheses applies only to the
    CVEs named there. Several lines (several `VersionNumber` elements) and 「、」 lists give several
    ranges. Empty text gives [] too: JVN then says nothing about versions. A range that applies
    only to an edition or without a fix also carries ``qualifier`` (the text) and
    ``qualifier_kind`` (``edition`` or ``patch``).
    """
    ranges = _text_ranges(text or "")
    if not ranges:
        return []
    default_cves = sorted(set(cve_ids))
    out = []
    for (start, start_inclusive, end, end_inclusive, exact, qualifier, kind), line_cves in ranges:
        found = {
            "start": start,
            "start_inclusive": start_inclusive,
            "end": end,
            "end_inclusive": end_inclusive,
            "exact": exact,
            "cve_ids": default_cves.copy() if line_cves is None else sorted(set(line_cves)),
        }
        if qualifier:
            found.update(qualifier=qualifier, qualifier_kind=kind)
        out.append(found)
    return out
