import datetime

import pytest

from kokuchi.catalog.tests.factories import make_product
from kokuchi.vulnerabilities.models import KnownExploited, Vulnerability, VulnerabilityAlias, VulnerabilityCpe
from kokuchi.vulnerabilities.selectors import product_vulnerability_history

pytestmark = pytest.mark.django_db


def _vuln(vuln_id, severity, published, cpe=("o", "fortinet", "fortios"), withdrawn=False):
    vuln = Vulnerability.objects.create(
        vuln_id=vuln_id,
        source="nvd" if vuln_id.startswith("CVE") else "jvn",
        cvss3_severity=severity,
        published=datetime.datetime(*published, tzinfo=datetime.UTC),
        withdrawn=withdrawn,
    )
    VulnerabilityCpe.objects.create(vulnerability=vuln, part=cpe[0], vendor=cpe[1], product=cpe[2])
    return vuln


def test_s_risk_history_counts_recent_by_severity_and_kev_once_per_flaw():
    product = make_product(firmware_cpe="cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*")
    _vuln("CVE-2024-21762", "CRITICAL", (2024, 2, 9))
    _vuln("CVE-2023-27997", "CRITICAL", (2023, 6, 13))
    _vuln("CVE-2022-0001", "MEDIUM", (2022, 1, 1))  # older than three years
    _vuln("CVE-2025-0002", "HIGH", (2025, 5, 1), withdrawn=True)  # rejected: never counted
    jvn = _vuln("JVNDB-2024-001234", "CRITICAL", (2024, 2, 10))
    VulnerabilityAlias.objects.create(vulnerability=jvn, alias_id="CVE-2024-21762")  # same flaw
    _vuln("CVE-2024-9999", "LOW", (2024, 3, 1), cpe=("o", "yamaha", "rtx1300_firmware"))
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))

    history = product_vulnerability_history(product, today=datetime.date(2026, 5, 1))

    assert history.total == 2
    assert history.by_severity == {"CRITICAL": 2, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}
    assert history.known_exploited == 1
    assert history.known_exploited_ids == ("CVE-2024-21762",)
    assert history.since == datetime.date(2023, 5, 1)


def test_s_risk_history_is_none_without_data():
    assert product_vulnerability_history(make_product(firmware_cpe="")) is None
    product = make_product(firmware_cpe="cpe:2.3:o:yamaha:rtx1300_firmware:*:*:*:*:*:*:*:*")
    assert product_vulnerability_history(product) is None
