"""Upsert parsed feed records into the database, touching only rows whose content changed.

A vulnerability row is rewritten only when the sha256 of its parsed record (content_hash) differs
from the stored one, so `changed_at` moves only on real change and a re-import is a no-op. Every
load returns an ImportResult whose `changed_ids` the matcher uses to match incrementally; after the
enclosing transaction commits, each callable in AFTER_IMPORT_HOOKS is called with those IDs.

Callers own the transaction (one per file for offline import, one per page/file with its resume
marker for online sync); these functions must run inside `transaction.atomic()`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kokuchi.vulnerabilities.models import (
    AffectedProduct,
    EpssScore,
    KnownExploited,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityCpe,
)

from .records import EpssRecord, KevRecord, VulnRecord

# Called with the set of changed vulnerability IDs after each committed import or sync step.
# The matcher registers itself here: AFTER_IMPORT_HOOKS.append(match_changed_vulnerabilities).
AFTER_IMPORT_HOOKS: list[Callable[[set[str]], None]] = []

BATCH_SIZE = 1000
EPSS_BATCH_SIZE = 5000

_VULN_FIELDS = (
    "source", "title_ja", "title_en", "description_ja", "description_en", "cvss3_score", "cvss3_severity",
    "cvss3_vector", "cvss4_score", "cvss4_severity", "cvss4_vector", "cwe_ids", "published", "last_modified",
    "source_status", "withdrawn", "references", "configurations", "content_hash", "changed_at",
)


@dataclass
class ImportResult:
    """What one import/sync did. `changed_ids`: vulnerability IDs created or changed (and CVE IDs
    whose KEV entry was added, changed or removed); EPSS scores are counted but not listed,
    because every score moves every day."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    pages: int = 0
    changed_ids: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted

    def add(self, other: ImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.pages += other.pages
        self.changed_ids |= other.changed_ids
        self.messages.extend(other.messages)


def run_hooks_on_commit(changed_ids: set[str]) -> None:
    """Schedule AFTER_IMPORT_HOOKS for when the current transaction commits (now if none is open)."""
    if not changed_ids:
        return
    ids = set(changed_ids)

    def call_hooks() -> None:
        for hook in list(AFTER_IMPORT_HOOKS):
            hook(set(ids))

    transaction.on_commit(call_hooks)


def batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _vulnerability(record: VulnRecord, now) -> Vulnerability:
    return Vulnerability(
        vuln_id=record.vuln_id, source=record.source, title_ja=record.title_ja, title_en=record.title_en,
        description_ja=record.description_ja, description_en=record.description_en,
        cvss3_score=record.cvss3_score, cvss3_severity=record.cvss3_severity, cvss3_vector=record.cvss3_vector,
        cvss4_score=record.cvss4_score, cvss4_severity=record.cvss4_severity, cvss4_vector=record.cvss4_vector,
        cwe_ids=list(record.cwe_ids), published=record.published, last_modified=record.last_modified,
        source_status=record.source_status, withdrawn=record.withdrawn, references=list(record.references),
        configurations=list(record.configurations), content_hash=record.content_hash, changed_at=now,
    )


def upsert_vulnerabilities(records: Iterable[VulnRecord], *, batch_size: int | None = None,
                           source: str = "", on_batch: Callable[[ImportResult], None] | None = None
                           ) -> ImportResult:
    """Create or update vulnerabilities (with aliases, affected products and the CPE index).

    Rows whose content_hash is unchanged are not written at all. Two queries per batch find the
    stored hashes and write the changed rows; children of changed rows are replaced in bulk.
    """
    result = ImportResult(source=source)
    for chunk in batched(records, batch_size or BATCH_SIZE):
        batch = ImportResult(source=source)
        by_id = {record.vuln_id: record for record in chunk}  # a later duplicate wins
        stored = dict(Vulnerability.objects.filter(vuln_id__in=list(by_id)).values_list("vuln_id", "content_hash"))
        changed = [r for r in by_id.values() if stored.get(r.vuln_id) != r.content_hash]
        batch.unchanged = len(by_id) - len(changed)
        if changed:
            now = timezone.now()
            Vulnerability.objects.bulk_create(
                [_vulnerability(record, now) for record in changed],
                update_conflicts=True, unique_fields=["vuln_id"], update_fields=list(_VULN_FIELDS),
            )
            pks = dict(Vulnerability.objects.filter(vuln_id__in=[r.vuln_id for r in changed])
                       .values_list("vuln_id", "pk"))
            existing_pks = [pks[r.vuln_id] for r in changed if r.vuln_id in stored]
            if existing_pks:
                VulnerabilityAlias.objects.filter(vulnerability_id__in=existing_pks).delete()
                AffectedProduct.objects.filter(vulnerability_id__in=existing_pks).delete()
                VulnerabilityCpe.objects.filter(vulnerability_id__in=existing_pks).delete()
            aliases, affected, cpes = [], [], []
            for record in changed:
                pk = pks[record.vuln_id]
                aliases.extend(VulnerabilityAlias(vulnerability_id=pk, alias_id=alias)
                               for alias in dict.fromkeys(record.aliases))
                affected.extend(
                    AffectedProduct(vulnerability_id=pk, vendor=a.vendor[:200], product=a.product[:300],
                                    cpe22=a.cpe22[:300], cpe23=a.cpe23[:300], version_text=a.version_text,
                                    ranges=list(a.ranges), ranges_parsed=a.ranges_parsed)
                    for a in record.affected)
                cpes.extend(VulnerabilityCpe(vulnerability_id=pk, part=part, vendor=vendor[:200], product=product[:200])
                            for part, vendor, product in dict.fromkeys(record.cpes))
            VulnerabilityAlias.objects.bulk_create(aliases, batch_size=5000)
            AffectedProduct.objects.bulk_create(affected, batch_size=2000)
            VulnerabilityCpe.objects.bulk_create(cpes, batch_size=5000)
            batch.created = sum(1 for r in changed if r.vuln_id not in stored)
            batch.updated = len(changed) - batch.created
            batch.changed_ids = {r.vuln_id for r in changed}
        result.add(batch)
        if on_batch is not None:
            on_batch(batch)
    return result


_KEV_FIELDS = ("vendor_project", "product", "name", "date_added", "due_date", "known_ransomware_use",
               "required_action", "notes")


def replace_known_exploited(records: Iterable[KevRecord]) -> ImportResult:
    """Make the KEV table equal to the catalog: add new entries, update changed ones, remove dropped ones."""
    result = ImportResult(source="kev")
    incoming = {record.cve_id: record for record in records}
    stored = {row.cve_id: row for row in KnownExploited.objects.all()}
    to_create, to_update = [], []
    for cve_id, record in incoming.items():
        values = {name: getattr(record, name) for name in _KEV_FIELDS}
        row = stored.get(cve_id)
        if row is None:
            to_create.append(KnownExploited(cve_id=cve_id, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            to_update.append(row)
        else:
            result.unchanged += 1
    removed = [cve_id for cve_id in stored if cve_id not in incoming]
    KnownExploited.objects.bulk_create(to_create, batch_size=1000)
    KnownExploited.objects.bulk_update(to_update, list(_KEV_FIELDS), batch_size=500)
    for chunk in batched(removed, 500):
        KnownExploited.objects.filter(cve_id__in=chunk).delete()
    result.created, result.updated, result.deleted = len(to_create), len(to_update), len(removed)
    result.changed_ids = {row.cve_id for row in to_create} | {row.cve_id for row in to_update} | set(removed)
    return result


def upsert_epss(records: Iterable[EpssRecord], *, batch_size: int | None = None,
                on_batch: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Store the latest EPSS score per CVE; rows already holding the same values are not written.

    An older file never overwrites a newer stored score (score_date decides)."""
    result = ImportResult(source="epss")
    for chunk in batched(records, batch_size or EPSS_BATCH_SIZE):
        batch = ImportResult(source="epss")
        by_id = {record.cve_id: record for record in chunk}
        stored = {cve_id: (score, percentile, day) for cve_id, score, percentile, day in
                  EpssScore.objects.filter(cve_id__in=list(by_id)).values_list("cve_id", "score", "percentile",
                                                                               "score_date")}
        rows = []
        for cve_id, record in by_id.items():
            old = stored.get(cve_id)
            new = (record.score, record.percentile, record.score_date)
            if old == new or (old and old[2] and record.score_date and record.score_date < old[2]):
                batch.unchanged += 1
                continue
            rows.append(EpssScore(cve_id=cve_id, score=record.score, percentile=record.percentile,
                                  score_date=record.score_date))
            if old is None:
                batch.created += 1
            else:
                batch.updated += 1
        if rows:
            EpssScore.objects.bulk_create(rows, update_conflicts=True, unique_fields=["cve_id"],
                                          update_fields=["score", "percentile", "score_date"])
        result.add(batch)
        if on_batch is not None:
            on_batch(batch)
    return result
