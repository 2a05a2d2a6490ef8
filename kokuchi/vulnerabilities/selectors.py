"""Cross-model reads about vulnerabilities used by the disclosure (S-RISK) and the UI."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from kokuchi.catalog.models import Product
from kokuchi.core.cpe import cpe23_parts
from kokuchi.vulnerabilities.models import (
    EpssScore,
    FeedName,
    FeedRun,
    FeedState,
    KnownExploited,
    Severity,
    Vulnerability,
    VulnerabilityAlias,
)

SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


@dataclass(frozen=True)
class VulnerabilityHistory:
    """A product's own vulnerability record over a period (S-RISK, G5.2-0)."""

    since: datetime.date
    until: datetime.date
    total: int
    by_severity: dict[str, int] = field(default_factory=dict)  # keys: Severity values + "UNKNOWN"
    known_exploited: int = 0
    known_exploited_ids: tuple[str, ...] = ()


def product_cpe_keys(product: Product) -> list[tuple[str, str]]:
    """Return the (vendor, product) pairs named by the product's hardware and firmware CPEs."""
    keys = []
    for cpe in (product.firmware_cpe, product.hardware_cpe):
        if cpe:
            parts = cpe23_parts(cpe)
            keys.append((parts["vendor"], parts["product"]))
    return keys


def product_vulnerabilities(product: Product):
    """Live vulnerabilities that name the product's CPE vendor/product (not version-matched).

    A JVNDB entry whose CVE is also present is left out, so that one flaw counts once.
    """
    keys = product_cpe_keys(product)
    if not keys:
        return Vulnerability.objects.none()
    condition = Q()
    for vendor, name in keys:
        condition |= Q(cpe_index__vendor=vendor, cpe_index__product=name)
    vulns = Vulnerability.objects.live().filter(condition).distinct()
    cve_ids = vulns.filter(vuln_id__startswith="CVE-").values("vuln_id")
    duplicated_jvn = VulnerabilityAlias.objects.filter(
        vulnerability__vuln_id__startswith="JVNDB-", alias_id__in=cve_ids
    ).values("vulnerability_id")
    return vulns.exclude(pk__in=duplicated_jvn)


def product_vulnerability_history(
    product: Product, *, years: int = 3, today: datetime.date | None = None
) -> VulnerabilityHistory | None:
    """Count the product's vulnerabilities published in the last `years` years, by severity,
    and how many are known exploited (CISA KEV). Return None when the product has no CPE or
    no vulnerability data names it at all, so that the caller prints a neutral sentence
    instead of a figure."""
    until = today or timezone.localdate()
    since = (
        until.replace(year=until.year - years)
        if not (until.month == 2 and until.day == 29)
        else until.replace(year=until.year - years, day=28)
    )
    all_vulns = product_vulnerabilities(product)
    if not product_cpe_keys(product) or not all_vulns.exists():
        return None
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
    recent = all_vulns.filter(published__gte=start)
    by_severity = dict.fromkeys([s.value for s in SEVERITY_ORDER] + ["UNKNOWN"], 0)
    ids_by_vuln: list[tuple[str, set[str]]] = []
    for vuln_id, cvss3, cvss4 in recent.values_list("vuln_id", "cvss3_severity", "cvss4_severity"):
        key = cvss3 or cvss4 or "UNKNOWN"
        by_severity[key if key in by_severity else "UNKNOWN"] += 1
        ids_by_vuln.append((vuln_id, {vuln_id}))
    aliases = VulnerabilityAlias.objects.filter(vulnerability__in=recent).values_list(
        "vulnerability__vuln_id", "alias_id"
    )
    alias_map: dict[str, set[str]] = {}
    for vuln_id, alias in aliases:
        alias_map.setdefault(vuln_id, set()).add(alias)
    all_ids = {i for vuln_id, ids in ids_by_vuln for i in ids | alias_map.get(vuln_id, set())}
    kev = set(KnownExploited.objects.filter(cve_id__in=all_ids).values_list("cve_id", flat=True))
    exploited = sorted(vuln_id for vuln_id, ids in ids_by_vuln if (ids | alias_map.get(vuln_id, set())) & kev)
    return VulnerabilityHistory(
        since=since,
        until=until,
        total=len(ids_by_vuln),
        by_severity=by_severity,
        known_exploited=len(exploited),
        known_exploited_ids=tuple(exploited),
    )


@dataclass(frozen=True)
class FeedOverview:
    """One feed as the status page and `kokuchi feeds status` show it."""

    source: str
    label: str
    count: int
    last_run: FeedRun | None
    last_success_at: datetime.datetime | None
    watermark: datetime.datetime | None
    resume_pending: bool
    last_error: str
    recent_runs: tuple[FeedRun, ...] = ()


def feed_overview(*, recent: int = 5) -> list[FeedOverview]:
    """Per feed: stored rows, the last run (sync or import), the sync state and the last error."""
    states = {state.source: state for state in FeedState.objects.all()}
    counts = {
        FeedName.NVD: Vulnerability.objects.filter(source="nvd").count(),
        FeedName.JVN: Vulnerability.objects.filter(source="jvn").count(),
        FeedName.KEV: KnownExploited.objects.count(),
        FeedName.EPSS: EpssScore.objects.count(),
    }
    rows = []
    for name in FeedName:
        runs = tuple(FeedRun.objects.filter(source=name).defer("changed_ids")[:recent])
        state = states.get(name.value)
        last_run = runs[0] if runs else None
        error = (state.last_error if state else "") or (last_run.error if last_run else "")
        rows.append(
            FeedOverview(
                source=name.value,
                label=name.label,
                count=counts[name],
                last_run=last_run,
                last_success_at=state.last_success_at if state else None,
                watermark=state.watermark if state else None,
                resume_pending=bool(state and state.cursor),
                last_error=error,
                recent_runs=runs,
            )
        )
    return rows
