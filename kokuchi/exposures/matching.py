"""Pure matching of one device identity against one vulnerability's published data.

No database access here: rules.py loads rows, this module decides.

A device is described by ``DeviceIdentity``: its firmware/OS CPE with the version attribute set
to the device's current firmware, and its hardware CPE. NVD configurations are evaluated
exactly (NVD semantics, also described in kokuchi/vulnerabilities/tests/data/feeds/FORMATS.md §2.3):

* ``configurations[]`` are OR'ed; a configuration's ``operator`` (default OR) joins its nodes;
  a node's ``operator`` (default OR) joins its ``cpeMatch`` entries; ``negate`` on a configuration
  or a node inverts its result.
* A ``cpeMatch`` entry holds when one of the device's CPEs satisfies its criteria (CPE 2.3
  attribute matching, below) and, for the version, its exact version or its
  ``versionStart/End{Including,Excluding}`` range.
* ``vulnerable: false`` entries are platform conditions (typically the hardware model of a
  "firmware AND hardware" configuration): the device must satisfy them for the configuration to
  hold, but they alone never make the device vulnerable. A configuration makes the device
  vulnerable only when it holds and at least one ``vulnerable: true`` entry outside any negated
  node holds. This is what keeps a Yamaha WLX212 firmware 21.00.12 from matching the WLX222
  block of CVE-2024-22366.

CPE attribute matching (NISTIR 7696, reduced to what NVD criteria use): the criteria attribute
``*`` (ANY) matches every value; ``-`` (NA) matches only NA; a value may hold the unquoted
wildcards ``*`` and ``?``; comparison ignores case and escapes. A device attribute that is ANY
(``*``: the device's edition or language is not known) is accepted against a specific criteria
value but lowers the confidence, because the device was not proven to have it.

JVN affected products (``JvnAffected``) match by CPE part/vendor/product and the ranges parsed
from JVN's Japanese version text; when the text could not be parsed, by vendor/product alone with
a low confidence (this is vuls' JvnVendorProductMatch, confidence 10). A range qualified by an
edition, platform or architecture (「for x64-based Systems」) or by a fix not applied
(``JvnRange.qualifier``) names something Kokuchi does not record for a device: a device inside it
is the same review candidate (``jvn_vendor_product``, confidence 10), its explanation naming the
qualifier and why it cannot be checked.

Confidence (0–100) by method:

==================  ===  ==========================================================
nvd_exact           100  criteria name the device's exact version
nvd_range            90  device version inside a start/end range
nvd_all_versions     60  criteria version ``*`` with no range (every version)
nvd_version_unknown  30  the device's firmware version is not recorded
jvn_range            80  version inside a range parsed from JVN's text
jvn_vendor_product   10  JVN text not parseable: "version range unknown", or a range
                         qualified by an edition or unapplied fix (要確認)
csaf_range           85  vendor advisory (CSAF) lists the version (exposures/advisories.py)
cve5_cna_range       80  the CVE record's CNA affected data lists the version
cve5_adp_range       75  the CVE record's CISA ADP affected data lists the version
statement_version_   15  a statement names the product, its versions unreadable (要確認)
unknown
text_candidate       20  only the description names the model (要確認; 10 without a bound)
==================  ===  ==========================================================

Statements matched through the product name rather than a CPE lose 10.

A match made without a version range (``REVIEW_METHODS``: JVN's or a statement's version text
was not understood, or only the description names the model) is a candidate for staff review: its
explanation starts with ``REVIEW_MARK`` (【要確認】, added by ``review_explanation`` for every
producer), and follow-up sends the customer a notice only after staff
confirmed it.

Minus 10 for every criteria attribute the device's CPE leaves as ANY; plus 5 when a hardware
platform condition (``vulnerable: false``) was confirmed by the device's hardware CPE (max 100).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kokuchi.core.cpe import Cpe23, parse_cpe23
from kokuchi.exposures.versions import Version, parse_version, version_in_bounds

ANY, NA = "*", "-"


class Method:
    NVD_EXACT = "nvd_exact"
    NVD_RANGE = "nvd_range"
    NVD_ALL_VERSIONS = "nvd_all_versions"
    NVD_VERSION_UNKNOWN = "nvd_version_unknown"
    JVN_RANGE = "jvn_range"
    JVN_VENDOR_PRODUCT = "jvn_vendor_product"
    # Product statements of CVE records and vendor advisories (exposures/advisories.py).
    CVE5_CNA_RANGE = "cve5_cna_range"
    CVE5_ADP_RANGE = "cve5_adp_range"
    CSAF_RANGE = "csaf_range"
    STATEMENT_VERSION_UNKNOWN = "statement_version_unknown"
    TEXT_CANDIDATE = "text_candidate"


# Which source each method reads, as staff and exports name it.
METHOD_SOURCES = {
    "nvd_exact": "NVD",
    "nvd_range": "NVD",
    "nvd_all_versions": "NVD",
    "nvd_version_unknown": "NVD",
    "jvn_range": "JVN iPedia",
    "jvn_vendor_product": "JVN iPedia",
    "cve5_cna_range": "CVE レコード（CNA）",
    "cve5_adp_range": "CVE レコード（CISA ADP）",
    "csaf_range": "ベンダー勧告（CSAF）",
    "statement_version_unknown": "CVE レコード／ベンダー勧告",
    "text_candidate": "脆弱性の説明文",
}


def method_source(method: str) -> str:
    """The source a match came from, for its explanation and exports."""
    return METHOD_SOURCES.get(method, method)


BASE_CONFIDENCE = {
    Method.NVD_EXACT: 100,
    Method.NVD_RANGE: 90,
    Method.NVD_ALL_VERSIONS: 60,
    Method.NVD_VERSION_UNKNOWN: 30,
    Method.JVN_RANGE: 80,
    Method.JVN_VENDOR_PRODUCT: 10,
    Method.CSAF_RANGE: 85,
    Method.CVE5_CNA_RANGE: 80,
    Method.CVE5_ADP_RANGE: 75,
    Method.STATEMENT_VERSION_UNKNOWN: 15,
    Method.TEXT_CANDIDATE: 20,
}
# Matches that are candidates for staff review (要確認), never notified to customers automatically.
REVIEW_METHODS = frozenset({Method.JVN_VENDOR_PRODUCT, Method.STATEMENT_VERSION_UNKNOWN, Method.TEXT_CANDIDATE})
# The one spelling of the mark that opens the explanation of every review candidate.
REVIEW_MARK = "【要確認】"


def review_explanation(text: str) -> str:
    """The explanation of a candidate for staff review: the text after ``REVIEW_MARK``."""
    return f"{REVIEW_MARK}{text}"


# The strongest method wins when several entries of one vulnerability match.
METHOD_STRENGTH = [
    Method.NVD_EXACT,
    Method.NVD_RANGE,
    Method.JVN_RANGE,
    Method.NVD_ALL_VERSIONS,
    Method.NVD_VERSION_UNKNOWN,
    Method.JVN_VENDOR_PRODUCT,
    Method.CSAF_RANGE,
    Method.CVE5_CNA_RANGE,
    Method.CVE5_ADP_RANGE,
    Method.STATEMENT_VERSION_UNKNOWN,
    Method.TEXT_CANDIDATE,
]


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


@lru_cache(maxsize=50_000)
def _wildcard_regex(value: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def match_attribute(criteria: str, target: str) -> tuple[bool, bool]:
    """Match one criteria attribute against the device's; return (matches, target_was_any)."""
    if criteria in (ANY, target):
        return True, False
    if target == ANY:
        return True, True
    if criteria == NA or target == NA:
        return False, False
    if "*" in criteria.replace("\\*", "") or "?" in criteria.replace("\\?", ""):
        return bool(_wildcard_regex(criteria).match(_unescape(target))), False
    if "\\" in criteria or "\\" in target:
        return _unescape(criteria) == _unescape(target), False
    return False, False


@lru_cache(maxsize=500_000)
def match_cpe_name(criteria: Cpe23, target: Cpe23, *, skip_version: bool = False) -> tuple[bool, int]:
    """Match every attribute (the version too unless `skip_version`); return (matches, unknowns).

    Cached: the same criteria meet the same product CPE for every firmware version."""
    c_attrs, t_attrs = criteria.attrs, target.attrs
    # Fast path: most criteria of a vulnerability name another product than the device's.
    for i in (2, 1, 0):
        c = c_attrs[i]
        if c != t_attrs[i] and c not in (ANY, NA) and t_attrs[i] != ANY and not any(ch in c for ch in "*?\\"):
            return False, 0
    unknowns = 0
    for index, (c, t) in enumerate(zip(c_attrs, t_attrs, strict=True)):
        if skip_version and index == 3:
            continue
        ok, unknown = match_attribute(c, t)
        if not ok:
            return False, 0
        unknowns += unknown
    return True, unknowns


@dataclass(frozen=True)
class DeviceIdentity:
    """What matching knows about a device: firmware CPE (version = current firmware), hardware
    CPE, and a label for explanations (e.g. "FortiOS", "Aterm WG2600HS")."""

    firmware_cpe: Cpe23 | None
    hardware_cpe: Cpe23 | None
    firmware_version: str
    label: str

    @classmethod
    def build(cls, *, firmware_cpe: str, hardware_cpe: str, firmware_version: str, label: str) -> DeviceIdentity:
        fw = parse_cpe23(firmware_cpe) if firmware_cpe else None
        hw = parse_cpe23(hardware_cpe) if hardware_cpe else None
        return cls(fw, hw, (firmware_version or "").strip(), label)

    def cpes(self) -> list[Cpe23]:
        return [c for c in (self.firmware_cpe, self.hardware_cpe) if c is not None]

    @property
    def version(self) -> Version | None:
        return parse_version(self.firmware_version)


@dataclass(frozen=True)
class Match:
    """One vulnerability matched on one device identity, with why."""

    vuln_id: str
    method: str
    confidence: int
    explanation: str


@dataclass
class _EntryHit:
    method: str
    range_text: str
    unknowns: int
    vulnerable: bool
    platform_cpe: str = ""


def describe_range(entry: dict) -> str:
    """Japanese text of an NVD cpeMatch range, e.g. "6.0.0 以上 6.0.5 未満"."""
    parts = []
    if entry.get("versionStartIncluding"):
        parts.append(f"{_unescape(entry['versionStartIncluding'])} 以上")
    if entry.get("versionStartExcluding"):
        parts.append(f"{_unescape(entry['versionStartExcluding'])} 超")
    if entry.get("versionEndIncluding"):
        parts.append(f"{_unescape(entry['versionEndIncluding'])} 以下")
    if entry.get("versionEndExcluding"):
        parts.append(f"{_unescape(entry['versionEndExcluding'])} 未満")
    return " ".join(parts)


def version_in_range(
    version: Version,
    *,
    start: str | None = None,
    start_inclusive: bool = True,
    end: str | None = None,
    end_inclusive: bool = False,
) -> bool:
    """True when `version` lies within the bounds (a missing bound is open; a wildcard bound
    such as ``10.5.x`` stands for its whole series, see versions.py rule 5)."""
    return version_in_bounds(
        version, start=start, start_inclusive=start_inclusive, end=end, end_inclusive=end_inclusive
    )


def _match_entry(entry: dict, device: DeviceIdentity) -> _EntryHit | None:
    try:
        criteria = parse_cpe23(entry["criteria"])
    except (KeyError, ValueError):
        return None
    for target in device.cpes():
        is_firmware = target is device.firmware_cpe
        # The firmware CPE is stored with version "*"; its real version is the device's firmware.
        ok, unknowns = match_cpe_name(criteria, target, skip_version=is_firmware)
        if not ok:
            continue
        hit = _version_hit(entry, criteria, target, device, is_firmware, unknowns)
        if hit is not None:
            hit.vulnerable = bool(entry.get("vulnerable", True))
            if not is_firmware:
                hit.platform_cpe = entry["criteria"]
            return hit
    return None


def _version_hit(
    entry: dict, criteria: Cpe23, target: Cpe23, device: DeviceIdentity, is_firmware: bool, unknowns: int
) -> _EntryHit | None:
    if not is_firmware:
        # Hardware CPE: its version attribute (usually NA) was already matched.
        return _EntryHit(Method.NVD_EXACT, "", unknowns, True)
    version = device.version
    crit_version = criteria.version
    if crit_version not in (ANY, NA):
        # A named version (with its update when specific, e.g. pan-os 9.0.17 h1).
        wanted = crit_version if criteria.update in (ANY, NA) else f"{crit_version} {criteria.update}"
        if version is None:
            return _EntryHit(Method.NVD_VERSION_UNKNOWN, f"{_unescape(wanted)} と一致", unknowns, True)
        if version == parse_version(_unescape(wanted)):
            return _EntryHit(Method.NVD_EXACT, f"{_unescape(wanted)} と一致", unknowns, True)
        return None
    if crit_version == NA:
        return None
    start_in, start_ex = entry.get("versionStartIncluding"), entry.get("versionStartExcluding")
    end_in, end_ex = entry.get("versionEndIncluding"), entry.get("versionEndExcluding")
    if not (start_in or start_ex or end_in or end_ex):
        return _EntryHit(Method.NVD_ALL_VERSIONS, "全バージョン", unknowns, True)
    if version is None:
        return _EntryHit(Method.NVD_VERSION_UNKNOWN, describe_range(entry), unknowns, True)
    if version_in_range(
        version,
        start=start_in or start_ex,
        start_inclusive=bool(start_in),
        end=end_in or end_ex,
        end_inclusive=bool(end_in),
    ):
        return _EntryHit(Method.NVD_RANGE, describe_range(entry), unknowns, True)
    return None


def _eval_node(node: dict, device: DeviceIdentity, hits: list[_EntryHit]) -> bool:
    """Evaluate one node; append the entries that hold to `hits` (unless the node is negated)."""
    operator = (node.get("operator") or "OR").upper()
    local: list[_EntryHit] = []
    results = []
    for entry in node.get("cpeMatch", []):
        hit = _match_entry(entry, device)
        results.append(hit is not None)
        if hit is not None:
            local.append(hit)
        elif operator == "AND":
            break
    if "nodes" in node:  # NVD's older nested form (children) is accepted too.
        for child in node["nodes"]:
            results.append(_eval_node(child, device, local))
    result = all(results) if operator == "AND" else any(results)
    if node.get("negate"):
        return not result
    if result:
        hits.extend(local)
    return result


def evaluate_configuration(config: dict, device: DeviceIdentity) -> list[_EntryHit] | None:
    """Return the entries that make one configuration hold, or None when it does not hold or
    holds without any vulnerable entry."""
    operator = (config.get("operator") or "OR").upper()
    hits: list[_EntryHit] = []
    results = []
    for node in config.get("nodes", []):
        ok = _eval_node(node, device, hits)
        results.append(ok)
        if operator == "AND" and not ok:
            break
    holds = bool(results) and (all(results) if operator == "AND" else any(results))
    if config.get("negate"):
        holds = not holds
        hits = []
    if not holds or not any(h.vulnerable for h in hits):
        return None
    return hits


def _best(hits: list[_EntryHit]) -> _EntryHit:
    vulnerable = [h for h in hits if h.vulnerable]
    return min(vulnerable, key=lambda h: (METHOD_STRENGTH.index(h.method), h.unknowns))


def _confidence(method: str, unknowns: int, platform_confirmed: bool) -> int:
    value = BASE_CONFIDENCE[method] - 10 * unknowns + (5 if platform_confirmed else 0)
    return max(0, min(100, value))


def _version_label(device: DeviceIdentity) -> str:
    return f"{device.label} {device.firmware_version}".strip() if device.firmware_version else device.label


def match_nvd(*, vuln_id: str, configurations: list[dict], device: DeviceIdentity) -> Match | None:
    """Match a device against NVD configurations; None when no configuration holds."""
    best: tuple[_EntryHit, list[_EntryHit]] | None = None
    for config in configurations or []:
        hits = evaluate_configuration(config, device)
        if hits is None:
            continue
        top = _best(hits)
        if best is None or (METHOD_STRENGTH.index(top.method), top.unknowns) < (
            METHOD_STRENGTH.index(best[0].method),
            best[0].unknowns,
        ):
            best = (top, hits)
    if best is None:
        return None
    top, hits = best
    platforms = sorted({h.platform_cpe for h in hits if not h.vulnerable and h.platform_cpe})
    text = _explain_nvd(vuln_id, top, device, platforms)
    return Match(vuln_id, top.method, _confidence(top.method, top.unknowns, bool(platforms)), text)


def _explain_nvd(vuln_id: str, hit: _EntryHit, device: DeviceIdentity, platforms: list[str]) -> str:
    subject = _version_label(device)
    if hit.method == Method.NVD_RANGE:
        text = f"{subject} は {vuln_id} の範囲 {hit.range_text}に該当"
    elif hit.method == Method.NVD_EXACT:
        text = f"{subject} は {vuln_id} の影響を受けるバージョン（{hit.range_text or '機種そのもの'}）に該当"
    elif hit.method == Method.NVD_ALL_VERSIONS:
        text = f"{device.label} は {vuln_id} の対象製品（全バージョン）に該当"
    else:
        text = (
            f"{device.label} は {vuln_id} の対象製品（範囲 {hit.range_text}）ですが、"
            "ファームウェアのバージョンが未登録のため該当の可能性があります"
        )
    if platforms:
        names = "、".join(parse_cpe23(p).product for p in platforms)
        text += f"（ハードウェア条件 {names} を満たす）"
    return text


@dataclass(frozen=True)
class JvnRange:
    """A version range parsed from JVN's version text (the AffectedProduct.ranges shape)."""

    start: str | None = None
    start_inclusive: bool = True
    end: str | None = None
    end_inclusive: bool = False
    exact: str | None = None
    cve_ids: tuple[str, ...] = ()
    # What else the range requires that a device record does not hold: the text as JVN wrote it
    # and its kind (QUALIFIER_REASONS).
    qualifier: str = ""
    qualifier_kind: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> JvnRange:
        return cls(
            data.get("start"),
            bool(data.get("start_inclusive", True)),
            data.get("end"),
            bool(data.get("end_inclusive", False)),
            data.get("exact"),
            tuple(data.get("cve_ids") or ()),
            data.get("qualifier") or "",
            data.get("qualifier_kind") or "",
        )

    def contains(self, version: Version) -> bool:
        if self.exact:
            return version_in_bounds(version, exact=self.exact)
        return version_in_range(
            version,
            start=self.start,
            start_inclusive=self.start_inclusive,
            end=self.end,
            end_inclusive=self.end_inclusive,
        )

    def is_empty(self) -> bool:
        """Whether no version can lie within the range (its start after its end): a misreading of
        the text, so the item is treated as "version range unknown" rather than matching nothing."""
        if self.exact or not (self.start and self.end):
            return False
        low, high = parse_version(self.start), parse_version(self.end)
        if low is None or high is None:
            return False
        if self.start_inclusive:
            return not self.contains(low)
        return low >= high

    def is_all_versions(self) -> bool:
        return not (self.exact or self.start or self.end)

    def describe(self) -> str:
        if self.exact:
            return f"{self.exact} と一致"
        parts = []
        if self.start:
            parts.append(f"{self.start} {'以上' if self.start_inclusive else '超'}")
        if self.end:
            parts.append(f"{self.end} {'以下' if self.end_inclusive else '未満'}")
        return " ".join(parts) or "全バージョン"


# Why a qualified range cannot be decided automatically, by kind of qualifier.
QUALIFIER_REASONS = {
    "edition": "機器の版・エディション（プラットフォーム）は登録されていない",
    "patch": "機器に適用済みの修正プログラムは登録されていない",
}


def _qualified_candidate(vuln_id: str, item: JvnAffected, rng: JvnRange, device: DeviceIdentity) -> Match:
    kind = rng.qualifier_kind if rng.qualifier_kind in QUALIFIER_REASONS else "edition"
    # A patch condition is quoted as JVN wrote it (「修正プログラム…」未適用); an edition is quoted here.
    qualifier = rng.qualifier if kind == "patch" else f"「{rng.qualifier}」"
    if rng.is_all_versions():
        versions = "全バージョン"
    elif device.version is None:
        versions = f"範囲 {rng.describe()}、ファームウェアのバージョンは未登録"
    else:
        versions = f"範囲 {rng.describe()}に該当"
    return Match(
        vuln_id,
        Method.JVN_VENDOR_PRODUCT,
        BASE_CONFIDENCE[Method.JVN_VENDOR_PRODUCT],
        review_explanation(
            f"{_version_label(device)} は {vuln_id} の対象製品として JVN に掲載（記載「{item.version_text}」: "
            f"対象は{qualifier}に限られます（{versions}）。{QUALIFIER_REASONS[kind]}ため自動では判定できません。"
            "担当者が確認してください）"
        ),
    )


@dataclass(frozen=True)
class JvnAffected:
    """One JVN affected product as matching needs it."""

    cpe23: str
    version_text: str
    ranges: tuple[JvnRange, ...] = field(default_factory=tuple)
    ranges_parsed: bool = False


def match_jvn(
    *, vuln_id: str, affected: list[JvnAffected], device: DeviceIdentity, for_cve: str | None = None
) -> Match | None:
    """Match a device against JVN affected products.

    With `for_cve`, only ranges that name that CVE (or name none) count: one JVNDB entry often
    lists different fixed versions per CVE.
    """
    fallback: Match | None = None
    for item in affected:
        try:
            cpe = parse_cpe23(item.cpe23)
        except ValueError:
            continue
        wanted = (cpe.part, cpe.vendor, cpe.product)
        if not any((c.part, c.vendor, c.product) == wanted for c in device.cpes()):
            continue
        if not item.ranges_parsed or not item.ranges:
            if fallback is None:
                fallback = Match(
                    vuln_id,
                    Method.JVN_VENDOR_PRODUCT,
                    BASE_CONFIDENCE[Method.JVN_VENDOR_PRODUCT],
                    review_explanation(
                        f"{device.label} は {vuln_id} の対象製品として JVN に掲載（バージョン範囲不明: "
                        f"記載「{item.version_text or '記載なし'}」を解釈できないため製品名のみで照合。"
                        "担当者が確認してください）"
                    ),
                )
            continue
        version = device.version
        for rng in item.ranges:
            if for_cve and rng.cve_ids and for_cve not in rng.cve_ids:
                continue
            if rng.qualifier:
                # Inside the versions (or every version, or the device's version unknown), the
                # edition or fix decides, and the device record does not say: staff review.
                if fallback is None and (version is None or rng.contains(version)):
                    fallback = _qualified_candidate(vuln_id, item, rng, device)
                continue
            if version is None:
                if fallback is None:
                    fallback = Match(
                        vuln_id,
                        Method.NVD_VERSION_UNKNOWN,
                        BASE_CONFIDENCE[Method.NVD_VERSION_UNKNOWN],
                        f"{device.label} は {vuln_id} の対象製品（JVN: {item.version_text}）ですが、"
                        "ファームウェアのバージョンが未登録のため該当の可能性があります",
                    )
                continue
            if rng.contains(version):
                return Match(
                    vuln_id,
                    Method.JVN_RANGE,
                    BASE_CONFIDENCE[Method.JVN_RANGE],
                    f"{_version_label(device)} は {vuln_id} の範囲 {rng.describe()}に該当"
                    f"（JVN 記載「{item.version_text}」）",
                )
    return fallback
