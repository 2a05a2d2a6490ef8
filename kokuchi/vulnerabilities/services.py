"""Installed-base matching, exposure status, who acts, notices and their outbox (S-VULN, G5.3).

Scale: devices share (product, firmware), so matching evaluates every distinct
(product, current_firmware) pair once against the vulnerabilities whose CPE index names the
product's vendor/product (VulnerabilityCpe), then fans the result out to the devices.

Entry points for other parts of the system (the integrator wires them):

* ``match_changed_vulnerabilities(vuln_ids)`` — after each committed feed import
  (``register_import_hook()`` appends it to ``feeds.loader.AFTER_IMPORT_HOOKS``).
* ``match_vulnerabilities_changed_since_last_run()`` — the same, driven by
  ``Vulnerability.changed_at`` and the last successful MatchRun (used by ``kokuchi match``).
* ``on_device_firmware_changed(device=...)`` — after the devices app's ``record_firmware_update``
  (devices cannot import vulnerabilities, so the call is wired from outside).
* ``match_all(notify=...)`` — ``kokuchi match --full``: recompute everything, return the diff.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import logging
import secrets
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kokuchi.catalog.models import Product, ServicePlan
from kokuchi.devices.models import Device
from kokuchi.vulnerabilities.matching import (
    DeviceIdentity,
    JvnAffected,
    JvnRange,
    Match,
    match_jvn,
    match_nvd,
    parse_cpe,
)
from kokuchi.vulnerabilities.models import (
    HUMAN_DECISIONS,
    AffectedProduct,
    DeliveryStatus,
    EpssScore,
    Exposure,
    ExposureStatus,
    ExposureStatusChange,
    FirmwareFinding,
    KnownExploited,
    MatchRun,
    MatchRunKind,
    Notice,
    NoticeDelivery,
    NoticeKind,
    Priority,
    SalesLead,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityCpe,
    WorkItem,
    WorkStatus,
)

logger = logging.getLogger(__name__)

# Days to act by priority; known-exploited vulnerabilities first (S-VULN).
DUE_DAYS = {Priority.URGENT: 3, Priority.HIGH: 14, Priority.MEDIUM: 30, Priority.LOW: 90}
PRODUCT_BATCH = 300
WRITE_BATCH = 5000


# --------------------------------------------------------------------------------------------
# Rules: what each target vulnerability says about products
# --------------------------------------------------------------------------------------------


@dataclass
class Rule:
    """How to match one target vulnerability: NVD configurations or JVN affected products."""

    pk: int
    vuln_id: str
    keys: set[tuple[str, str]]
    configurations: list = field(default_factory=list)
    jvn: list[JvnAffected] = field(default_factory=list)
    for_cve: str | None = None
    # Whether a hardware CPE can change the outcome; when not, devices of different models on
    # the same firmware CPE and version share one evaluation.
    uses_hardware: bool = True

    def match(self, device: DeviceIdentity) -> Match | None:
        if self.configurations:
            return match_nvd(vuln_id=self.vuln_id, configurations=self.configurations, device=device)
        if self.jvn:
            return match_jvn(vuln_id=self.vuln_id, affected=self.jvn, device=device, for_cve=self.for_cve)
        return None


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
                        cpe = parse_cpe(entry["criteria"])
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
                if entry.get("criteria", "").split(":")[2:3] not in (["o"], ["a"]):
                    return True
    return False


def _jvn_uses_hardware(items: list[JvnAffected]) -> bool:
    return any(item.cpe23.split(":")[2:3] not in (["o"], ["a"]) for item in items)


def _jvn_affected(rows: Iterable[AffectedProduct]) -> list[JvnAffected]:
    return [
        JvnAffected(
            cpe23=row.cpe23,
            version_text=row.version_text,
            ranges=tuple(JvnRange.from_dict(r) for r in row.ranges or ()),
            ranges_parsed=row.ranges_parsed,
        )
        for row in rows
        if row.cpe23
    ]


def _expand_targets(vuln_pks: set[int]) -> set[int]:
    """Add the vulnerabilities linked by aliases: a changed JVNDB entry changes the CVEs NVD has
    not analysed yet, and a CVE change may change the JVNDB entry's own scope."""
    if not vuln_pks:
        return set()
    if len(vuln_pks) > 2000:
        pks = sorted(vuln_pks)
        return set().union(*(_expand_targets(set(pks[i : i + 2000])) for i in range(0, len(pks), 2000)))
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
        .filter(models_q_alias(cve_ids, jvn_pks))
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
                items = [_restrict(item, uncovered) for item in items]
                items = [i for i in items if i is not None]
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
    return rules


def models_q_alias(cve_ids: set[str], jvn_pks: set[int]):
    from django.db.models import Q

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
            cpe = parse_cpe(item.cpe23)
        except ValueError:
            continue
        keys.add((cpe.vendor, cpe.product))
    return keys


# --------------------------------------------------------------------------------------------
# Products, candidates and evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductInfo:
    pk: int
    firmware_cpe: str
    hardware_cpe: str
    label: str

    @property
    def keys(self) -> set[tuple[str, str]]:
        keys = set()
        for value in (self.firmware_cpe, self.hardware_cpe):
            if value:
                try:
                    cpe = parse_cpe(value)
                except ValueError:
                    continue
                keys.add((cpe.vendor, cpe.product))
        return keys

    def identity(self, firmware: str, label: str | None = None) -> DeviceIdentity:
        return DeviceIdentity.build(
            firmware_cpe=self.firmware_cpe,
            hardware_cpe=self.hardware_cpe,
            firmware_version=firmware,
            label=self.label if label is None else label,
        )


def _products(product_pks: Iterable[int] | None = None) -> dict[int, ProductInfo]:
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
    from django.db.models import Q

    if not keys:
        return set()
    pks: set[int] = set()
    keys = sorted(keys)
    for i in range(0, len(keys), 200):
        q = Q()
        for vendor, product in keys[i : i + 200]:
            q |= Q(vendor=vendor, product=product)
        pks |= set(VulnerabilityCpe.objects.filter(q).values_list("vulnerability_id", flat=True))
    return _expand_targets(pks)


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
                key = (rule.pk, info.firmware_cpe, info.hardware_cpe if rule.uses_hardware else "", fw)
                if key in cache:
                    found = cache[key]
                else:
                    identity = identity or info.identity(fw, _LABEL)
                    found = cache[key] = rule.match(identity)
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
    info = {
        pk: (vid, c3, c4)
        for pk, vid, c3, c4 in Vulnerability.objects.filter(pk__in=pks).values_list(
            "pk", "vuln_id", "cvss3_score", "cvss4_score"
        )
    }
    names: dict[int, set[str]] = {pk: {vid} for pk, (vid, _a, _b) in info.items()}
    for vpk, alias in VulnerabilityAlias.objects.filter(vulnerability_id__in=pks).values_list(
        "vulnerability_id", "alias_id"
    ):
        names[vpk].add(alias)
    all_names = {n for ns in names.values() for n in ns}
    kev = set(KnownExploited.objects.filter(cve_id__in=all_names).values_list("cve_id", flat=True))
    epss = dict(EpssScore.objects.filter(cve_id__in=all_names).values_list("cve_id", "score"))
    result = {}
    for pk, (_vid, c3, c4) in info.items():
        cvss = float(c3 if c3 is not None else c4) if (c3 is not None or c4 is not None) else 0.0
        score = max((epss.get(n, 0.0) for n in names[pk]), default=0.0)
        if names[pk] & kev:
            result[pk] = Priority.URGENT
        elif score >= 0.1 or cvss >= 9.0:
            result[pk] = Priority.HIGH
        elif score >= 0.01 or cvss >= 7.0:
            result[pk] = Priority.MEDIUM
        else:
            result[pk] = Priority.LOW
    return result


# --------------------------------------------------------------------------------------------
# Reconciliation of desired matches with stored exposures
# --------------------------------------------------------------------------------------------


@dataclass
class MatchDiff:
    """What a match run changed."""

    created: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    updated: int = 0
    resolved_by_update: list[int] = field(default_factory=list)
    no_longer_matches: list[int] = field(default_factory=list)
    unchanged: int = 0
    vulnerabilities_examined: int = 0
    pairs_evaluated: int = 0

    @property
    def newly_open(self) -> list[int]:
        return self.created + self.reopened


@dataclass(frozen=True)
class _Scope:
    """Which exposures a run may touch: all, those of some vulnerabilities, or of some devices."""

    vulnerability_pks: tuple[int, ...] | None = None
    device_pks: tuple[int, ...] | None = None
    # Full runs: only exposures listed in this temporary table can have lost their finding or
    # changed details (see _full_candidates); new exposures are still looked for everywhere.
    candidates_table: str | None = None

    def exposure_sql(self, alias: str) -> tuple[str, list]:
        if self.candidates_table is not None:
            return f" AND {alias}.id IN (SELECT id FROM {self.candidates_table})", []
        if self.vulnerability_pks is not None:
            return _in_sql(f"{alias}.vulnerability_id", self.vulnerability_pks)
        if self.device_pks is not None:
            return _in_sql(f"{alias}.device_id", self.device_pks)
        return "", []

    def device_finding_sql(self, device: str, finding: str) -> tuple[str, list]:
        if self.vulnerability_pks is not None:
            return _in_sql(f"{finding}.vulnerability_id", self.vulnerability_pks)
        if self.device_pks is not None:
            return _in_sql(f"{device}.id", self.device_pks)
        return "", []


def _in_sql(column: str, values: tuple[int, ...]) -> tuple[str, list]:
    if not values:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _sync_findings(
    *, desired: dict[tuple[int, str, int], Match], priorities: dict[int, int], existing: Iterable[tuple]
) -> set[tuple[int, str, int]]:
    """Make FirmwareFinding rows in scope equal `desired` ((product, firmware, vuln) → match);
    return the keys of findings that were changed or removed."""
    stored = {(p, f, v): (pk, m, c, e, pr) for pk, p, f, v, m, c, e, pr in existing}
    to_create, to_update = [], []
    changed_keys: set[tuple[int, str, int]] = set()
    for key, found in desired.items():
        prio = priorities.get(key[2], Priority.LOW)
        row = stored.pop(key, None)
        values = (found.method, found.confidence, found.explanation, prio)
        if row is None:
            to_create.append(
                FirmwareFinding(
                    product_id=key[0],
                    firmware=key[1],
                    vulnerability_id=key[2],
                    method=values[0],
                    confidence=values[1],
                    explanation=values[2],
                    priority=prio,
                )
            )
        elif row[1:] != values:
            changed_keys.add(key)
            to_update.append(
                FirmwareFinding(pk=row[0], method=values[0], confidence=values[1], explanation=values[2], priority=prio)
            )
    changed_keys |= set(stored)
    stale = [row[0] for row in stored.values()]
    for i in range(0, len(stale), 5000):
        FirmwareFinding.objects.filter(pk__in=stale[i : i + 5000]).delete()
    FirmwareFinding.objects.bulk_create(to_create, batch_size=WRITE_BATCH)
    _update_findings(to_update)
    return changed_keys


def _update_findings(rows: list[FirmwareFinding]) -> None:
    """One parameterised UPDATE per row by primary key, sent with executemany.

    bulk_update's single ``CASE WHEN id = … THEN …`` statement evaluates the whole CASE list for
    each updated row (quadratic in the batch) and dominated the incremental run when a changed
    vulnerability rewrote the explanations of its findings."""
    if not rows:
        return
    table = connection.ops.quote_name(FirmwareFinding._meta.db_table)
    sql = f"UPDATE {table} SET method = %s, confidence = %s, explanation = %s, priority = %s WHERE id = %s"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(
                sql, [(r.method, r.confidence, r.explanation, r.priority, r.pk) for r in rows[i : i + WRITE_BATCH]]
            )


CANDIDATES_TABLE = "kokuchi_match_candidates"
KEYS_TABLE = "kokuchi_match_changed_findings"


def _full_candidates(changed_keys: set[tuple[int, str, int]]) -> str:
    """Fill a temporary table with the exposures a full run must re-examine: those whose device
    now has another firmware or customer than recorded, and those of changed or removed
    findings. Every other exposure still has its finding, unchanged (one cheap pass instead of
    two joined passes over millions of rows)."""
    E, D = Exposure._meta.db_table, Device._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {CANDIDATES_TABLE} (id bigint PRIMARY KEY)")
        cursor.execute(f"DELETE FROM {CANDIDATES_TABLE}")
        cursor.execute(
            f"INSERT INTO {CANDIDATES_TABLE} (id) SELECT e.id FROM {E} e JOIN {D} d ON d.id = e.device_id "
            f"WHERE e.matched_firmware <> d.current_firmware OR e.customer_id <> d.customer_id"
        )
        if changed_keys:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {KEYS_TABLE} "
                f"(product_id bigint, firmware varchar(80), vulnerability_id bigint)"
            )
            cursor.execute(f"DELETE FROM {KEYS_TABLE}")
            cursor.executemany(
                f"INSERT INTO {KEYS_TABLE} (product_id, firmware, vulnerability_id) VALUES (%s, %s, %s)",
                sorted(changed_keys),
            )
            cursor.execute(
                f"INSERT INTO {CANDIDATES_TABLE} (id) SELECT e.id FROM {KEYS_TABLE} k JOIN {D} d "
                f"ON d.product_id = k.product_id AND d.current_firmware = k.firmware JOIN {E} e "
                f"ON e.device_id = d.id AND e.vulnerability_id = k.vulnerability_id ON CONFLICT DO NOTHING"
            )
    return CANDIDATES_TABLE


_FINDING_COLUMNS = (
    "pk",
    "product_id",
    "firmware",
    "vulnerability_id",
    "method",
    "confidence",
    "explanation",
    "priority",
)


def _reconcile_exposures(scope: _Scope, now: datetime.datetime, *, expected: int) -> MatchDiff:
    """Bring exposures in scope in line with FirmwareFinding, in set-based SQL.

    A device is exposed to the findings of (its product, its current firmware). Open exposures
    without a finding are resolved: by the update when the device's firmware differs from the
    one matched, otherwise as no longer matching; resolved ones with a finding again reopen;
    human decisions (risk accepted, false positive) keep their status. Every status change
    gets a history row. `expected` is the number of exposures the findings call for in scope
    (devices × findings of their pair), from which the unchanged count follows.
    """
    E, D = Exposure._meta.db_table, Device._meta.db_table
    F, H = FirmwareFinding._meta.db_table, ExposureStatusChange._meta.db_table
    diff = MatchDiff()
    e_scope, e_params = scope.exposure_sql("e")
    f_scope, f_params = scope.device_finding_sql("d", "f")
    finding_exists = (
        f"EXISTS (SELECT 1 FROM {F} f WHERE f.product_id = d.product_id "
        f"AND f.firmware = d.current_firmware AND f.vulnerability_id = e.vulnerability_id)"
    )
    updated_fw = "e.matched_firmware <> d.current_firmware"
    with connection.cursor() as cursor:
        # One pass: open exposures without a finding, resolved by the update or by the data.
        cursor.execute(
            f"INSERT INTO {H} (exposure_id, from_status, to_status, reason, automatic, changed_at, changed_by_id) "
            f"SELECT e.id, %s, CASE WHEN {updated_fw} THEN %s ELSE %s END, CASE WHEN {updated_fw} THEN "
            f"'ファームウェアが ' || e.matched_firmware || ' から ' || d.current_firmware "
            f"|| ' に更新され、該当しなくなった' ELSE '脆弱性情報の更新により該当しなくなった' END, %s, %s, NULL "
            f"FROM {E} e JOIN {D} d ON d.id = e.device_id "
            f"WHERE e.status = %s AND NOT {finding_exists}{e_scope}",
            [
                ExposureStatus.OPEN,
                ExposureStatus.RESOLVED_BY_UPDATE,
                ExposureStatus.NO_LONGER_MATCHES,
                True,
                now,
                ExposureStatus.OPEN,
                *e_params,
            ],
        )
        cursor.execute(
            f"INSERT INTO {H} (exposure_id, from_status, to_status, reason, automatic, changed_at, changed_by_id) "
            f"SELECT e.id, e.status, %s, (SELECT f.explanation FROM {F} f WHERE f.product_id = d.product_id "
            f"AND f.firmware = d.current_firmware AND f.vulnerability_id = e.vulnerability_id), %s, %s, NULL "
            f"FROM {E} e JOIN {D} d ON d.id = e.device_id WHERE e.status IN (%s, %s) AND {finding_exists}"
            f"{'' if scope.candidates_table else e_scope}",
            [
                ExposureStatus.OPEN,
                True,
                now,
                ExposureStatus.RESOLVED_BY_UPDATE,
                ExposureStatus.NO_LONGER_MATCHES,
                *([] if scope.candidates_table else e_params),
            ],
        )
        cursor.execute(f"SELECT exposure_id, to_status FROM {H} WHERE changed_at = %s AND automatic = %s", [now, True])
        changed: dict[str, list[int]] = defaultdict(list)
        for pk, status in cursor.fetchall():
            changed[status].append(pk)
        diff.resolved_by_update = sorted(changed[ExposureStatus.RESOLVED_BY_UPDATE])
        diff.no_longer_matches = sorted(changed[ExposureStatus.NO_LONGER_MATCHES])
        diff.reopened = sorted(changed[ExposureStatus.OPEN])
        if changed:
            cursor.execute(
                f"UPDATE {E} SET status = (SELECT h.to_status FROM {H} h WHERE h.exposure_id = {E}.id "
                f"AND h.changed_at = %s AND h.automatic = %s), status_reason = (SELECT h.reason FROM {H} h "
                f"WHERE h.exposure_id = {E}.id AND h.changed_at = %s AND h.automatic = %s), status_changed_at = %s "
                f"WHERE id IN (SELECT exposure_id FROM {H} WHERE changed_at = %s AND automatic = %s)",
                [now, True, now, True, now, now, True],
            )
        # Details (method, confidence, explanation, priority, firmware) follow the finding.
        pick = (
            f"(SELECT f.{{col}} FROM {F} f JOIN {D} d ON f.product_id = d.product_id AND "
            f"f.firmware = d.current_firmware WHERE d.id = {E}.device_id AND f.vulnerability_id = "
            f"{E}.vulnerability_id)"
        )
        e_scope_outer, e_params_outer = scope.exposure_sql(E)
        cursor.execute(
            f"UPDATE {E} SET method = {pick.format(col='method')}, confidence = {pick.format(col='confidence')}, "
            f"explanation = {pick.format(col='explanation')}, priority = {pick.format(col='priority')}, "
            f"matched_firmware = (SELECT d.current_firmware FROM {D} d WHERE d.id = {E}.device_id), "
            f"customer_id = (SELECT d.customer_id FROM {D} d WHERE d.id = {E}.device_id), "
            f"last_matched_at = %s WHERE EXISTS (SELECT 1 FROM {F} f JOIN {D} d ON f.product_id = d.product_id "
            f"AND f.firmware = d.current_firmware WHERE d.id = {E}.device_id AND f.vulnerability_id = "
            f"{E}.vulnerability_id AND (f.method <> {E}.method OR f.confidence <> {E}.confidence OR "
            f"f.explanation <> {E}.explanation OR f.priority <> {E}.priority OR "
            f"d.current_firmware <> {E}.matched_firmware OR d.customer_id <> {E}.customer_id)){e_scope_outer}",
            [now, *e_params_outer],
        )
        diff.updated = max(cursor.rowcount, 0)
        # CROSS JOIN fixes SQLite's loop order: the smaller side outside (findings, or the few
        # devices of a device run), the other through its (product, firmware) index.
        sources = f"{D} d CROSS JOIN {F} f" if scope.device_pks is not None else f"{F} f CROSS JOIN {D} d"
        cursor.execute(
            f"INSERT INTO {E} (device_id, customer_id, vulnerability_id, status, method, confidence, explanation, "
            f"matched_firmware, priority, status_reason, first_matched_at, last_matched_at) "
            f"SELECT d.id, d.customer_id, f.vulnerability_id, %s, f.method, f.confidence, f.explanation, "
            f"d.current_firmware, f.priority, '', %s, %s FROM {sources} WHERE d.product_id = f.product_id "
            f"AND d.current_firmware = f.firmware AND NOT EXISTS (SELECT 1 FROM {E} e WHERE e.device_id = d.id "
            f"AND e.vulnerability_id = f.vulnerability_id){f_scope}",
            [ExposureStatus.OPEN, now, now, *f_params],
        )
        if cursor.rowcount:
            # Scoped so that an incremental run reads its vulnerabilities' rows, not the table.
            created_scope, created_params = ("", []) if scope.candidates_table else (e_scope, e_params)
            cursor.execute(
                f"SELECT e.id FROM {E} e WHERE e.first_matched_at = %s{created_scope}", [now, *created_params]
            )
            diff.created = [row[0] for row in cursor.fetchall()]
    diff.unchanged = expected - len(diff.created) - diff.updated
    return diff


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


def _run(kind: str, body, *, notify: bool, today: datetime.date | None) -> MatchDiff:
    """Run `body` (which returns a MatchDiff) in one transaction, recorded as a MatchRun."""
    run = _start_run(kind)
    try:
        with transaction.atomic():
            diff = body()
            if notify:
                act_on_new_exposures(exposure_pks=diff.newly_open, today=today)
            _finish_run(run, diff)
    except Exception as error:
        _fail_run(run, error)
        raise
    return diff


def _pair_counts(devices) -> dict[tuple[int, str], int]:
    """Devices per (product, current firmware) of a Device queryset."""
    from django.db.models import Count

    return {
        (ppk, fw): n
        for ppk, fw, n in devices.order_by().values_list("product_id", "current_firmware").annotate(n=Count("pk"))
    }


def _expected(desired: dict[tuple[int, str, int], Match], counts: dict[tuple[int, str], int]) -> int:
    return sum(counts.get((ppk, fw), 0) for ppk, fw, _v in desired)


def _findings(matches: dict[tuple[int, str], list[tuple[int, Match]]]) -> dict[tuple[int, str, int], Match]:
    return {(ppk, fw, vpk): found for (ppk, fw), found_list in matches.items() for vpk, found in found_list}


# --------------------------------------------------------------------------------------------
# Public matching services
# --------------------------------------------------------------------------------------------


def match_devices(*, device_pks: Iterable[int], notify: bool = True, today: datetime.date | None = None) -> MatchDiff:
    """Re-match the given devices against every candidate vulnerability (changed devices)."""
    pks = tuple(sorted(set(device_pks)))

    def body() -> MatchDiff:
        counts = _pair_counts(Device.objects.filter(pk__in=pks))
        rows = list(counts)
        products = _products({r[0] for r in rows})
        keys = set().union(*(p.keys for p in products.values())) if products else set()
        rules = load_rules(candidate_vulnerability_pks(keys))
        firmwares: dict[int, set[str]] = defaultdict(set)
        for ppk, fw in rows:
            firmwares[ppk].add(fw)
        desired = _findings(evaluate(rules=rules, products=products, firmwares=firmwares))
        existing = []
        for ppk, fws in firmwares.items():
            existing += FirmwareFinding.objects.filter(product_id=ppk, firmware__in=fws).values_list(*_FINDING_COLUMNS)
        _sync_findings(desired=desired, priorities=priorities_for({k[2] for k in desired}), existing=existing)
        diff = _reconcile_exposures(_Scope(device_pks=pks), timezone.now(), expected=_expected(desired, counts))
        diff.vulnerabilities_examined = len(rules)
        diff.pairs_evaluated = len(rows)
        return diff

    return _run(MatchRunKind.DEVICES, body, notify=notify, today=today)


def on_device_firmware_changed(*, device: Device, notify: bool = True) -> MatchDiff:
    """Re-match one device after its firmware changed: exposures it left are resolved by the
    update (with history), new ones open. Call after devices' ``record_firmware_update``."""
    return match_devices(device_pks=[device.pk], notify=notify)


def rematch_after_firmware_change(device: Device) -> MatchDiff:
    """Hook for devices' ``record_firmware_update`` (registered in the app config)."""
    return on_device_firmware_changed(device=device)


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
        targets = _expand_targets(set(vuln_pks))
        rules = load_rules(targets)
        keys = set().union(*(r.keys for r in rules.values())) if rules else set()
        product_pks = _product_pks_for_keys(keys)
        products = _products(product_pks)
        counts = _pair_counts(Device.objects.filter(product_id__in=product_pks))
        firmwares: dict[int, set[str]] = defaultdict(set)
        for ppk, fw in counts:
            firmwares[ppk].add(fw)
        desired = _findings(evaluate(rules=rules, products=products, firmwares=firmwares))
        target_list = sorted(targets)
        existing = []
        for i in range(0, len(target_list), 2000):
            existing += FirmwareFinding.objects.filter(vulnerability_id__in=target_list[i : i + 2000]).values_list(
                *_FINDING_COLUMNS
            )
        _sync_findings(desired=desired, priorities=priorities_for(targets), existing=existing)
        diff = _reconcile_exposures(
            _Scope(vulnerability_pks=tuple(target_list)), timezone.now(), expected=_expected(desired, counts)
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


def match_changed_vulnerabilities(vuln_ids: set[str]) -> MatchDiff:
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


def register_import_hook() -> bool:
    """Append ``match_changed_vulnerabilities`` to the feed loader's AFTER_IMPORT_HOOKS when that
    module exists (branch feeds); return whether it was registered. Idempotent."""
    try:
        loader = importlib.import_module("kokuchi.vulnerabilities.feeds.loader")
    except ImportError:
        return False
    hooks = getattr(loader, "AFTER_IMPORT_HOOKS", None)
    if hooks is None:
        return False
    if match_changed_vulnerabilities not in hooks:
        hooks.append(match_changed_vulnerabilities)
    return True


def match_all(*, notify: bool = True, today: datetime.date | None = None) -> MatchDiff:
    """Recompute every exposure (``kokuchi match --full``) and return the difference.

    Every distinct (product, firmware) pair is evaluated once against the candidate
    vulnerabilities of its product's vendor/product keys; findings replace FirmwareFinding and
    exposures are reconciled in SQL.
    """

    def body() -> MatchDiff:
        products = _products()
        key_to_vulns = _index_candidates(products)
        counts = _pair_counts(Device.objects.all())
        firmwares: dict[int, set[str]] = defaultdict(set)
        for ppk, fw in counts:
            firmwares[ppk].add(fw)
        product_pks = sorted(firmwares)
        desired: dict[tuple[int, str, int], Match] = {}
        rules_cache: dict[int, Rule] = {}
        loaded: set[int] = set()
        examined: set[int] = set()
        for i in range(0, len(product_pks), PRODUCT_BATCH):
            batch = product_pks[i : i + PRODUCT_BATCH]
            batch_keys = set().union(*(products[p].keys for p in batch if p in products))
            wanted = set().union(*(key_to_vulns.get(k, set()) for k in batch_keys)) if batch_keys else set()
            missing = wanted - loaded
            if missing:
                rules_cache.update(load_rules(_expand_targets(missing)))
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
        changed_keys = _sync_findings(
            desired=desired,
            priorities=priorities,
            existing=FirmwareFinding.objects.values_list(*_FINDING_COLUMNS).iterator(chunk_size=10000),
        )
        scope = _Scope(candidates_table=_full_candidates(changed_keys))
        diff = _reconcile_exposures(scope, timezone.now(), expected=_expected(desired, counts))
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


# --------------------------------------------------------------------------------------------
# Exposure status (staff decisions)
# --------------------------------------------------------------------------------------------


def change_exposure_status(*, exposure: Exposure, status: str, reason: str, changed_by) -> Exposure:
    """Record a staff decision on an exposure (risk accepted, false positive, or reopen), with
    the reason and who, kept in the history."""
    allowed = {ExposureStatus.RISK_ACCEPTED, ExposureStatus.FALSE_POSITIVE, ExposureStatus.OPEN}
    if status not in allowed:
        raise ValidationError({"status": f"{status} cannot be set by hand."})
    if status in HUMAN_DECISIONS and not reason.strip():
        raise ValidationError({"reason": "理由を入力してください。"})
    if status == exposure.status:
        raise ValidationError({"status": "状態が変わりません。"})
    with transaction.atomic():
        previous = exposure.status
        exposure.status = status
        exposure.status_reason = reason
        exposure.status_changed_by = changed_by
        exposure.status_changed_at = timezone.now()
        exposure.save(update_fields=["status", "status_reason", "status_changed_by", "status_changed_at"])
        ExposureStatusChange.objects.create(
            exposure=exposure,
            from_status=previous,
            to_status=status,
            reason=reason,
            changed_by=changed_by,
            automatic=False,
        )
    return exposure


# --------------------------------------------------------------------------------------------
# Who acts: work items, leads and notices (S-VULN, G5.2-3, G5.3)
# --------------------------------------------------------------------------------------------


@dataclass
class ActionSummary:
    work_items: list[int] = field(default_factory=list)
    sales_leads: list[int] = field(default_factory=list)
    notices: list[int] = field(default_factory=list)


def due_date(priority: int, today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=DUE_DAYS[Priority(priority)])


def act_on_new_exposures(*, exposure_pks: Iterable[int], today: datetime.date | None = None) -> ActionSummary:
    """Decide who acts on newly open exposures, per customer and vulnerability.

    Devices under an active maintenance contract: a work item for the reseller (due by priority)
    and a notice to the customer. Devices without one: a sales lead proposing the maintenance
    plan, and an informational notice only when the customer opted in
    (``Customer.notify_without_contract``).
    """
    today = today or timezone.localdate()
    pks = list(exposure_pks)
    summary = ActionSummary()
    if not pks:
        return summary
    groups: dict[tuple[int, int], list[Exposure]] = defaultdict(list)
    for i in range(0, len(pks), 5000):
        for exposure in Exposure.objects.for_list().filter(pk__in=pks[i : i + 5000], status=ExposureStatus.OPEN):
            groups[(exposure.customer_id, exposure.vulnerability_id)].append(exposure)
    device_pks = {e.device_id for es in groups.values() for e in es}
    covered = set(Device.objects.under_contract(today).filter(pk__in=device_pks).values_list("pk", flat=True))
    plan = (
        ServicePlan.objects.filter(active=True, kind__in=["continuous_maintenance", "spot_maintenance"])
        .order_by("kind", "pk")
        .first()
    )
    shared = _NoticeShared.load()
    recipients: dict[int, list[str]] = defaultdict(list)
    from kokuchi.customers.models import Contact

    for customer_pk, address in (
        Contact.objects.filter(customer_id__in={k[0] for k in groups})
        .exclude(email="")
        .values_list("customer_id", "email")
    ):
        recipients[customer_pk].append(address)
    with transaction.atomic():
        for (_customer_pk, _vuln_pk), exposures in sorted(groups.items()):
            customer = exposures[0].customer
            vulnerability = exposures[0].vulnerability
            priority = min(e.priority for e in exposures)
            under = [e for e in exposures if e.device_id in covered]
            outside = [e for e in exposures if e.device_id not in covered]
            if under:
                item, created = WorkItem.objects.get_or_create(
                    customer=customer,
                    vulnerability=vulnerability,
                    defaults={"priority": priority, "due_on": due_date(priority, today)},
                )
                if not created and item.status != WorkStatus.OPEN:
                    item.status, item.closed_at = WorkStatus.OPEN, None
                    item.priority, item.due_on = priority, due_date(priority, today)
                    item.save(update_fields=["status", "closed_at", "priority", "due_on"])
                summary.work_items.append(item.pk)
                notice = create_notice(
                    customer=customer,
                    vulnerability=vulnerability,
                    exposures=under,
                    kind=NoticeKind.CONTRACTED,
                    due_on=item.due_on,
                    shared=shared,
                    recipients=sorted(set(recipients[customer.pk])),
                )
                summary.notices.append(notice.pk)
            if outside:
                lead, _created = SalesLead.objects.get_or_create(
                    customer=customer,
                    vulnerability=vulnerability,
                    defaults={
                        "proposed_plan": plan,
                        "note": f"保守契約のない機器 {len(outside)} 台が {vulnerability.vuln_id} に該当",
                    },
                )
                summary.sales_leads.append(lead.pk)
                if customer.notify_without_contract:
                    notice = create_notice(
                        customer=customer,
                        vulnerability=vulnerability,
                        exposures=outside,
                        kind=NoticeKind.INFORMATIONAL,
                        due_on=None,
                        shared=shared,
                        recipients=sorted(set(recipients[customer.pk])),
                    )
                    summary.notices.append(notice.pk)
    return summary


LINK_PLACEHOLDER = "[[NOTICE_LINK]]"


@dataclass
class _NoticeShared:
    """Per-run lookups shared by every notice of one batch (one query each, not one per notice)."""

    reseller: object = None
    vulnerabilities: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> _NoticeShared:
        from kokuchi.core.models import Reseller

        return cls(reseller=Reseller.objects.first())

    def for_vulnerability(self, vulnerability: Vulnerability) -> dict:
        if vulnerability.pk not in self.vulnerabilities:
            aliases = sorted(vulnerability.aliases.values_list("alias_id", flat=True))
            kev = KnownExploited.objects.filter(cve_id__in=[vulnerability.vuln_id, *aliases]).first()
            self.vulnerabilities[vulnerability.pk] = {
                "aliases": aliases,
                "kev": kev,
                "jvn_links": _jvn_links(vulnerability, aliases),
            }
        return self.vulnerabilities[vulnerability.pk]


def _jvn_links(vulnerability: Vulnerability, aliases: list[str]) -> list[str]:
    links = []
    for alias in aliases:
        if alias.startswith("JVNDB-"):
            year = alias.split("-")[1]
            links.append(f"https://jvndb.jvn.jp/ja/contents/{year}/{alias}.html")
    if vulnerability.vuln_id.startswith("JVNDB-"):
        links.append(vulnerability.url)
    for ref in vulnerability.references or []:
        url = ref.get("url", "") if isinstance(ref, dict) else str(ref)
        if url.startswith(("https://jvn.jp/", "https://jvndb.jvn.jp/")) and url not in links:
            links.append(url)
    return links


def build_notice_context(
    *,
    customer,
    vulnerability: Vulnerability,
    exposures: list[Exposure],
    kind: str,
    due_on: datetime.date | None,
    shared: _NoticeShared | None = None,
) -> dict:
    """The context of a notice's subject and body templates."""
    shared = shared or _NoticeShared.load()
    manufacturers = {}
    for e in exposures:
        m = e.device.product.manufacturer
        manufacturers[m.pk] = m
    return {
        "customer": customer,
        "reseller": shared.reseller,
        "vulnerability": vulnerability,
        **shared.for_vulnerability(vulnerability),
        "exposures": sorted(exposures, key=lambda e: (e.device.product.model_number, e.device.serial_number)),
        "manufacturers": list(manufacturers.values()),
        "contracted": kind == NoticeKind.CONTRACTED,
        "due_on": due_on,
        "link": LINK_PLACEHOLDER,
    }


def create_notice(
    *,
    customer,
    vulnerability: Vulnerability,
    exposures: list[Exposure],
    kind: str,
    due_on: datetime.date | None,
    shared: _NoticeShared | None = None,
    recipients: list[str] | None = None,
) -> Notice:
    """Create a Japanese notice naming the devices, and one outbox row per customer contact."""
    context = build_notice_context(
        customer=customer, vulnerability=vulnerability, exposures=exposures, kind=kind, due_on=due_on, shared=shared
    )
    subject = render_to_string("vulnerabilities/notice_subject.txt", context).strip()
    body = render_to_string("vulnerabilities/notice_email.txt", context)
    notice = Notice.objects.create(
        customer=customer, vulnerability=vulnerability, kind=kind, subject=subject[:300], body=body
    )
    Notice.exposures.through.objects.bulk_create(
        [Notice.exposures.through(notice_id=notice.pk, exposure_id=e.pk) for e in exposures]
    )
    now = timezone.now()
    if recipients is None:
        recipients = sorted({c.email for c in customer.contacts.all() if c.email})
    NoticeDelivery.objects.bulk_create(
        [NoticeDelivery(notice=notice, recipient=r, next_attempt_at=now) for r in recipients]
    )
    return notice


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 60


def backoff(attempts: int) -> datetime.timedelta:
    """Delay before the next try after `attempts` failures: 1, 2, 4, 8, 16 minutes…"""
    return datetime.timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))


@dataclass
class OutboxResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def send_pending_notices(*, now: datetime.datetime | None = None, limit: int = 500) -> OutboxResult:
    """Send the due outbox rows through Django e-mail (MAILERS "default").

    Each delivery gets a fresh random token (256 bits) in its link; only its sha256 is stored,
    and only once the server accepted the message. A failure is retried with exponential backoff
    up to MAX_ATTEMPTS, then marked failed.
    """
    now = now or timezone.now()
    result = OutboxResult()
    due = list(
        NoticeDelivery.objects.select_related("notice")
        .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")[:limit]
    )
    if not due:
        return result
    base = settings.SITE_URL
    for delivery in due:
        token = secrets.token_urlsafe(32)
        link = base + reverse("vulnerabilities:notice_read", args=[token])
        message = EmailMessage(
            subject=delivery.notice.subject,
            body=delivery.notice.body.replace(LINK_PLACEHOLDER, link),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.recipient],
        )
        delivery.attempts += 1
        try:
            message.send(using="default")
        except (smtplib.SMTPException, OSError) as error:
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                result.failed += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                result.retried += 1
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("notice delivery %s failed: %s", delivery.pk, delivery.last_error)
            continue
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.token_sha256 = token_hash(token)
        delivery.save(update_fields=["attempts", "status", "sent_at", "token_sha256"])
        result.sent += 1
    return result


def record_notice_read(*, token: str) -> NoticeDelivery | None:
    """Record that the link of a delivery was opened; None when the token is unknown."""
    with transaction.atomic():
        delivery = (
            NoticeDelivery.objects.select_for_update()
            .select_related("notice__vulnerability", "notice__customer")
            .filter(token_sha256=token_hash(token))
            .first()
        )
        if delivery is None:
            return None
        from django.db.models import F

        fields = {"read_count": F("read_count") + 1}
        if delivery.first_read_at is None:
            fields["first_read_at"] = timezone.now()
        NoticeDelivery.objects.filter(pk=delivery.pk).update(**fields)
        delivery.refresh_from_db(fields=["read_count", "first_read_at"])
    return delivery


# --------------------------------------------------------------------------------------------
# Per-customer vulnerability report (PDF)
# --------------------------------------------------------------------------------------------


def build_customer_report_context(*, customer, today: datetime.date, generated_at: datetime.datetime) -> dict:
    """The context of the per-customer vulnerability report: open exposures by priority, and
    the exposures closed (resolved, accepted, false positive) in the last 90 days."""
    from kokuchi.vulnerabilities.selectors_matching import exposure_counts

    exposures = list(
        Exposure.objects.for_list()
        .filter(customer=customer)
        .order_by("priority", "device__product__model_number", "device__serial_number", "vulnerability__vuln_id")
    )
    names = {e.vulnerability.vuln_id for e in exposures}
    kev = set(KnownExploited.objects.filter(cve_id__in=names).values_list("cve_id", flat=True))
    since = today - datetime.timedelta(days=90)
    open_rows = [e for e in exposures if e.status == ExposureStatus.OPEN]
    closed_rows = [
        e
        for e in exposures
        if e.status != ExposureStatus.OPEN and e.status_changed_at and e.status_changed_at.date() >= since
    ]
    covered = set(Device.objects.under_contract(today).filter(customer=customer).values_list("pk", flat=True))
    return {
        "customer": customer,
        "today": today,
        "generated_at": generated_at,
        "counts": exposure_counts(customer_pk=customer.pk),
        "open_rows": open_rows,
        "closed_rows": closed_rows,
        "kev": kev,
        "covered": covered,
        "device_count": Device.objects.filter(customer=customer).count(),
        "since": since,
    }


def render_customer_report(*, customer, today: datetime.date | None = None) -> bytes:
    """Render the per-customer vulnerability report as PDF bytes."""
    from kokuchi.core.pdf import render_pdf

    today = today or timezone.localdate()
    context = build_customer_report_context(customer=customer, today=today, generated_at=timezone.now())
    html = render_to_string("vulnerabilities/customer_report.html", context)
    return render_pdf(html)


# --------------------------------------------------------------------------------------------
# Product identity: confirming a suggested CPE (issue 6 point 1)
# --------------------------------------------------------------------------------------------


class CpeKind:
    HARDWARE = "hardware"
    FIRMWARE = "firmware"


# kind → (CPE part, version written into the CPE, Product field). A hardware CPE names the model
# itself, so its version is NA ("-") as NVD writes it; the firmware CPE leaves the version ANY
# ("*") because the device's own firmware version is compared by the matching rules.
_CPE_KINDS = {
    CpeKind.HARDWARE: ("h", "-", "hardware_cpe"),
    CpeKind.FIRMWARE: ("o", "*", "firmware_cpe"),
}


@dataclass
class CpeConfirmation:
    """Result of confirm_product_cpe: the CPE written and the re-match of the product's devices."""

    field: str
    cpe23: str
    diff: MatchDiff | None


def confirm_product_cpe(*, product: Product, kind: str, vendor: str, product_name: str, user) -> CpeConfirmation:
    """Write a suggested CPE into the product's hardware or firmware CPE and re-match its devices.

    Only a vendor:product that the imported feeds name (VulnerabilityCpe, with the part of
    `kind`) is accepted, so a confirmation cannot introduce a CPE no vulnerability uses. The
    product's devices are re-matched at once because their exposures depend on the CPE.
    """
    from kokuchi.core.cpe import validate_cpe23

    if kind not in _CPE_KINDS:
        raise ValidationError({"kind": f"Unknown CPE kind {kind!r} (hardware or firmware)."})
    part, version, field_name = _CPE_KINDS[kind]
    vendor, product_name = vendor.strip(), product_name.strip()
    if not VulnerabilityCpe.objects.filter(part=part, vendor=vendor, product=product_name).exists():
        raise ValidationError(
            {"product_name": f"{part}:{vendor}:{product_name} is not named by any imported vulnerability."}
        )
    cpe23 = f"cpe:2.3:{part}:{vendor}:{product_name}:{version}:*:*:*:*:*:*:*"
    validate_cpe23(cpe23)
    with transaction.atomic():
        setattr(product, field_name, cpe23)
        product.save(update_fields=[field_name])
        logger.info("CPE %s of product %s set to %s by %s", field_name, product.pk, cpe23, user)
        device_pks = list(Device.objects.filter(product=product).values_list("pk", flat=True))
        diff = match_devices(device_pks=device_pks) if device_pks else None
    return CpeConfirmation(field_name, cpe23, diff)
