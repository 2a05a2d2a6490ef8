"""Reconciliation of desired matches with stored findings and exposures, in set-based SQL."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from kokuchi.devices.models import Device
from kokuchi.exposures.matching import Match
from kokuchi.exposures.models import (
    Exposure,
    ExposureStatus,
    ExposureStatusChange,
    FirmwareFinding,
    Priority,
)

logger = logging.getLogger(__name__)


WRITE_BATCH = 5000


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
class Scope:
    """Which exposures a run may touch: all, those of some vulnerabilities, or of some devices."""

    vulnerability_pks: tuple[int, ...] | None = None
    device_pks: tuple[int, ...] | None = None
    # Full runs: only exposures listed in this temporary table can have lost their finding or
    # changed details (see full_candidates); new exposures are still looked for everywhere.
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


def sync_findings(
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


def full_candidates(changed_keys: set[tuple[int, str, int]]) -> str:
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


FINDING_COLUMNS = (
    "pk",
    "product_id",
    "firmware",
    "vulnerability_id",
    "method",
    "confidence",
    "explanation",
    "priority",
)


def reconcile_exposures(scope: Scope, now: datetime.datetime, *, expected: int) -> MatchDiff:
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
