"""Cross-model reads about vulnerabilities used by the disclosure (S-RISK) and the UI."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kokuchi.catalog.models import Product
from kokuchi.core.cpe import cpe23_key
from kokuchi.vulnerabilities.models import (
    AdvisoryDocument,
    AffectedProduct,
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


_LOOKUP_CHUNK = 5000


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for i in range(0, len(ordered), _LOOKUP_CHUNK):
        yield ordered[i : i + _LOOKUP_CHUNK]


def known_exploited(ids: Iterable[str]) -> set[str]:
    """The IDs among `ids` that CISA's KEV catalog lists (KEV names CVE IDs only: pass a
    vulnerability's aliases too, see vulnerability_names)."""
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(KnownExploited.objects.filter(cve_id__in=chunk).values_list("cve_id", flat=True))
    return found


def epss(ids: Iterable[str]) -> dict[str, float]:
    """FIRST's EPSS score of each ID among `ids` that has one (CVE IDs only, like KEV)."""
    scores: dict[str, float] = {}
    for chunk in _chunks(ids):
        scores.update(EpssScore.objects.filter(cve_id__in=chunk).values_list("cve_id", "score"))
    return scores


def known_exploited_entries(ids: Iterable[str]) -> list[KnownExploited]:
    """The KEV entries of `ids`, most recently added first (the catalog's order), for pages and
    notices that show them."""
    entries: list[KnownExploited] = []
    for chunk in _chunks(ids):
        entries.extend(KnownExploited.objects.filter(cve_id__in=chunk))
    return sorted(entries, key=lambda entry: (entry.date_added, entry.cve_id), reverse=True)


def epss_entries(ids: Iterable[str]) -> list[EpssScore]:
    """The EPSS rows of `ids`, by CVE ID."""
    entries: list[EpssScore] = []
    for chunk in _chunks(ids):
        entries.extend(EpssScore.objects.filter(cve_id__in=chunk))
    return sorted(entries, key=lambda entry: entry.cve_id)


def vulnerability_names(vuln_pks: Iterable[int]) -> dict[int, set[str]]:
    """Every ID each vulnerability is known by: its own and its aliases (a JVNDB entry is known
    exploited, or scored by EPSS, through the CVE IDs it names)."""
    pks = sorted(set(vuln_pks))
    names: dict[int, set[str]] = {}
    for i in range(0, len(pks), _LOOKUP_CHUNK):
        chunk = pks[i : i + _LOOKUP_CHUNK]
        for pk, vuln_id in Vulnerability.objects.filter(pk__in=chunk).values_list("pk", "vuln_id"):
            names.setdefault(pk, set()).add(vuln_id)
        for pk, alias in VulnerabilityAlias.objects.filter(vulnerability_id__in=chunk).values_list(
            "vulnerability_id", "alias_id"
        ):
            names.setdefault(pk, set()).add(alias)
    return names


# ---- Japanese titles: NVD publishes English only; JVN iPedia translates most entries that concern
# Japanese products and names the CVE IDs it covers (VulnerabilityAlias rows of the JVNDB entry).


def _jvn_entries_citing(**alias_filter) -> QuerySet[VulnerabilityAlias]:
    """Aliases naming the CVE IDs of `alias_filter` whose JVN iPedia entry is live and has a Japanese
    title, the oldest JVNDB ID first (when several cite a CVE, the original advisory names it)."""
    return (
        VulnerabilityAlias.objects.filter(
            vulnerability__vuln_id__startswith="JVNDB-", vulnerability__withdrawn=False, **alias_filter
        )
        .exclude(vulnerability__title_ja="")
        .order_by("alias_id", "vulnerability__vuln_id")
    )


def with_jvn_titles(queryset: QuerySet, *, vuln_id_field: str = "vuln_id") -> QuerySet:
    """Add to each vulnerability row, in the same query, the Japanese title of the JVN iPedia entry that
    cites its CVE (``jvn_title_ja``) and that entry's ID (``jvn_title_id``); None when none cites it.

    Vulnerability.title, japanese_title and japanese_title_source read them, so a list loaded through
    here shows JVN's Japanese title for an NVD entry without one query per row.
    """
    citing = _jvn_entries_citing(alias_id=OuterRef(vuln_id_field))
    return queryset.annotate(
        jvn_title_ja=Subquery(citing.values("vulnerability__title_ja")[:1]),
        jvn_title_id=Subquery(citing.values("vulnerability__vuln_id")[:1]),
    )


def jvn_titles(vuln_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """For the CVE IDs among `vuln_ids` that a JVN iPedia entry cites: (Japanese title, JVNDB ID), by CVE
    ID; one query per 5,000 IDs."""
    found: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(vuln_id for vuln_id in vuln_ids if vuln_id.startswith("CVE-")):
        rows = _jvn_entries_citing(alias_id__in=chunk).values_list(
            "alias_id", "vulnerability__title_ja", "vulnerability__vuln_id"
        )
        for cve_id, title, jvn_id in rows:
            found.setdefault(cve_id, (title, jvn_id))
    return found


def attach_jvn_titles(vulnerabilities: Iterable[Vulnerability]) -> None:
    """Give already loaded vulnerabilities (those of a page's exposures or work items) what
    with_jvn_titles would have annotated, in one query for the whole list."""
    vulnerabilities = list(vulnerabilities)
    titles = jvn_titles(vuln.vuln_id for vuln in vulnerabilities)
    for vuln in vulnerabilities:
        vuln.jvn_title_ja, vuln.jvn_title_id = titles.get(vuln.vuln_id, (None, None))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class VulnerabilityHistory:
    """A product's own vulnerability record over a period (S-RISK, G5.2-0)."""

    since: datetime.date
    until: datetime.date
    total: int
    by_severity: dict[str, int] = field(default_factory=dict)  # keys: Severity values + "UNKNOWN"
    known_exploited: int = 0
    known_exploited_ids: tuple[str, ...] = ()


class ProductCpes(Protocol):
    """A catalogue product as far as vulnerabilities concern it: its firmware and hardware CPEs."""

    @property
    def firmware_cpe(self) -> str: ...

    @property
    def hardware_cpe(self) -> str: ...


def product_cpe_keys(product: ProductCpes) -> set[tuple[str, str]]:
    """Return the (vendor, product) pairs named by the product's firmware and hardware CPEs, as
    the vulnerability CPE index writes them (lower-cased); a value that is not a CPE 2.3
    formatted string names nothing."""
    keys = set()
    for value in (product.firmware_cpe, product.hardware_cpe):
        key = cpe23_key(value) if value else None
        if key is not None:
            keys.add(key[1:])
    return keys


def product_vulnerabilities(product: Product) -> QuerySet[Vulnerability]:
    """Live vulnerabilities that name the product's CPE vendor/product (not version-matched).

    A JVNDB entry whose CVE is also present is left out, so that one flaw counts once.
    """
    keys = product_cpe_keys(product)
    if not keys:
        return Vulnerability.objects.none()
    condition = Q()
    for vendor, name in sorted(keys):
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
    kev = known_exploited(all_ids)
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
        FeedName.CSAF: AdvisoryDocument.objects.filter(source=FeedName.CSAF).count(),
        FeedName.CVE5: AdvisoryDocument.objects.filter(source=FeedName.CVE5).count(),
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


@dataclass(frozen=True)
class UnparsedVersionText:
    """A JVN version text matching could not turn into ranges: how often it occurs and where."""

    text: str
    affected_products: int
    vulnerabilities: int
    example_ids: tuple[str, ...]


def unparsed_version_texts(*, examples: int = 3) -> list[UnparsedVersionText]:
    """The distinct JVN version texts stored as not understood ("version range unknown", S-VULN),
    most frequent first; the empty text (JVN named no version) is included as ""."""
    counts: dict[str, int] = {}
    vulns: dict[str, set[str]] = {}
    rows = (
        AffectedProduct.objects.filter(ranges_parsed=False, vulnerability__withdrawn=False)
        .values_list("version_text", "vulnerability__vuln_id")
        .iterator(chunk_size=5000)
    )
    for text, vuln_id in rows:
        counts[text] = counts.get(text, 0) + 1
        vulns.setdefault(text, set()).add(vuln_id)
    ordered = sorted(counts, key=lambda text: (-counts[text], text))
    return [
        UnparsedVersionText(text, counts[text], len(vulns[text]), tuple(sorted(vulns[text])[:examples]))
        for text in ordered
    ]


def kept_fresh_feeds() -> list[str]:
    """The feeds this installation keeps current online: NVD, JVN iPedia, KEV and EPSS always, vendors'
    CSAF advisories when providers are configured. CVE JSON 5 records are imported by hand only."""
    feeds = [FeedName.NVD, FeedName.JVN, FeedName.KEV, FeedName.EPSS]
    if getattr(settings, "CSAF_PROVIDERS", None):
        feeds.append(FeedName.CSAF)
    return [str(feed.value) for feed in feeds]


@dataclass(frozen=True)
class FeedCoverage:
    """One feed as a document states its coverage: records held, last successful sync or
    import, and whether that is recent enough (S-RISK)."""

    source: str
    label: str
    records: int
    last_success_at: datetime.datetime | None
    fresh: bool


def feed_coverage(
    *, sources: Iterable[str], now: datetime.datetime, max_age: datetime.timedelta
) -> tuple[FeedCoverage, ...]:
    """Per feed of `sources`: stored records and the end of the last successful sync or offline
    import; `fresh` when that is within `max_age` of `now` (never loaded: not fresh)."""
    wanted = [name for name in sources if name in FeedName.values]
    synced = dict(
        FeedState.objects.filter(source__in=wanted, last_success_at__isnull=False).values_list(
            "source", "last_success_at"
        )
    )
    imported: dict[str, datetime.datetime] = {}
    for source, finished in (
        FeedRun.objects.filter(source__in=wanted, status__in=("success", "not_modified"), finished_at__isnull=False)
        .order_by()
        .values_list("source", "finished_at")
    ):
        if finished is not None and (source not in imported or finished > imported[source]):
            imported[source] = finished
    counts = {
        FeedName.NVD: lambda: Vulnerability.objects.filter(source="nvd").count(),
        FeedName.JVN: lambda: Vulnerability.objects.filter(source="jvn").count(),
        FeedName.KEV: lambda: KnownExploited.objects.count(),
        FeedName.EPSS: lambda: EpssScore.objects.count(),
        FeedName.CSAF: lambda: AdvisoryDocument.objects.filter(source=FeedName.CSAF).count(),
        FeedName.CVE5: lambda: AdvisoryDocument.objects.filter(source=FeedName.CVE5).count(),
    }
    rows = []
    for name in wanted:
        times = [t for t in (synced.get(name), imported.get(name)) if t is not None]
        last = max(times) if times else None
        rows.append(
            FeedCoverage(
                source=name,
                label=FeedName(name).label,
                records=counts[FeedName(name)](),
                last_success_at=last,
                fresh=last is not None and now - last <= max_age,
            )
        )
    return tuple(rows)
