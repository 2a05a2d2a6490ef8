"""The per-device fact sheet behind every section of the disclosure (告知書).

For each delivered device (one serial number) it holds what the document may state: the product,
its own firmware at sale (G5.1-3), the latest firmware Kokuchi knows at issue, the maker's source
of vulnerability information (G5.2-3), who does each task (G2, G5.3), its JC-STAR label (G5.1-5),
its scope (G4), and the vulnerabilities that match the firmware it was delivered with (S-RISK),
with the coverage of the feeds they come from. Before delivery (no device yet) each in-scope
deal line stands for its units, with the product's latest firmware as the planned version.

The matrix, the sections, the pre-issue check (`checks`) and the comparison of versions all read
this one structure, so two sections cannot say different things about one device.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from kokuchi.catalog.models import JcStarLevel, Manufacturer, Product, ServicePlan
from kokuchi.core.models import Reseller
from kokuchi.deals.models import Deal, ProposalResponse
from kokuchi.devices.models import Device
from kokuchi.disclosures import content
from kokuchi.disclosures.models import FirmwareUnknown
from kokuchi.exposures.selectors import firmware_vulnerabilities
from kokuchi.exposures.versions import compare_versions
from kokuchi.vulnerabilities.models import Severity, Vulnerability
from kokuchi.vulnerabilities.selectors import (
    FeedCoverage,
    feed_coverage,
    known_exploited,
    vulnerability_names,
    with_jvn_titles,
)

MAX_SERIALS_PER_ROW = 12
_LEGAL_FORMS = re.compile(r"株式会社|有限会社|合同会社|\(株\)|（株）")


# ---------------------------------------------------------------------------- coverage (S-RISK)


@dataclass(frozen=True)
class Coverage:
    """What the statements about known vulnerabilities rest on: the feeds, their records and
    their last successful synchronisation, as of the issue time."""

    checked_at: datetime.datetime
    feeds: tuple[FeedCoverage, ...]
    max_age_hours: int

    @property
    def loaded(self) -> tuple[FeedCoverage, ...]:
        return tuple(feed for feed in self.feeds if feed.last_success_at is not None)

    @property
    def fresh(self) -> bool:
        """Every configured feed was synchronised within the threshold."""
        return bool(self.feeds) and all(feed.fresh for feed in self.feeds)

    @property
    def stale(self) -> tuple[FeedCoverage, ...]:
        return tuple(feed for feed in self.feeds if not feed.fresh)

    @property
    def sources_label(self) -> str:
        return "、".join(feed.label for feed in self.loaded) or "なし"

    @property
    def last_synchronised(self) -> datetime.datetime | None:
        times = [feed.last_success_at for feed in self.loaded if feed.last_success_at is not None]
        return min(times) if times else None


def load_coverage(*, at: datetime.datetime) -> Coverage:
    hours = settings.DISCLOSURE_FEED_MAX_AGE_HOURS
    feeds = feed_coverage(sources=settings.DISCLOSURE_FEED_SOURCES, now=at, max_age=datetime.timedelta(hours=hours))
    return Coverage(checked_at=at, feeds=feeds, max_age_hours=hours)


# ---------------------------------------------------------------------------- per device


@dataclass(frozen=True)
class KnownVulnerability:
    """A vulnerability matching a device's firmware at sale, as the document names it."""

    vuln_id: str
    other_ids: tuple[str, ...]
    title: str
    severity: str
    score: str
    known_exploited: bool
    fixed_version: str
    source_label: str
    url: str
    # The Japanese title and the JVN iPedia entry it comes from (empty when JVN has none for this CVE).
    japanese_title: str = ""
    japanese_title_source: str = ""

    @property
    def critical(self) -> bool:
        return self.severity == Severity.CRITICAL

    @property
    def severity_label(self) -> str:
        return content.SEVERITY_LABELS_JA.get(self.severity, "深刻度不明")


@dataclass(frozen=True)
class MakerSource:
    """Where the customer finds the maker's vulnerability information (G5.2-3): the confirmed
    advisory page; otherwise the maker's support/firmware page and a JVN iPedia search."""

    maker_name: str
    advisory_url: str
    support_url: str
    jvn_keyword: str
    confirmed: bool


@dataclass
class DeviceFacts:
    """Everything the disclosure states about one device (or, before delivery, one line)."""

    device_pk: int | None
    serial_number: str
    quantity: int
    product: Product
    maker: MakerSource
    firmware_at_sale: str
    firmware_unknown_reason: str
    firmware_planned: bool  # before delivery: the product's latest firmware is the planned version
    latest_firmware: str
    latest_firmware_date: datetime.date | None
    responsible: dict[str, frozenset[str]]
    basis: tuple[str, ...]
    jc_star_valid: bool
    jc_star_level_label: str
    matchable: bool
    vulnerabilities: tuple[KnownVulnerability, ...] = ()

    @property
    def firmware_behind(self) -> bool:
        if not self.firmware_at_sale or not self.latest_firmware or self.firmware_planned:
            return False
        return compare_versions(self.firmware_at_sale, self.latest_firmware) < 0

    @property
    def known_exploited(self) -> tuple[KnownVulnerability, ...]:
        return tuple(v for v in self.vulnerabilities if v.known_exploited)

    @property
    def customer_tasks(self) -> tuple[str, ...]:
        return tuple(task for task, _label in content.TASKS if "customer" in self.responsible[task])

    def share_key(self) -> tuple:
        """Everything printed about the device except its serial number: devices with equal keys
        may share one row; devices that differ never do."""
        return (
            self.product.pk,
            self.firmware_at_sale,
            self.firmware_unknown_reason,
            self.firmware_planned,
            tuple(sorted((task, tuple(sorted(parties))) for task, parties in self.responsible.items())),
            self.basis,
            self.vulnerabilities,
        )


@dataclass
class FactRow:
    """Devices with identical facts, printed as one row naming every serial number."""

    facts: DeviceFacts
    serial_numbers: list[str] = field(default_factory=list)
    device_pks: list[int] = field(default_factory=list)
    quantity: int = 0

    @property
    def product(self) -> Product:
        return self.facts.product

    @property
    def responsible_labels(self) -> list[str]:
        labels = dict(content.PARTIES_SHORT)
        return [
            "・".join(labels[party] for party, _label in content.PARTIES if party in self.facts.responsible[task])
            for task, _task_label in content.TASKS
        ]


@dataclass
class FactSheet:
    """The fact sheet of one deal as of one time."""

    deal: Deal
    at: datetime.datetime
    reseller: Reseller
    devices: list[DeviceFacts]
    coverage: Coverage
    delivered: bool

    @property
    def rows(self) -> list[FactRow]:
        """Devices with identical facts share a row, at most MAX_SERIALS_PER_ROW to a row: a row
        never breaks across pages, so table headers repeat on every page."""
        groups: dict[tuple, list[FactRow]] = {}
        for facts in self.devices:
            chunks = groups.setdefault(facts.share_key(), [])
            if not chunks or len(chunks[-1].serial_numbers) >= MAX_SERIALS_PER_ROW:
                chunks.append(FactRow(facts=facts))
            row = chunks[-1]
            if facts.serial_number:
                row.serial_numbers.append(facts.serial_number)
            if facts.device_pk is not None:
                row.device_pks.append(facts.device_pk)
            row.quantity += facts.quantity
        return [row for chunks in groups.values() for row in chunks]

    @property
    def firmware_rows(self) -> list[FactRow]:
        """Devices grouped by product and firmware at sale only: what the vulnerabilities depend
        on (S-RISK), whatever their contracts."""
        groups: dict[tuple, FactRow] = {}
        for facts in self.devices:
            key = (facts.product.pk, facts.firmware_at_sale, facts.firmware_unknown_reason, facts.firmware_planned)
            row = groups.setdefault(key, FactRow(facts=facts))
            if facts.serial_number:
                row.serial_numbers.append(facts.serial_number)
            if facts.device_pk is not None:
                row.device_pks.append(facts.device_pk)
            row.quantity += facts.quantity
        return list(groups.values())

    @property
    def products(self) -> list[Product]:
        seen: dict[int, Product] = {}
        for facts in self.devices:
            seen.setdefault(facts.product.pk, facts.product)
        return list(seen.values())

    @property
    def makers(self) -> list[tuple[Product, MakerSource]]:
        """One row per product: its maker's source (printed in G5.2-3)."""
        return [(facts.product, facts.maker) for facts in {f.product.pk: f for f in self.devices}.values()]

    @property
    def matchable(self) -> bool:
        return any(facts.matchable for facts in self.devices)

    @property
    def customer_tasks(self) -> tuple[str, ...]:
        """Tasks the customer does for at least one device (G5.3), in the matrix's order."""
        wanted = {task for facts in self.devices for task in facts.customer_tasks}
        return tuple(task for task, _label in content.TASKS if task in wanted)

    def included_tasks(self) -> set[str]:
        """Tasks a plan or contract covers for every device (the paid-services list marks them
        as included instead of pricing them)."""
        if not self.devices:
            return set()
        return {
            task
            for task, _label in content.TASKS
            if all("customer" not in facts.responsible[task] for facts in self.devices)
        }

    def partly_included_tasks(self) -> set[str]:
        """Tasks a plan or contract covers for some devices only."""
        return {
            task
            for task, _label in content.TASKS
            if any("customer" not in facts.responsible[task] for facts in self.devices)
        } - self.included_tasks()


def customer_maker_source(manufacturer: Manufacturer) -> MakerSource:
    name = manufacturer.customer_name
    confirmed = not manufacturer.needs_confirmation
    return MakerSource(
        maker_name=name,
        advisory_url=manufacturer.vulnerability_info_url if confirmed else "",
        support_url=manufacturer.support_url,
        jvn_keyword=_LEGAL_FORMS.sub("", name).strip() or name,
        confirmed=confirmed,
    )


def _responsibility(
    plans: list[tuple[ServicePlan, str]], reseller: Reseller
) -> tuple[dict[str, frozenset[str]], tuple[str, ...]]:
    """A task is the plan provider's when an accepted plan or an active contract covers it, the
    customer's otherwise (G2, G5.3)."""
    responsible: dict[str, set[str]] = {task: set() for task, _label in content.TASKS}
    basis = []
    for plan, source in plans:
        party = "third_party" if plan.is_third_party else "reseller"
        for task in content.PLAN_TASKS.get(plan.kind, frozenset()):
            responsible[task].add(party)
        provider = plan.provider_name if plan.is_third_party else reseller.company_name
        basis.append(f"{source}：{plan.name}（{provider}）")
    return {task: frozenset(parties or {"customer"}) for task, parties in responsible.items()}, tuple(basis)


def _jc_star_label(product: Product) -> str:
    return JcStarLevel(product.jc_star_level).label if product.jc_star_level else ""


def _known_vulnerabilities(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[KnownVulnerability, ...]]:
    """The vulnerabilities matching each (product, firmware at sale), known-exploited first, then
    by severity and ID."""
    found = firmware_vulnerabilities(pairs)
    vuln_pks = {row.vulnerability_pk for rows in found.values() for row in rows}
    if not vuln_pks:
        return {}
    names = vulnerability_names(vuln_pks)
    kev = known_exploited({name for group in names.values() for name in group})
    vulns = {v.pk: v for v in with_jvn_titles(Vulnerability.objects.filter(pk__in=vuln_pks))}
    rank = {severity: index for index, severity in enumerate(content.SEVERITY_ORDER)}
    result = {}
    for pair, rows in found.items():
        items = []
        for row in rows:
            vuln = vulns[row.vulnerability_pk]
            others = tuple(sorted(names.get(vuln.pk, set()) - {vuln.vuln_id}))
            score = vuln.base_score
            items.append(
                KnownVulnerability(
                    vuln_id=vuln.vuln_id,
                    other_ids=others,
                    title=vuln.title,
                    severity=vuln.severity,
                    score=f"{score}" if score is not None else "",
                    known_exploited=bool(names.get(vuln.pk, {vuln.vuln_id}) & kev),
                    fixed_version=row.fixed_version,
                    source_label="JVN iPedia" if vuln.source == "jvn" else "NVD",
                    url=vuln.url,
                    japanese_title=vuln.japanese_title,
                    japanese_title_source=vuln.japanese_title_source,
                )
            )
        items.sort(key=lambda v: (not v.known_exploited, rank.get(v.severity, len(rank)), v.vuln_id))
        result[pair] = tuple(items)
    return result


def build_fact_sheet(*, deal: Deal, at: datetime.datetime | None = None) -> FactSheet:
    """Build the fact sheet of `deal` as of `at` (now by default)."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    reseller = Reseller.get()
    accepted = [
        (proposal.plan, "ご契約のプラン")
        for proposal in deal.proposed_plans.select_related("plan")
        if proposal.response == ProposalResponse.ACCEPTED
    ]
    devices = [
        device
        for device in Device.objects.filter(deal=deal)
        .select_related("product__manufacturer")
        .prefetch_related("contracts__plan")
        .order_by("product__model_number", "serial_number")
        if device.product.in_scope
    ]
    unknown = dict(
        FirmwareUnknown.objects.filter(device__in=[d.pk for d in devices]).values_list("device_id", "reason")
    )
    sources: dict[int, MakerSource] = {}

    def maker(product: Product) -> MakerSource:
        if product.manufacturer_id not in sources:
            sources[product.manufacturer_id] = customer_maker_source(product.manufacturer)
        return sources[product.manufacturer_id]

    facts: list[DeviceFacts] = []
    for device in devices:
        contracts = [
            (contract.plan, f"保守契約 {contract.contract_number or contract.pk}")
            for contract in device.contracts.all()
            if contract.covers_on(day)
        ]
        responsible, basis = _responsibility(accepted + contracts, reseller)
        product = device.product
        facts.append(
            DeviceFacts(
                device_pk=device.pk,
                serial_number=device.serial_number,
                quantity=1,
                product=product,
                maker=maker(product),
                firmware_at_sale=device.firmware_at_sale,
                firmware_unknown_reason="" if device.firmware_at_sale else unknown.get(device.pk, ""),
                firmware_planned=False,
                latest_firmware=product.latest_firmware,
                latest_firmware_date=product.latest_firmware_date,
                responsible=responsible,
                basis=basis,
                jc_star_valid=product.jc_star_valid_on(day),
                jc_star_level_label=_jc_star_label(product),
                matchable=bool(product.firmware_cpe or product.hardware_cpe),
            )
        )
    # Units of a line not (yet) delivered as devices: one row per product, with the product's
    # latest firmware as the planned version and the accepted plans as the split.
    delivered: dict[int, int] = defaultdict(int)
    for device in devices:
        delivered[device.product_id] += 1
    ordered: dict[int, tuple[Product, int]] = {}
    for line in deal.lines.select_related("product__manufacturer").order_by("position", "pk"):
        if line.product.in_scope:
            product, quantity = ordered.get(line.product_id, (line.product, 0))
            ordered[line.product_id] = (product, quantity + line.quantity)
    responsible, basis = _responsibility(accepted, reseller)
    for product_pk, (product, quantity) in ordered.items():
        pending = quantity - delivered[product_pk]
        if pending <= 0:
            continue
        facts.append(
            DeviceFacts(
                device_pk=None,
                serial_number="",
                quantity=pending,
                product=product,
                maker=maker(product),
                firmware_at_sale=product.latest_firmware,
                firmware_unknown_reason="",
                firmware_planned=True,
                latest_firmware=product.latest_firmware,
                latest_firmware_date=product.latest_firmware_date,
                responsible=responsible,
                basis=basis,
                jc_star_valid=product.jc_star_valid_on(day),
                jc_star_level_label=_jc_star_label(product),
                matchable=bool(product.firmware_cpe or product.hardware_cpe),
            )
        )
    pairs = {(f.product.pk, f.firmware_at_sale) for f in facts if f.matchable and f.firmware_at_sale}
    known = _known_vulnerabilities(pairs)
    for f in facts:
        f.vulnerabilities = known.get((f.product.pk, f.firmware_at_sale), ())
    return FactSheet(
        deal=deal,
        at=at,
        reseller=reseller,
        devices=facts,
        coverage=load_coverage(at=at),
        delivered=bool(devices),
    )


def snapshot(sheet: FactSheet, *, clause: str) -> dict:
    """The facts an issued version keeps, to tell the next version what changed."""
    return {
        "devices": {
            (f.serial_number or f"{f.product.model_number}×{f.quantity}"): {
                "product": f"{f.maker.maker_name} {f.product.model_number}",
                "firmware": f.firmware_at_sale,
            }
            for f in sheet.devices
        },
        "plans": {
            proposal.plan.name: proposal.response
            for proposal in sheet.deal.proposed_plans.select_related("plan").order_by("pk")
        },
        "responsibility": {
            (f.serial_number or f.product.model_number): {t: sorted(p) for t, p in f.responsible.items()}
            for f in sheet.devices
        },
        "clause": clause,
    }


def describe_changes(previous: dict, current: dict) -> list[str]:
    """Short Japanese sentences naming what changed between two snapshots (devices added or
    removed, firmware changed, plans changed, task split changed, clause changed)."""
    changes: list[str] = []
    old_devices, new_devices = previous.get("devices", {}), current.get("devices", {})
    for key in sorted(set(new_devices) - set(old_devices)):
        changes.append(f"機器を追加：{new_devices[key]['product']}（S/N {key}）")
    for key in sorted(set(old_devices) - set(new_devices)):
        changes.append(f"機器を削除：{old_devices[key]['product']}（S/N {key}）")
    for key in sorted(set(old_devices) & set(new_devices)):
        before, after = old_devices[key]["firmware"], new_devices[key]["firmware"]
        if before != after:
            changes.append(f"販売時点のファームウェアを訂正：S/N {key} {before or '未登録'} → {after or '未登録'}")
    old_plans, new_plans = previous.get("plans", {}), current.get("plans", {})
    labels = content.RESPONSE_LABELS_JA
    for name in sorted(set(old_plans) | set(new_plans)):
        before, after = old_plans.get(name), new_plans.get(name)
        if before != after:
            changes.append(
                f"プラン「{name}」：{labels.get(before, 'ご提案なし') if before else 'ご提案なし'}"
                f" → {labels.get(after, 'ご提案なし') if after else 'ご提案なし'}"
            )
    if previous.get("responsibility", {}) != current.get("responsibility", {}) and not any(
        change.startswith(("機器を", "プラン")) for change in changes
    ):
        changes.append("作業の分担（責任分界）を更新")
    if previous.get("clause") and previous.get("clause") != current.get("clause"):
        changes.append("見積・契約条件に関する記載を変更")
    return changes or ["記載内容の変更はありません（再発行）"]


def group_by_product(rows: list[FactRow]) -> dict[int, list[FactRow]]:
    grouped: dict[int, list[FactRow]] = defaultdict(list)
    for row in rows:
        grouped[row.product.pk].append(row)
    return grouped
