"""Match runs: the installed base matched against vulnerabilities, recorded as MatchRun rows (S-VULN).

Scale: devices share (product, firmware), so matching evaluates every distinct
(product, current_firmware) pair once against the vulnerabilities whose CPE index names the
product's vendor/product (VulnerabilityCpe), then fans the result out to the devices.

Entry points:

* ``match_changed_vulnerabilities(vuln_ids=...)`` — after each committed feed import (receiver of
  ``vulnerabilities.signals.vulnerabilities_changed``).
* ``match_vulnerabilities_changed_since_last_run()`` — the same, driven by
  ``Vulnerability.changed_at`` and the last successful MatchRun (used by ``kokuchi match``).
* ``on_device_firmware_changed(device=...)`` — after the devices app's ``record_firmware_update``
  (receiver of ``devices.signals.firmware_changed``).
* ``match_all(notify=...)`` — ``kokuchi match --full``: recompute everything, return the diff.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from kokuchi.catalog.models import Product
from kokuchi.devices.models import Device
from kokuchi.exposures.followup import act_on_new_exposures
from kokuchi.exposures.matching import Match
from kokuchi.exposures.models import (
    Exposure,
    FirmwareFinding,
    MatchRun,
    MatchRunKind,
)
from kokuchi.exposures.reconcile import (
    FINDING_COLUMNS,
    MatchDiff,
    Scope,
    full_candidates,
    reconcile_exposures,
    sync_findings,
)
from kokuchi.exposures.rules import (
    ProductInfo,
    Rule,
    candidate_vulnerability_pks,
    evaluate,
    expand_targets,
    load_products,
    load_rules,
    priorities_for,
    unanalysed_vulnerability_pks,
)
from kokuchi.exposures.signals import exposures_opened, exposures_resolved
from kokuchi.vulnerabilities.models import (
    Vulnerability,
    VulnerabilityCpe,
)

logger = logging.getLogger(__name__)


PRODUCT_BATCH = 300


def _start_run(kind: str) -> MatchRun:
    return MatchRun.objects.create(kind=kind, started_at=timezone.now())


def _finish_run(run: MatchRun, diff: MatchDiff) -> None:
    run.finished_at = timezone.now()
    run.succeeded = True
    run.vulnerabilities_examined = diff.vulnerabilities_examined
    run.pairs_evaluated = diff.pairs_evaluated
    run.created = len(diff.created)
    run.reopened = len(diff.reopened)
    run.updated = diff.updated
    run.resolved = len(diff.resolved_by_update) + len(diff.no_longer_matches)
    run.unchanged = diff.unchanged
    run.save()


def _fail_run(run: MatchRun, error: BaseException) -> None:
    MatchRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=repr(error)[:2000])


def _announce_on_commit(diff: MatchDiff) -> None:
    opened = list(diff.newly_open)
    resolved = [*diff.resolved_by_update, *diff.no_longer_matches]
    if opened:
        transaction.on_commit(lambda: exposures_opened.send(sender=Exposure, exposure_pks=opened))
    if resolved:
        transaction.on_commit(lambda: exposures_resolved.send(sender=Exposure, exposure_pks=resolved))


def _run(kind: str, body: Callable[[], MatchDiff], *, notify: bool, today: datetime.date | None) -> MatchDiff:
    """Run `body` (which returns a MatchDiff) in one transaction, recorded as a MatchRun."""
    run = _start_run(kind)
    try:
        with transaction.atomic():
            diff = body()
            if notify:
                act_on_new_exposures(exposure_pks=diff.newly_open, today=today)
            _finish_run(run, diff)
            _announce_on_commit(diff)
    except Exception as error:
        _fail_run(run, error)
        raise
    return diff


def _pair_counts(devices: QuerySet[Device]) -> dict[tuple[int, str], int]:
    """Devices per (product, current firmware) of a Device queryset."""
    return {
        (ppk, fw): n
        for ppk, fw, n in devices.order_by().values_list("product_id", "current_firmware").annotate(n=Count("pk"))
    }


def _expected(desired: dict[tuple[int, str, int], Match], counts: dict[tuple[int, str], int]) -> int:
    return sum(counts.get((ppk, fw), 0) for ppk, fw, _v in desired)


def _findings(matches: dict[tuple[int, str], list[tuple[int, Match]]]) -> dict[tuple[int, str, int], Match]:
    return {(ppk, fw, vpk): found for (ppk, fw), found_list in matches.items() for vpk, found in found_list}


def match_devices(*, device_pks: Iterable[int], notify: bool = True, today: datetime.date | None = None) -> MatchDiff:
    """Re-match the given devices against every candidate vulnerability (changed devices)."""
    pks = tuple(sorted(set(device_pks)))

    def body() -> MatchDiff:
        counts = _pair_counts(Device.objects.filter(pk__in=pks))
        rows = list(counts)
        products = load_products({r[0] for r in rows})
        keys = set().union(*(p.keys for p in products.values())) if products else set()
        rules = load_rules(candidate_vulnerability_pks(keys) | unanalysed_vulnerability_pks())
        firmwares: dict[int, set[str]] = defaultdict(set)
        for ppk, fw in rows:
            firmwares[ppk].add(fw)
        desired = _findings(evaluate(rules=rules, products=products, firmwares=firmwares))
        existing: list[tuple[Any, ...]] = []
        for ppk, fws in firmwares.items():
            existing += FirmwareFinding.objects.filter(product_id=ppk, firmware__in=fws).values_list(*FINDING_COLUMNS)
        sync_findings(desired=desired, priorities=priorities_for({k[2] for k in desired}), existing=existing)
        diff = reconcile_exposures(Scope(device_pks=pks), timezone.now(), expected=_expected(desired, counts))
        diff.vulnerabilities_examined = len(rules)
        diff.pairs_evaluated = len(rows)
        return diff

    return _run(MatchRunKind.DEVICES, body, notify=notify, today=today)


def on_device_firmware_changed(*, device: Device, notify: bool = True) -> MatchDiff:
    """Re-match one device after its firmware changed: exposures it left are resolved by the
    update (with history), new ones open. Call after devices' ``record_firmware_update``."""
    return match_devices(device_pks=[device.pk], notify=notify)


def match_vulnerabilities(
    *,
    vuln_pks: set[int],
    notify: bool = True,
    today: datetime.date | None = None,
    kind: str = MatchRunKind.VULNERABILITIES,
) -> MatchDiff:
    """Re-match the given vulnerabilities (and those linked to them by aliases) on all devices."""

    def body() -> MatchDiff:
        if _nothing_to_match():
            return MatchDiff()
        targets = expand_targets(set(vuln_pks))
        rules = load_rules(targets)
        keys = set().union(*(r.keys for r in rules.values())) if rules else set()
        product_pks = _product_pks_for_keys(keys)
        products = load_products(product_pks)
        counts = _pair_counts(Device.objects.filter(product_id__in=product_pks))
        firmwares: dict[int, set[str]] = defaultdict(set)
        for ppk, fw in counts:
            firmwares[ppk].add(fw)
        desired = _findings(evaluate(rules=rules, products=products, firmwares=firmwares))
        target_list = sorted(targets)
        existing: list[tuple[Any, ...]] = []
        for i in range(0, len(target_list), 2000):
            existing += FirmwareFinding.objects.filter(vulnerability_id__in=target_list[i : i + 2000]).values_list(
                *FINDING_COLUMNS
            )
        sync_findings(desired=desired, priorities=priorities_for(targets), existing=existing)
        diff = reconcile_exposures(
            Scope(vulnerability_pks=tuple(target_list)), timezone.now(), expected=_expected(desired, counts)
        )
        diff.vulnerabilities_examined = len(rules)
        diff.pairs_evaluated = sum(len(v) for v in firmwares.values())
        return diff

    return _run(kind, body, notify=notify, today=today)


def _product_pks_for_keys(keys: set[tuple[str, str]]) -> set[int]:
    if not keys:
        return set()
    pks = set()
    for pk, fw, hw in Product.objects.exclude(firmware_cpe="", hardware_cpe="").values_list(
        "pk", "firmware_cpe", "hardware_cpe"
    ):
        if ProductInfo(pk, fw, hw, "").keys & keys:
            pks.add(pk)
    return pks


def _nothing_to_match() -> bool:
    """No device, finding or exposure: a match can neither find nor resolve anything. Typically
    the first full feed import, which calls the hook once per file: building the rules of every
    changed vulnerability (or even looking up their ids) would cost more than the import itself
    and could only yield an empty result."""
    return not (Device.objects.exists() or FirmwareFinding.objects.exists() or Exposure.objects.exists())


def match_changed_vulnerabilities(*, vuln_ids: set[str]) -> MatchDiff:
    """Feed-import hook: match the vulnerabilities whose IDs changed in a committed import."""
    if vuln_ids and _nothing_to_match():
        return match_vulnerabilities(vuln_pks=set())  # recorded as a run that examined nothing
    pks = set(Vulnerability.objects.filter(vuln_id__in=list(vuln_ids)).values_list("pk", flat=True))
    if not pks:
        return MatchDiff()
    return match_vulnerabilities(vuln_pks=pks)


def match_vulnerabilities_changed_since_last_run(*, notify: bool = True) -> MatchDiff:
    """Match every vulnerability whose ``changed_at`` is after the start of the last successful
    run (all of them when there was none)."""
    last = MatchRun.objects.filter(succeeded=True).order_by("-started_at").first()
    qs = Vulnerability.objects.all()
    if last is not None:
        qs = qs.filter(changed_at__gte=last.started_at)
    return match_vulnerabilities(vuln_pks=set(qs.values_list("pk", flat=True)), notify=notify)


def match_changed_since_last_run(*, notify: bool = True) -> tuple[MatchDiff, MatchDiff | None]:
    """The incremental run of ``kokuchi match``: vulnerabilities changed since the last successful
    run, then devices created or edited since then (new deliveries, imports, a changed product or
    customer). Without an earlier run the first step already covers every device."""
    last = MatchRun.objects.filter(succeeded=True).order_by("-started_at").first()
    vulnerabilities = match_vulnerabilities_changed_since_last_run(notify=notify)
    if last is None:
        return vulnerabilities, None
    changed_devices = set(Device.objects.filter(updated_at__gte=last.started_at).values_list("pk", flat=True))
    devices = match_devices(device_pks=changed_devices, notify=notify) if changed_devices else None
    return vulnerabilities, devices


def match_all(*, notify: bool = True, today: datetime.date | None = None) -> MatchDiff:
    """Recompute every exposure (``kokuchi match --full``) and return the difference.

    Every distinct (product, firmware) pair is evaluated once against the candidate
    vulnerabilities of its product's vendor/product keys; findings replace FirmwareFinding and
    exposures are reconciled in SQL.
    """

    def body() -> MatchDiff:
        products = load_products()
        key_to_vulns = _index_candidates(products)
        counts = _pair_counts(Device.objects.all())
        firmwares: dict[int, set[str]] = defaultdict(set)
        for ppk, fw in counts:
            firmwares[ppk].add(fw)
        product_pks = sorted(firmwares)
        desired: dict[tuple[int, str, int], Match] = {}
        rules_cache: dict[int, Rule] = {}
        loaded: set[int] = set()
        # Matched through JVN, product statements or text: not reachable through the CPE index.
        unanalysed = unanalysed_vulnerability_pks()
        examined: set[int] = set()
        for i in range(0, len(product_pks), PRODUCT_BATCH):
            batch = product_pks[i : i + PRODUCT_BATCH]
            batch_keys = set().union(*(products[p].keys for p in batch if p in products))
            wanted = set().union(*(key_to_vulns.get(k, set()) for k in batch_keys)) if batch_keys else set()
            wanted |= unanalysed
            missing = wanted - loaded
            if missing:
                rules_cache.update(load_rules(expand_targets(missing)))
                loaded |= missing
            rules = {pk: r for pk, r in rules_cache.items() if r.keys & batch_keys}
            examined |= set(rules)
            desired.update(
                _findings(evaluate(rules=rules, products=products, firmwares={p: firmwares[p] for p in batch}))
            )
        priorities = {}
        vuln_list = sorted({k[2] for k in desired})
        for i in range(0, len(vuln_list), 5000):
            priorities.update(priorities_for(vuln_list[i : i + 5000]))
        changed_keys = sync_findings(
            desired=desired,
            priorities=priorities,
            existing=FirmwareFinding.objects.values_list(*FINDING_COLUMNS).iterator(chunk_size=10000),
        )
        scope = Scope(candidates_table=full_candidates(changed_keys))
        diff = reconcile_exposures(scope, timezone.now(), expected=_expected(desired, counts))
        diff.vulnerabilities_examined = len(examined)
        diff.pairs_evaluated = sum(len(v) for v in firmwares.values())
        return diff

    return _run(MatchRunKind.FULL, body, notify=notify, today=today)


def _index_candidates(products: dict[int, ProductInfo]) -> dict[tuple[str, str], set[int]]:
    """(vendor, product) → vulnerability pks, for the keys some product has."""
    keys = set()
    for info in products.values():
        keys |= info.keys
    index: dict[tuple[str, str], set[int]] = defaultdict(set)
    vendors = sorted({k[0] for k in keys})
    for i in range(0, len(vendors), 500):
        for vpk, vendor, product in VulnerabilityCpe.objects.filter(vendor__in=vendors[i : i + 500]).values_list(
            "vulnerability_id", "vendor", "product"
        ):
            if (vendor, product) in keys:
                index[(vendor, product)].add(vpk)
    return index
