"""Read-side queries of exposures: rows for export, counts, a customer's notices, and CPE
suggestions for products from the feeds' vocabulary."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Q, QuerySet
from rapidfuzz import fuzz, process

from kokuchi.catalog.models import Manufacturer, Product, normalize_maker_name
from kokuchi.core.cpe import parse_cpe23
from kokuchi.customers.models import Customer
from kokuchi.devices.models import Device
from kokuchi.exposures.advisories import SOURCE_LABELS, StatementMatcher
from kokuchi.exposures.catalogue_names import CatalogueIndex
from kokuchi.exposures.matching import (
    REVIEW_METHODS,
    DeviceIdentity,
    JvnAffected,
    JvnRange,
    method_source,
    version_in_range,
)
from kokuchi.exposures.models import Exposure, ExposureStatus, Notice
from kokuchi.exposures.rules import (
    ProductInfo,
    Rule,
    candidate_vulnerability_pks,
    evaluate,
    load_products,
    load_rules,
    unanalysed_vulnerability_pks,
)
from kokuchi.exposures.versions import parse_version
from kokuchi.vulnerabilities.models import ProductStatement, VulnerabilityAlias, VulnerabilityCpe
from kokuchi.vulnerabilities.selectors import epss, known_exploited, product_cpe_keys


def exposure_counts(*, customer_pk: int) -> dict[str, int]:
    """Number of exposures of a customer by status (every status present, zeros included)."""
    counts = dict.fromkeys(ExposureStatus.values, 0)
    counts.update(
        Exposure.objects.filter(customer_id=customer_pk)
        .values_list("status")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return counts


EXPOSURE_COLUMNS = (
    "serial_number",
    "customer_code",
    "manufacturer",
    "model",
    "firmware_version",
    "vulnerability",
    "aliases",
    "method",
    "source",
    "confidence",
    "needs_review",
    "status",
    "kev",
    "epss",
    "cvss",
    "explanation",
)


def exposure_rows(*, customer_code: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield one dict per device × vulnerability with the export columns (EXPOSURE_COLUMNS): every
    match says why (the source, the range or text it came from in the explanation, the confidence,
    and whether staff must still confirm it)."""
    qs = Exposure.objects.for_list().order_by(
        "customer__customer_code", "device__serial_number", "vulnerability__vuln_id"
    )
    if customer_code:
        qs = qs.filter(customer__customer_code=customer_code)
    vuln_pks = set(qs.values_list("vulnerability_id", flat=True))
    aliases: dict[int, list[str]] = {}
    for vpk, alias in (
        VulnerabilityAlias.objects.filter(vulnerability_id__in=vuln_pks)
        .order_by("alias_id")
        .values_list("vulnerability_id", "alias_id")
    ):
        aliases.setdefault(vpk, []).append(alias)
    names = set(qs.values_list("vulnerability__vuln_id", flat=True)) | {a for al in aliases.values() for a in al}
    kev = known_exploited(names)
    scores = epss(names)
    for e in qs.iterator(chunk_size=2000):
        vuln = e.vulnerability
        ids = [vuln.vuln_id, *aliases.get(vuln.pk, [])]
        found = [scores[n] for n in ids if n in scores]
        score = vuln.base_score
        yield {
            "serial_number": e.device.serial_number,
            "customer_code": e.customer.customer_code,
            "manufacturer": e.device.product.manufacturer.name_ja,
            "model": e.device.product.model_number,
            "firmware_version": e.device.current_firmware,
            "vulnerability": vuln.vuln_id,
            "aliases": aliases.get(vuln.pk, []),
            "method": e.method,
            "source": method_source(e.method),
            "confidence": e.confidence,
            "needs_review": e.method in REVIEW_METHODS,
            "status": e.status,
            "kev": any(n in kev for n in ids),
            "epss": max(found) if found else None,
            "cvss": float(score) if score is not None else None,
            "explanation": e.explanation,
        }


def customer_notices(customer: Customer) -> QuerySet[Notice]:
    """Notices of a customer for its link page (newest first), with their deliveries."""
    return Notice.objects.filter(customer=customer).select_related("vulnerability").prefetch_related("deliveries")


@dataclass(frozen=True)
class CpeSuggestion:
    """A CPE proposed for a product from the feeds' vocabulary, for staff to confirm."""

    cpe23: str
    part: str
    vendor: str
    product: str
    score: float
    # Vulnerabilities whose CPE index names this part:vendor:product (filled by product_cpe_suggestions).
    vulnerability_count: int = 0


def _vendor_terms(manufacturer: Manufacturer) -> list[str]:
    """Words to look for among the feeds' CPE vendors: the maker's CPE vendor names and names, and
    the CPE vendor names (or key) of every other catalogue maker that bears one of its names as a
    name or alias (a maker typed in as ヤマハ gets the yamaha of the packaged ヤマハ株式会社 entry)."""
    terms = list(manufacturer.cpe_vendors)
    catalogue = Manufacturer.objects.exclude(pk=manufacturer.pk)
    names = (manufacturer.name_en, manufacturer.slug, manufacturer.name_ja, *manufacturer.aliases)
    for name in filter(None, names):
        terms.append(normalize_maker_name(name))
        for other in catalogue.named(name):
            terms.extend(other.cpe_vendors or [other.slug])
    return list(dict.fromkeys(terms))


def suggest_cpes(product: Product, *, limit: int = 5, min_score: float = 70.0) -> list[CpeSuggestion]:
    """Suggest firmware/hardware CPEs for `product` by fuzzy search over VulnerabilityCpe.

    The vendor is found from the manufacturer's CPE vendor names and names (Japanese names through
    the catalogue's aliases: 日本電気 = nec, ヤマハ = yamaha …), then the model number is compared
    with that vendor's products (``wlx212`` and ``wlx212_firmware`` both score for model WLX212).
    """

    vocabulary_vendors = list(VulnerabilityCpe.objects.values_list("vendor", flat=True).distinct())
    vendors: dict[str, float] = {}
    for term in _vendor_terms(product.manufacturer):
        for vendor, score, _i in process.extract(term, vocabulary_vendors, scorer=fuzz.ratio, limit=3):
            if score >= 85:
                vendors[vendor] = max(vendors.get(vendor, 0), score)
    if not vendors:
        return []
    model = unicodedata.normalize("NFKC", f"{product.model_number}").lower().strip().replace(" ", "_")
    candidates = list(
        VulnerabilityCpe.objects.filter(vendor__in=vendors).values_list("part", "vendor", "product").distinct()
    )
    scored = []
    for part, vendor, name in candidates:
        base = name.removesuffix("_firmware")
        score = max(fuzz.ratio(model, base), fuzz.partial_ratio(model, base) - 5 if len(model) >= 4 else 0)
        score = score * vendors[vendor] / 100
        if score >= min_score:
            version = "-" if part == "h" else "*"
            scored.append(
                CpeSuggestion(
                    f"cpe:2.3:{part}:{vendor}:{name}:{version}:*:*:*:*:*:*:*", part, vendor, name, round(score, 1)
                )
            )
    scored.sort(key=lambda s: (-s.score, s.part != "o", s.product))
    return scored[:limit]


@dataclass(frozen=True)
class ProductCpeSuggestions:
    """CPE suggestions of one product for its staff page, split by the field they would fill."""

    hardware: list[CpeSuggestion]
    firmware: list[CpeSuggestion]


def product_cpe_suggestions(product: Product, *, limit: int = 10) -> ProductCpeSuggestions:
    """Hardware (part h) and firmware/OS (part o) suggestions for `product`, each with the number
    of vulnerabilities whose CPE index names it, so staff can see how much a choice matters."""

    suggestions = [s for s in suggest_cpes(product, limit=limit * 2) if s.part in ("h", "o")]
    if not suggestions:
        return ProductCpeSuggestions([], [])
    q = Q()
    for s in suggestions:
        q |= Q(part=s.part, vendor=s.vendor, product=s.product)
    counts = {
        (part, vendor, name): n
        for part, vendor, name, n in VulnerabilityCpe.objects.filter(q)
        .order_by()
        .values_list("part", "vendor", "product")
        .annotate(n=Count("vulnerability_id", distinct=True))
    }
    counted = [replace(s, vulnerability_count=counts.get((s.part, s.vendor, s.product), 0)) for s in suggestions]
    return ProductCpeSuggestions(
        hardware=[s for s in counted if s.part == "h"][:limit], firmware=[s for s in counted if s.part == "o"][:limit]
    )


@dataclass(frozen=True)
class VendorStatementView:
    """What a vendor advisory or CVE record says about a device's product and version: not
    affected (VEX, with the reason), or affected with the fixed version and where to get it."""

    vuln_id: str
    source: str
    document_id: str
    document_url: str
    status: str
    versions: str
    fixed_version: str
    remediation_url: str
    remediation_text: str
    reason: str


def _cpe_condition(keys: set[tuple[str, str]]) -> Q:
    condition = Q(pk__in=[])
    for vendor, name in keys:
        condition |= Q(cpe23__startswith=f"cpe:2.3:a:{vendor}:{name}:")
        condition |= Q(cpe23__startswith=f"cpe:2.3:o:{vendor}:{name}:")
        condition |= Q(cpe23__startswith=f"cpe:2.3:h:{vendor}:{name}:")
    return condition


def vendor_statements_for_device(device: Device) -> list[VendorStatementView]:
    """Product statements that designate the device's product and cover its current firmware, for
    its staff page (why a range match was overridden, which version fixes it) and for documents."""
    product = device.product
    if not (product.firmware_cpe or product.hardware_cpe):
        return []
    identity = DeviceIdentity.build(
        firmware_cpe=product.firmware_cpe,
        hardware_cpe=product.hardware_cpe,
        firmware_version=device.current_firmware,
        label=product.model_number,
    )
    catalogue = CatalogueIndex.load()
    device_vendors = {vendor for vendor, _name in product_cpe_keys(product)}
    # Only the statements whose vendor (or publisher) names this product's maker or CPE vendor.
    names = set(ProductStatement.objects.order_by().values_list("vendor", flat=True).distinct())
    names |= set(ProductStatement.objects.order_by().values_list("publisher", flat=True).distinct())
    wanted = [
        name
        for name in names
        if name
        and (
            product.manufacturer_id in catalogue.vendor_makers(name)
            or device_vendors & catalogue.vendor_cpe_names(name)
        )
    ]
    rows = ProductStatement.objects.filter(
        Q(vendor__in=wanted) | Q(publisher__in=wanted) | _cpe_condition(product_cpe_keys(product))
    )
    out = []
    for row in rows.order_by("vuln_id", "source", "pk").iterator(chunk_size=2000):
        keys, by_cpe = catalogue.statement_keys(
            vendor=row.vendor, product=row.product, cpe23=row.cpe23, publisher=row.publisher
        )
        matcher = StatementMatcher(
            source=row.source,
            document_id=row.document_id,
            vendor=row.vendor,
            product=row.product,
            status=row.status,
            keys=frozenset(keys),
            ranges=tuple(JvnRange.from_dict(r) for r in row.ranges or ()),
            all_versions=row.all_versions,
            version_text=row.version_text,
            by_cpe=by_cpe,
        )
        if not matcher.names(identity) or not matcher.covers(identity):
            continue
        out.append(
            VendorStatementView(
                vuln_id=row.vuln_id,
                source=SOURCE_LABELS[row.source],
                document_id=row.document_id,
                document_url=row.document_url,
                status=row.get_status_display(),
                versions=matcher.describe(),
                fixed_version=row.fixed_version,
                remediation_url=row.remediation_url,
                remediation_text=row.remediation_text,
                reason=row.reason,
            )
        )
    return out


@dataclass(frozen=True)
class FirmwareVulnerability:
    """One vulnerability matching a (product, firmware) pair, as a document states it: the first
    fixed version when the published range names one (its upper bound, exclusive)."""

    vulnerability_pk: int
    vuln_id: str
    explanation: str
    fixed_version: str


def _nvd_fixed_version(configurations: list, version_text: str, keys: set[tuple[str, str]]) -> str:

    version = parse_version(version_text)
    if version is None:
        return ""
    for config in configurations or []:
        for node in config.get("nodes", []):
            for entry in node.get("cpeMatch", []):
                end = entry.get("versionEndExcluding")
                if not end or not entry.get("vulnerable", True):
                    continue
                try:
                    cpe = parse_cpe23(entry["criteria"])
                except (KeyError, ValueError):
                    continue
                if (cpe.vendor, cpe.product) not in keys:
                    continue
                start_in, start_ex = entry.get("versionStartIncluding"), entry.get("versionStartExcluding")
                if version_in_range(version, start=start_in or start_ex, start_inclusive=bool(start_in), end=end):
                    return end
    return ""


def _jvn_fixed_version(items: list[JvnAffected], version_text: str) -> str:

    version = parse_version(version_text)
    if version is None:
        return ""
    for item in items:
        for rng in item.ranges:
            if rng.end and not rng.end_inclusive and not rng.exact and rng.contains(version):
                return rng.end
    return ""


def _fix_of(rule: Rule, product: ProductInfo, firmware: str) -> tuple[str, str]:
    """The first fixed version above `firmware` (NVD or JVN range bound, else the vendor
    advisory's fix) and the vendor's remediation URL, each "" when no source names one."""
    fixed = (
        _nvd_fixed_version(rule.configurations, firmware, product.keys)
        if rule.configurations
        else _jvn_fixed_version(rule.jvn, firmware)
    )
    identity = product.identity(firmware)
    vendor = [s for s in (*rule.statements, *rule.vendor_fixes) if s.names(identity)]
    if not fixed:
        # The vendor's own advisory names the fix where NVD and JVN do not.
        fixed = next((s.fixed_version for s in vendor if s.fixed_version), "")
    url = next((s.remediation_url for s in vendor if s.remediation_url), "")
    return fixed, url


def fixes_for_devices(
    *, vulnerability_pk: int, pairs: set[tuple[int, str]], rules: dict[int, Rule | None] | None = None
) -> dict[tuple[int, str], tuple[str, str]]:
    """Per (product pk, firmware) pair, the fixed version and remediation URL of one vulnerability
    for a customer notice (S-VULN): ("", "") where no source names them. `rules` caches the
    loaded rule per vulnerability across the notices of one run."""
    if not pairs:
        return {}
    rules = {} if rules is None else rules
    if vulnerability_pk not in rules:
        rules[vulnerability_pk] = load_rules({vulnerability_pk}).get(vulnerability_pk)
    rule = rules[vulnerability_pk]
    if rule is None:
        return {}
    products = load_products({ppk for ppk, _fw in pairs})
    return {(ppk, fw): _fix_of(rule, products[ppk], fw) for ppk, fw in pairs if ppk in products}


def firmware_vulnerabilities(
    pairs: set[tuple[int, str]],
) -> dict[tuple[int, str], list[FirmwareVulnerability]]:
    """The vulnerabilities matching each (product pk, firmware version) pair, evaluated now from
    the stored feeds (nothing is written): what the installed base would show for that firmware,
    e.g. the firmware a device was delivered with (G5.1-3, S-RISK)."""
    if not pairs:
        return {}
    products = load_products({ppk for ppk, _fw in pairs})
    keys = set().union(*(p.keys for p in products.values())) if products else set()
    if not keys:
        return {}
    rules = load_rules(candidate_vulnerability_pks(keys) | unanalysed_vulnerability_pks())
    firmwares: dict[int, set[str]] = defaultdict(set)
    for ppk, fw in pairs:
        firmwares[ppk].add(fw)
    found = evaluate(rules=rules, products=products, firmwares=firmwares)
    result: dict[tuple[int, str], list[FirmwareVulnerability]] = {}
    for (ppk, fw), matches in found.items():
        rows = []
        for vpk, match in matches:
            # A candidate staff have yet to confirm (要確認) is not a fact a document can state.
            if match.method in REVIEW_METHODS:
                continue
            fixed, _url = _fix_of(rules[vpk], products[ppk], fw)
            rows.append(FirmwareVulnerability(vpk, match.vuln_id, match.explanation, fixed))
        result[(ppk, fw)] = sorted(rows, key=lambda row: row.vuln_id)
    return result
