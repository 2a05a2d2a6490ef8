"""Pure matching of a device against what vendors and CVE records say about products, and the
text candidate of a CVE nobody has described in machine-readable form.

No database access here: rules.py loads the statements and resolves each to the (vendor,
product) CPE keys of catalogue products; this module decides.

Order for a CVE that NVD has not analysed (after JVN, see rules.py): the CVE record's CNA
container, then the CISA ADP container, then vendors' CSAF advisories; the first source that
names the device's product decides. Where none names it, the description may name the model
and a version bound: a text candidate (要確認), never notified automatically.

A vendor's CSAF known_not_affected for the device's product and version overrides a match from
any other source (VEX).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kokuchi.core.cpe import parse_cpe23
from kokuchi.exposures.matching import (
    BASE_CONFIDENCE,
    DeviceIdentity,
    JvnRange,
    Match,
    Method,
    review_explanation,
)

# Statement sources in the order they are consulted.
STATEMENT_ORDER = ("cve5_cna", "cve5_adp", "csaf")
SOURCE_LABELS = {
    "cve5_cna": "CVE レコード（CNA）",
    "cve5_adp": "CVE レコード（CISA ADP）",
    "csaf": "ベンダー勧告（CSAF）",
}
STATEMENT_METHODS = {"cve5_cna": Method.CVE5_CNA_RANGE, "cve5_adp": Method.CVE5_ADP_RANGE, "csaf": Method.CSAF_RANGE}
# Matched through the product name rather than a CPE the document gives: a little less sure.
NAME_ONLY_PENALTY = 10


@dataclass(frozen=True)
class StatementMatcher:
    """One product statement as matching needs it; `keys` are the (vendor, product) CPE keys it
    was resolved to (from its own CPE, or from the catalogue products its names designate)."""

    source: str
    document_id: str
    vendor: str
    product: str
    status: str
    keys: frozenset[tuple[str, str]]
    ranges: tuple[JvnRange, ...] = ()
    all_versions: bool = False
    version_text: str = ""
    fixed_version: str = ""
    remediation_url: str = ""
    reason: str = ""
    by_cpe: bool = False

    def names(self, device: DeviceIdentity) -> bool:
        return any((c.vendor, c.product) in self.keys for c in device.cpes())

    def covers(self, device: DeviceIdentity) -> bool | None:
        """Whether the device's version is one the statement lists; None when unknown (no
        version recorded, or the statement's versions could not be read)."""
        if self.all_versions:
            return True
        version = device.version
        if version is None or not self.ranges:
            return None
        return any(r.contains(version) for r in self.ranges)

    def describe(self) -> str:
        if self.all_versions:
            return "全バージョン"
        if self.ranges and len(self.ranges) <= 3:
            return "、".join(r.describe() for r in self.ranges)
        return f"「{_shorten(self.version_text)}」"

    def origin(self) -> str:
        return f"{SOURCE_LABELS[self.source]} {self.document_id}（{self.vendor} {self.product}）".replace(" （", "（")

    def fix_text(self) -> str:
        parts = []
        if self.fixed_version:
            parts.append(f"修正版: {self.fixed_version}")
        if self.remediation_url:
            parts.append(f"対策: {self.remediation_url}")
        return "。".join(parts)


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def match_statements(*, vuln_id: str, statements: list[StatementMatcher], device: DeviceIdentity) -> Match | None:
    """The first source (STATEMENT_ORDER) whose affected statements name the device decides."""
    for source in STATEMENT_ORDER:
        naming = [s for s in statements if s.source == source and s.status == "affected" and s.names(device)]
        if not naming:
            continue
        unknown: StatementMatcher | None = None
        for statement in naming:
            covered = statement.covers(device)
            if covered:
                method = STATEMENT_METHODS[source]
                confidence = BASE_CONFIDENCE[method] - (0 if statement.by_cpe else NAME_ONLY_PENALTY)
                text = (
                    f"{_label(device)} は {vuln_id} の範囲 {statement.describe()}に該当"
                    f"（出典: {statement.origin()}、記載「{_shorten(statement.version_text) or '全バージョン'}」）"
                )
                if statement.fix_text():
                    text += f"。{statement.fix_text()}"
                return Match(vuln_id, method, confidence, text)
            if covered is None and unknown is None:
                unknown = statement
        if unknown is not None:
            reason = (
                "ファームウェアのバージョンが未登録"
                if device.version is None
                else f"バージョン記載「{_shorten(unknown.version_text)}」を解釈できない"
            )
            return Match(
                vuln_id,
                Method.STATEMENT_VERSION_UNKNOWN,
                BASE_CONFIDENCE[Method.STATEMENT_VERSION_UNKNOWN],
                review_explanation(
                    f"{device.label} は {vuln_id} の対象製品（出典: {unknown.origin()}）ですが、{reason}ため"
                    "該当の可能性があります"
                ),
            )
        return None
    return None


def not_affected_reason(*, statements: list[StatementMatcher], device: DeviceIdentity) -> str | None:
    """The vendor's reason when a CSAF known_not_affected statement covers the device (VEX)."""
    for statement in statements:
        vex = statement.source == "csaf" and statement.status == "not_affected"
        if vex and statement.names(device) and statement.covers(device):
            reason = statement.reason or "理由の記載なし"
            return f"{statement.origin()} が {statement.describe()} は該当しないと表明（理由: {reason}）"
    return None


# -- Text candidates -------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_.]*[A-Za-z0-9]|[A-Za-z0-9]")
_BOUND_AFTER = (
    (
        re.compile(
            r"^\s*(?:firmware\s+)?(?:v(?:er(?:sion)?)?\.?\s*)?(\d[\w.()\-]*?)\s*(?:and|or)\s+(?:earlier|prior|older|below)",
            re.I,
        ),
        True,
    ),
    (
        re.compile(
            r"^\s*(?:firmware\s+)?(?:versions?\s+)?(?:before|prior\s+to|earlier\s+than|older\s+than|<)\s*"
            r"(?:v(?:er(?:sion)?)?\.?\s*)?(\d[\w.()\-]*\w)",
            re.I,
        ),
        False,
    ),
    (
        re.compile(
            r"^\s*(?:firmware\s+)?(?:versions?\s+)?(?:through|up\s+to|<=)\s*(?:v(?:er(?:sion)?)?\.?\s*)?(\d[\w.()\-]*\w)",
            re.I,
        ),
        True,
    ),
)


def model_key(text: str) -> str:
    """A model number as compared with descriptions: NFKC, upper case, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).upper() if ch.isalnum())


def usable_model_key(key: str) -> bool:
    """Short or digit-less model names ("Router", "AP") would name half of all descriptions."""
    return len(key) >= 4 and any(ch.isdigit() for ch in key) and any(ch.isalpha() for ch in key)


@dataclass(frozen=True)
class ModelMention:
    """A model named in a description, with the version bound written right after it, if any."""

    model: str
    excerpt: str
    bound: str | None = None
    bound_inclusive: bool = True


@dataclass(frozen=True)
class TextCandidate:
    """A CVE without any product data whose description names catalogue models: keys of those
    products → the mention."""

    mentions: dict[tuple[str, str], ModelMention] = field(default_factory=dict)


def find_mentions(description: str, models: dict[str, str]) -> dict[str, ModelMention]:
    """Models (model_key → model as written in the catalogue) the description names, each with
    the version bound that follows it ("WG2600HS Ver.1.7.2 and earlier")."""
    found: dict[str, ModelMention] = {}
    matches = list(_TOKEN.finditer(description))
    for index, match in enumerate(matches):
        keys = [model_key(match.group())]
        if index + 1 < len(matches):
            keys.append(model_key(match.group() + matches[index + 1].group()))
        for key in keys:
            if key not in models or key in found:
                continue
            end = match.end() if key == keys[0] else matches[index + 1].end()
            tail = description[end : end + 80]
            bound, inclusive = None, True
            for pattern, is_inclusive in _BOUND_AFTER:
                hit = pattern.match(tail)
                if hit:
                    bound, inclusive = hit.group(1).rstrip("."), is_inclusive
                    break
            excerpt = description[max(0, match.start() - 40) : end + 40].strip()
            found[key] = ModelMention(models[key], excerpt, bound, inclusive)
    return found


def match_text_candidate(*, vuln_id: str, candidate: TextCandidate, device: DeviceIdentity) -> Match | None:
    """A 要確認 candidate when the description names the device's model and either no version
    bound or a bound the device's version is within; None when the device is past the bound."""
    mention = next(
        (candidate.mentions[key] for c in device.cpes() if (key := (c.vendor, c.product)) in candidate.mentions),
        None,
    )
    if mention is None:
        return None
    version = device.version
    if mention.bound is not None and version is not None:
        bound = JvnRange(end=mention.bound, end_inclusive=mention.bound_inclusive)
        if not bound.contains(version):
            return None
        relation = "以下" if mention.bound_inclusive else "未満"
        return Match(
            vuln_id,
            Method.TEXT_CANDIDATE,
            BASE_CONFIDENCE[Method.TEXT_CANDIDATE],
            review_explanation(
                f"{vuln_id} には製品データがなく、説明文が機種 {mention.model} とバージョン "
                f"{mention.bound} {relation}を挙げています（「{_shorten(mention.excerpt)}」）。"
                f"{_label(device)} が該当するか確認してください"
            ),
        )
    why = "バージョンの記載がありません" if mention.bound is None else "機器のファームウェアのバージョンが未登録です"
    return Match(
        vuln_id,
        Method.TEXT_CANDIDATE,
        BASE_CONFIDENCE[Method.TEXT_CANDIDATE] - 10,
        review_explanation(
            f"{vuln_id} には製品データがなく、説明文が機種 {mention.model} を挙げています"
            f"（「{_shorten(mention.excerpt)}」、{why}）。{_label(device)} が該当するか確認してください"
        ),
    )


def _label(device: DeviceIdentity) -> str:
    return f"{device.label} {device.firmware_version}".strip() if device.firmware_version else device.label


def cpe_key(cpe23: str) -> tuple[str, str] | None:
    try:
        cpe = parse_cpe23(cpe23)
    except ValueError:
        return None
    return cpe.vendor, cpe.product
