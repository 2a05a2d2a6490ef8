"""Matching rules: what each target vulnerability says about products, the products' CPE keys,
the candidates of a set of keys, the evaluation of (product, firmware) pairs and priorities."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from kokuchi.catalog.models import Product
from kokuchi.core.cpe import cpe23_key, parse_cpe23
from kokuchi.exposures.advisories import (
    StatementMatcher,
    TextCandidate,
    match_statements,
    match_text_candidate,
    not_affected_reason,
)
from kokuchi.exposures.catalogue_names import CatalogueIndex
from kokuchi.exposures.matching import DeviceIdentity, JvnAffected, JvnRange, Match, match_jvn, match_nvd
from kokuchi.exposures.models import (
    Priority,
)
from kokuchi.vulnerabilities.models import (
    AffectedProduct,
    ProductStatement,
    StatementStatus,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityCpe,
)
from kokuchi.vulnerabilities.selectors import epss, known_exploited, product_cpe_keys, vulnerability_names

logger = logging.getLogger(__name__)


@dataclass
class Rule:
    """How to match one target vulnerability: NVD configurations, JVN affected products, the
    product statements of CVE records and vendor advisories, or a text candidate; a vendor's
    known_not_affected statements (VEX) override any of them."""

    pk: int
    vuln_id: str
    keys: set[tuple[str, str]]
    configurations: list = field(default_factory=list)
    jvn: list[JvnAffected] = field(default_factory=list)
    for_cve: str | None = None
    # Whether a hardware CPE can change the outcome; when not, devices of different models on
    # the same firmware CPE and version share one evaluation.
    uses_hardware: bool = True
    statements: list[StatementMatcher] = field(default_factory=list)
    not_affected: list[StatementMatcher] = field(default_factory=list)
    # Vendors' affected statements with a fix: the fixed version and URL join a match from NVD or JVN.
    vendor_fixes: list[StatementMatcher] = field(default_factory=list)
    text: TextCandidate | None = None

    def match(self, device: DeviceIdentity) -> Match | None:
        found = None
        if self.configurations:
            found = match_nvd(vuln_id=self.vuln_id, configurations=self.configurations, device=device)
        elif self.jvn:
            found = match_jvn(vuln_id=self.vuln_id, affected=self.jvn, device=device, for_cve=self.for_cve)
        elif self.statements:
            found = match_statements(vuln_id=self.vuln_id, statements=self.statements, device=device)
        elif self.text is not None:
            found = match_text_candidate(vuln_id=self.vuln_id, candidate=self.text, device=device)
        if found is not None and self.not_affected and not_affected_reason(statements=self.not_affected, device=device):
            return None
        if found is not None and self.vendor_fixes and not self.statements:
            fix = next((f.fix_text() for f in self.vendor_fixes if f.names(device)), "")
            if fix:
                found = Match(found.vuln_id, found.method, found.confidence, f"{found.explanation}。{fix}")
        return found


def _nvd_keys(configurations: list) -> set[tuple[str, str]]:
    keys = set()
    for config in configurations:
        stack = list(config.get("nodes", []))
        while stack:
            node = stack.pop()
            stack.extend(node.get("nodes", []))
            for entry in node.get("cpeMatch", []):
                if entry.get("vulnerable", True):
                    try:
                        cpe = parse_cpe23(entry["criteria"])
                    except (KeyError, ValueError):
                        continue
                    keys.add((cpe.vendor, cpe.product))
    return keys


def _nvd_uses_hardware(configurations: list) -> bool:
    for config in configurations:
        stack = list(config.get("nodes", []))
        while stack:
            node = stack.pop()
            stack.extend(node.get("nodes", []))
            for entry in node.get("cpeMatch", []):
                if _names_hardware(entry.get("criteria", "")):
                    return True
    return False


def _jvn_uses_hardware(items: list[JvnAffected]) -> bool:
    return any(_names_hardware(item.cpe23) for item in items)


def _names_hardware(cpe23: str) -> bool:
    """Whether a CPE may name hardware: part h, or not parseable (then assume it may)."""
    key = cpe23_key(cpe23)
    return key is None or key[0] not in ("o", "a")


def _jvn_affected(rows: Iterable[AffectedProduct]) -> list[JvnAffected]:
    items = []
    for row in rows:
        if not row.cpe23:
            continue
        ranges = tuple(JvnRange.from_dict(r) for r in row.ranges or ())
        # A range that admits no version means the text was misread: "version range unknown".
        parsed = row.ranges_parsed and not any(r.is_empty() for r in ranges)
        items.append(JvnAffected(cpe23=row.cpe23, version_text=row.version_text, ranges=ranges, ranges_parsed=parsed))
    return items


def expand_targets(vuln_pks: set[int]) -> set[int]:
    """Add the vulnerabilities linked by aliases: a changed JVNDB entry changes the CVEs NVD has
    not analysed yet, and a CVE change may change the JVNDB entry's own scope."""
    if not vuln_pks:
        return set()
    if len(vuln_pks) > 2000:
        pks = sorted(vuln_pks)
        return set().union(*(expand_targets(set(pks[i : i + 2000])) for i in range(0, len(pks), 2000)))
    ids = set(Vulnerability.objects.filter(pk__in=vuln_pks).values_list("vuln_id", flat=True))
    alias_ids = set(VulnerabilityAlias.objects.filter(vulnerability_id__in=vuln_pks).values_list("alias_id", flat=True))
    linked = set(Vulnerability.objects.filter(vuln_id__in=alias_ids).values_list("pk", flat=True))
    linked |= set(VulnerabilityAlias.objects.filter(alias_id__in=ids).values_list("vulnerability_id", flat=True))
    return set(vuln_pks) | linked


def load_rules(vuln_pks: set[int]) -> dict[int, Rule]:
    """Build the rules of `vuln_pks` in chunks (bounded SQL parameter lists); see _load_rules."""
    pks = sorted(vuln_pks)
    rules: dict[int, Rule] = {}
    for i in range(0, len(pks), 2000):
        rules.update(_load_rules(set(pks[i : i + 2000])))
    return rules


def _load_rules(vuln_pks: set[int]) -> dict[int, Rule]:
    """Build the matching rule of every live target vulnerability among `vuln_pks`.

    A CVE with NVD configurations is matched on them. A CVE without (Awaiting Analysis) is
    matched on the JVN entries that alias it, restricted to the ranges naming that CVE. A JVNDB
    entry is matched for itself only for the CVEs it names that Kokuchi has no row for (or when
    it names none), so one flaw never yields two exposures.
    """
    vulns = list(Vulnerability.objects.live().filter(pk__in=vuln_pks).values("pk", "vuln_id", "configurations"))
    if not vulns:
        return {}
    jvn_pks = {v["pk"] for v in vulns if v["vuln_id"].startswith("JVNDB-")}
    cve_ids = {v["vuln_id"] for v in vulns if not v["vuln_id"].startswith("JVNDB-")}
    # JVNDB ↔ CVE links, both directions of VulnerabilityAlias.
    jvn_of_cve: dict[str, set[int]] = defaultdict(set)
    cves_of_jvn: dict[int, set[str]] = defaultdict(set)
    for vpk, alias in (
        VulnerabilityAlias.objects.filter(vulnerability__vuln_id__startswith="JVNDB-")
        .filter(_alias_condition(cve_ids, jvn_pks))
        .values_list("vulnerability_id", "alias_id")
    ):
        jvn_of_cve[alias].add(vpk)
        cves_of_jvn[vpk].add(alias)
    for cve_pk_id, alias in VulnerabilityAlias.objects.filter(
        vulnerability__vuln_id__in=cve_ids, alias_id__startswith="JVNDB-"
    ).values_list("vulnerability__vuln_id", "alias_id"):
        for jpk in Vulnerability.objects.filter(vuln_id=alias).values_list("pk", flat=True):
            jvn_of_cve[cve_pk_id].add(jpk)
            cves_of_jvn[jpk].add(cve_pk_id)
    needed_jvn = jvn_pks | {pk for pks in jvn_of_cve.values() for pk in pks}
    affected: dict[int, list[AffectedProduct]] = defaultdict(list)
    for row in AffectedProduct.objects.filter(vulnerability_id__in=needed_jvn, vulnerability__withdrawn=False):
        affected[row.vulnerability_id].append(row)
    all_cves = {c for cs in cves_of_jvn.values() for c in cs}
    existing_cves = set(Vulnerability.objects.live().filter(vuln_id__in=all_cves).values_list("vuln_id", flat=True))

    rules: dict[int, Rule] = {}
    for v in vulns:
        pk, vuln_id, configurations = v["pk"], v["vuln_id"], v["configurations"] or []
        if vuln_id.startswith("JVNDB-"):
            named = cves_of_jvn.get(pk, set())
            uncovered = named - existing_cves
            if named and not uncovered:
                continue
            items = _jvn_affected(affected.get(pk, []))
            if named:
                restricted = (_restrict(item, uncovered) for item in items)
                items = [item for item in restricted if item is not None]
            if items:
                rules[pk] = Rule(pk, vuln_id, _jvn_keys(items), jvn=items, uses_hardware=_jvn_uses_hardware(items))
        elif configurations:
            rules[pk] = Rule(
                pk,
                vuln_id,
                _nvd_keys(configurations),
                configurations=configurations,
                uses_hardware=_nvd_uses_hardware(configurations),
            )
        else:
            items = [i for jpk in sorted(jvn_of_cve.get(vuln_id, ())) for i in _jvn_affected(affected.get(jpk, []))]
            if items:
                rules[pk] = Rule(
                    pk, vuln_id, _jvn_keys(items), jvn=items, for_cve=vuln_id, uses_hardware=_jvn_uses_hardware(items)
                )
    _add_advisory_rules(rules, vulns)
    return rules


def _add_advisory_rules(rules: dict[int, Rule], vulns: list[dict]) -> None:
    """Rules from product statements for vulnerabilities NVD and JVN leave without product data,
    text candidates where no statement exists either, and the vendors' not-affected statements
    (VEX) on every rule."""
    by_id = {v["vuln_id"]: v["pk"] for v in vulns}
    rows = list(
        ProductStatement.objects.filter(vuln_id__in=list(by_id)).values(
            "vuln_id",
            "source",
            "document_id",
            "vendor",
            "product",
            "cpe23",
            "status",
            "ranges",
            "all_versions",
            "version_text",
            "fixed_version",
            "remediation_url",
            "reason",
            "publisher",
        )
    )
    bare = [
        v["pk"]
        for v in vulns
        if v["pk"] not in rules and not v["configurations"] and not v["vuln_id"].startswith("JVNDB-")
    ]
    if not rows and not bare:
        return
    catalogue = CatalogueIndex.load()
    statements: dict[str, list[StatementMatcher]] = defaultdict(list)
    for row in rows:
        keys, by_cpe = catalogue.statement_keys(
            vendor=row["vendor"], product=row["product"], cpe23=row["cpe23"], publisher=row["publisher"]
        )
        if not keys:
            continue
        statements[row["vuln_id"]].append(
            StatementMatcher(
                source=row["source"],
                document_id=row["document_id"],
                vendor=row["vendor"],
                product=row["product"],
                status=row["status"],
                keys=frozenset(keys),
                ranges=tuple(JvnRange.from_dict(r) for r in row["ranges"] or ()),
                all_versions=row["all_versions"],
                version_text=row["version_text"],
                fixed_version=row["fixed_version"],
                remediation_url=row["remediation_url"],
                reason=row["reason"],
                by_cpe=by_cpe,
            )
        )
    for vuln_id, found in statements.items():
        pk = by_id[vuln_id]
        vex = [s for s in found if s.status == StatementStatus.NOT_AFFECTED and s.source == "csaf"]
        affected = [s for s in found if s.status == StatementStatus.AFFECTED]
        rule = rules.get(pk)
        if rule is None and affected:
            keys = set().union(*(s.keys for s in affected))
            rule = rules[pk] = Rule(pk, vuln_id, keys, statements=affected, uses_hardware=True)
        if rule is not None:
            rule.not_affected = vex
            rule.vendor_fixes = [s for s in affected if s.source == "csaf" and s.fix_text()]
    descriptions = Vulnerability.objects.filter(pk__in=[pk for pk in bare if pk not in rules]).values_list(
        "pk", "vuln_id", "description_en", "description_ja"
    )
    for pk, vuln_id, description_en, description_ja in descriptions:
        mentions = catalogue.text_mentions(f"{description_en}\n{description_ja}")
        if mentions:
            rules[pk] = Rule(pk, vuln_id, set(mentions), text=TextCandidate(mentions), uses_hardware=True)


def unanalysed_vulnerability_pks() -> set[int]:
    """Live vulnerabilities other than JVNDB entries without NVD configurations: those matched
    through JVN, product statements or text candidates, which the CPE index does not list."""
    return set(
        Vulnerability.objects.live()
        .filter(configurations=[])
        .exclude(vuln_id__startswith="JVNDB-")
        .order_by()
        .values_list("pk", flat=True)
    )


def _alias_condition(cve_ids: set[str], jvn_pks: set[int]) -> Q:
    """Aliases naming one of `cve_ids`, or belonging to one of the JVNDB entries `jvn_pks`."""
    return Q(alias_id__in=cve_ids) | Q(vulnerability_id__in=jvn_pks)


def _restrict(item: JvnAffected, cves: set[str]) -> JvnAffected | None:
    """Keep only the ranges that concern `cves` (or name no CVE)."""
    if not item.ranges_parsed:
        return item
    ranges = tuple(r for r in item.ranges if not r.cve_ids or set(r.cve_ids) & cves)
    if not ranges:
        return None
    return JvnAffected(item.cpe23, item.version_text, ranges, True)


def _jvn_keys(items: list[JvnAffected]) -> set[tuple[str, str]]:
    keys = set()
    for item in items:
        try:
            cpe = parse_cpe23(item.cpe23)
        except ValueError:
            continue
        keys.add((cpe.vendor, cpe.product))
    return keys


@dataclass(frozen=True)
class ProductInfo:
    pk: int
    firmware_cpe: str
    hardware_cpe: str
    label: str

    @property
    def keys(self) -> set[tuple[str, str]]:
        return product_cpe_keys(self)

    def identity(self, firmware: str, label: str | None = None) -> DeviceIdentity:
        return DeviceIdentity.build(
            firmware_cpe=self.firmware_cpe,
            hardware_cpe=self.hardware_cpe,
            firmware_version=firmware,
            label=self.label if label is None else label,
        )


def load_products(product_pks: Iterable[int] | None = None) -> dict[int, ProductInfo]:
    qs = Product.objects.all()
    if product_pks is not None:
        qs = qs.filter(pk__in=list(product_pks))
    return {
        pk: ProductInfo(pk, fw or "", hw or "", model or "")
        for pk, fw, hw, model in qs.values_list("pk", "firmware_cpe", "hardware_cpe", "model_number")
    }


def candidate_vulnerability_pks(keys: set[tuple[str, str]]) -> set[int]:
    """Vulnerabilities whose CPE index names one of the (vendor, product) keys, plus the CVEs
    linked to a JVNDB hit (NVD may not have indexed them yet)."""

    if not keys:
        return set()
    pks: set[int] = set()
    ordered = sorted(keys)
    for i in range(0, len(ordered), 200):
        q = Q()
        for vendor, product in ordered[i : i + 200]:
            q |= Q(vendor=vendor, product=product)
        pks |= set(VulnerabilityCpe.objects.filter(q).values_list("vulnerability_id", flat=True))
    return expand_targets(pks)


def evaluate(
    *, rules: dict[int, Rule], products: dict[int, ProductInfo], firmwares: dict[int, set[str]]
) -> dict[tuple[int, str], list[tuple[int, Match]]]:
    """Match every (product, firmware) pair once; return matches keyed by the pair."""
    by_key: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for rule in rules.values():
        for key in rule.keys:
            by_key[key].append(rule)
    out: dict[tuple[int, str], list[tuple[int, Match]]] = defaultdict(list)
    # Results by (rule, firmware CPE, hardware CPE when it matters, version), computed with a
    # placeholder label so that every model running the same firmware reuses them.
    cache: dict[tuple, Match | None] = {}
    for ppk, fws in firmwares.items():
        info = products.get(ppk)
        if info is None:
            continue
        product_rules = {r.pk: r for key in info.keys for r in by_key.get(key, ())}
        if not product_rules:
            continue
        label = info.label or "機器"
        for fw in fws:
            identity = None
            for rule in product_rules.values():
                cache_key = (rule.pk, info.firmware_cpe, info.hardware_cpe if rule.uses_hardware else "", fw)
                if cache_key in cache:
                    found = cache[cache_key]
                else:
                    identity = identity or info.identity(fw, _LABEL)
                    found = cache[cache_key] = rule.match(identity)
                if found is not None:
                    out[(ppk, fw)].append(
                        (
                            rule.pk,
                            Match(
                                found.vuln_id, found.method, found.confidence, found.explanation.replace(_LABEL, label)
                            ),
                        )
                    )
    return out


_LABEL = "\x00"


def priorities_for(vuln_pks: Iterable[int]) -> dict[int, int]:
    """Priority of each vulnerability from KEV, EPSS and CVSS (aliases count: a JVNDB entry is
    known-exploited when one of its CVEs is).

    URGENT: in CISA KEV. HIGH: EPSS ≥ 0.1 or CVSS ≥ 9.0. MEDIUM: EPSS ≥ 0.01 or CVSS ≥ 7.0.
    LOW: otherwise.
    """
    pks = list(vuln_pks)
    cvss = {
        pk: (c3, c4)
        for pk, c3, c4 in Vulnerability.objects.filter(pk__in=pks).values_list("pk", "cvss3_score", "cvss4_score")
    }
    names = vulnerability_names(pks)
    all_names = {n for ns in names.values() for n in ns}
    kev = known_exploited(all_names)
    scores = epss(all_names)
    result: dict[int, int] = {}
    for pk, (c3, c4) in cvss.items():
        score_given = c3 if c3 is not None else c4
        base = float(score_given) if score_given is not None else 0.0
        score = max((scores.get(n, 0.0) for n in names[pk]), default=0.0)
        if names[pk] & kev:
            result[pk] = Priority.URGENT
        elif score >= 0.1 or base >= 9.0:
            result[pk] = Priority.HIGH
        elif score >= 0.01 or base >= 7.0:
            result[pk] = Priority.MEDIUM
        else:
            result[pk] = Priority.LOW
    return result
