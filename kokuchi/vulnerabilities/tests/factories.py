"""Plain factories for published vulnerability knowledge; every default is visible here.

The defaults are placeholders for tests that need a row, not real data: tests about real
records use realdata.py, which reads the published samples.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from kokuchi.vulnerabilities.models import EpssScore, KnownExploited, Vulnerability, VulnerabilityAlias

_seq = itertools.count(1)


def make_vulnerability(**overrides: Any) -> Vulnerability:
    n = next(_seq)
    fields: dict[str, Any] = {
        "vuln_id": f"CVE-2099-{n:05d}",
        "source": "nvd",
        "title_en": f"Test vulnerability {n}",
        "published": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    } | overrides
    return Vulnerability.objects.create(**fields)


def make_alias(*, vulnerability: Vulnerability, alias_id: str) -> VulnerabilityAlias:
    return VulnerabilityAlias.objects.create(vulnerability=vulnerability, alias_id=alias_id)


def make_known_exploited(**overrides: Any) -> KnownExploited:
    fields: dict[str, Any] = {
        "cve_id": f"CVE-2099-{next(_seq):05d}",
        "date_added": datetime.date(2026, 1, 1),
    } | overrides
    return KnownExploited.objects.create(**fields)


def make_epss(**overrides: Any) -> EpssScore:
    fields: dict[str, Any] = {"cve_id": f"CVE-2099-{next(_seq):05d}", "score": 0.5} | overrides
    return EpssScore.objects.create(**fields)
