"""Re-read the stored JVN version texts with the current parser (S-VULN).

The parser learns new forms over time; the texts already imported keep the ranges of the parser
that imported them until the entry changes upstream. `reparse_jvn_version_texts` applies the
current parser to the stored texts, saves the rows whose result changed and marks their
vulnerabilities changed, so that the next `kokuchi match` re-evaluates exactly those.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kokuchi.vulnerabilities.models import AffectedProduct, Vulnerability, VulnerabilityAlias

from .jvn_versions import parse_version_text


@dataclass
class ReparseResult:
    examined: int = 0
    now_parsed: int = 0
    now_unparsed: int = 0
    ranges_changed: int = 0
    vulnerability_ids: list[str] = field(default_factory=list)


def reparse_jvn_version_texts(*, only_unparsed: bool = True, batch: int = 2000) -> ReparseResult:
    """Apply the current JVN version parser to stored affected products (by default only those
    stored as not understood) in one transaction; return what changed."""
    result = ReparseResult()
    rows = AffectedProduct.objects.select_related("vulnerability").order_by("pk")
    if only_unparsed:
        rows = rows.filter(ranges_parsed=False).exclude(version_text="")
    changed: list[AffectedProduct] = []
    touched: set[int] = set()
    with transaction.atomic():
        items = list(rows)
        cves: dict[int, list[str]] = defaultdict(list)
        vuln_pks = {row.vulnerability_id for row in items}
        pks = sorted(vuln_pks)
        for i in range(0, len(pks), batch):
            for vpk, alias in VulnerabilityAlias.objects.filter(
                vulnerability_id__in=pks[i : i + batch], alias_id__startswith="CVE-"
            ).values_list("vulnerability_id", "alias_id"):
                cves[vpk].append(alias)
        for row in items:
            result.examined += 1
            ranges = (
                parse_version_text(row.version_text, cves.get(row.vulnerability_id, ())) if row.version_text else []
            )
            parsed = bool(ranges)
            if parsed == row.ranges_parsed and ranges == (row.ranges or []):
                continue
            if parsed and not row.ranges_parsed:
                result.now_parsed += 1
            elif row.ranges_parsed and not parsed:
                result.now_unparsed += 1
            else:
                result.ranges_changed += 1
            row.ranges, row.ranges_parsed = ranges, parsed
            changed.append(row)
            touched.add(row.vulnerability_id)
        AffectedProduct.objects.bulk_update(changed, ["ranges", "ranges_parsed"], batch_size=batch)
        ordered = sorted(touched)
        for i in range(0, len(ordered), batch):
            Vulnerability.objects.filter(pk__in=ordered[i : i + batch]).update(changed_at=timezone.now())
        result.vulnerability_ids = sorted(
            Vulnerability.objects.filter(pk__in=ordered).values_list("vuln_id", flat=True)
        )
    return result
