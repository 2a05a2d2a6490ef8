"""Store a parsed CSAF advisory or CVE record: its product statements replace the document's
earlier ones, and a vulnerability Kokuchi has no row for yet gets a minimal one (NVD's import
later replaces it; a row NVD or JVN wrote is never touched here).

The caller owns the transaction (one per document).
"""

from __future__ import annotations

import hashlib

from django.utils import timezone

from kokuchi.vulnerabilities.models import (
    AdvisoryDocument,
    ProductStatement,
    StatementSource,
    Vulnerability,
    VulnerabilitySource,
)

from .loader import ImportResult
from .statements import AdvisoryRecord

_DOCUMENT_SOURCES = {
    "csaf": (StatementSource.CSAF,),
    "cve5": (StatementSource.CVE5_CNA, StatementSource.CVE5_ADP),
}


def document_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def advisory_already_loaded(*, feed: str, sha256: str, location: str) -> bool:
    """Whether these exact bytes were loaded from this place before (checked before parsing)."""
    return AdvisoryDocument.objects.filter(source=feed, url=location[:500], sha256=sha256).exists()


def load_advisory(record: AdvisoryRecord, *, sha256: str, location: str = "") -> ImportResult:
    """Write one document's statements (and missing vulnerability rows); a document whose bytes
    were already loaded changes nothing."""
    result = ImportResult(source=record.feed)
    stored = AdvisoryDocument.objects.filter(source=record.feed, document_id=record.document_id).first()
    if stored is not None and stored.sha256 == sha256:
        result.unchanged = 1
        return result
    if stored is not None:
        ProductStatement.objects.filter(
            source__in=_DOCUMENT_SOURCES[record.feed], document_id=record.document_id
        )._raw_delete(ProductStatement.objects.db)
    ProductStatement.objects.bulk_create(
        [
            ProductStatement(
                vuln_id=s.vuln_id,
                source=s.source,
                document_id=record.document_id,
                document_url=record.url[:500],
                publisher=record.publisher[:200],
                vendor=s.vendor[:200],
                product=s.product[:300],
                cpe23=s.cpe23[:300],
                status=s.status,
                version_text=s.version_text,
                ranges=list(s.ranges),
                all_versions=s.all_versions,
                fixed_version=s.fixed_version[:200],
                remediation_url=s.remediation_url[:500],
                remediation_text=s.remediation_text,
                reason=s.reason,
            )
            for s in record.statements
        ],
        batch_size=1000,
    )
    existing = set(
        Vulnerability.objects.filter(vuln_id__in=[v.vuln_id for v in record.vulnerabilities]).values_list(
            "vuln_id", flat=True
        )
    )
    source = VulnerabilitySource.CSAF if record.feed == "csaf" else VulnerabilitySource.CVE5
    new_rows = [
        Vulnerability(
            vuln_id=v.vuln_id,
            source=source,
            title_en=v.title,
            description_en=v.description,
            published=v.published,
            last_modified=record.released,
            cwe_ids=list(v.cwe_ids),
            references=list(v.references),
            source_status=record.publisher[:40],
        )
        for v in {v.vuln_id: v for v in record.vulnerabilities}.values()
        if v.vuln_id not in existing
    ]
    Vulnerability.objects.bulk_create(new_rows, batch_size=1000)
    if stored is None:
        AdvisoryDocument.objects.create(
            source=record.feed,
            document_id=record.document_id,
            sha256=sha256,
            url=location[:500],
            released_at=record.released,
        )
    else:
        AdvisoryDocument.objects.filter(pk=stored.pk).update(
            sha256=sha256, url=location[:500], released_at=record.released, loaded_at=timezone.now()
        )
    result.created = 1 if stored is None else 0
    result.updated = 0 if stored is None else 1
    result.changed_ids = {v.vuln_id for v in record.vulnerabilities} | {s.vuln_id for s in record.statements}
    result.messages.extend(record.warnings)
    return result
