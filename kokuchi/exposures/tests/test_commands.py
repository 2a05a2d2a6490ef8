"""`kokuchi match` and `kokuchi exposures` through call_command."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from kokuchi.customers.tests.factories import make_customer
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.models import Exposure
from kokuchi.exposures.tests.test_services import fortigate
from kokuchi.vulnerabilities.models import EpssScore, KnownExploited, VulnerabilityAlias
from kokuchi.vulnerabilities.tests.realdata import make_nvd_vulnerability

pytestmark = pytest.mark.django_db

COLUMNS = [
    "serial_number",
    "customer_code",
    "manufacturer",
    "model",
    "firmware_version",
    "vulnerability",
    "aliases",
    "method",
    "source",
    "confidence",
    "needs_review",
    "status",
    "kev",
    "epss",
    "cvss",
    "explanation",
]


def _setup():
    vuln = make_nvd_vulnerability("CVE-2024-21762")
    VulnerabilityAlias.objects.create(vulnerability=vuln, alias_id="JVNDB-2024-001234")
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))
    EpssScore.objects.create(cve_id="CVE-2024-21762", score=0.94373)
    product = fortigate()
    make_device(
        product=product, customer=make_customer(customer_code="C-001"), serial_number="FGT-A", firmware_at_sale="7.0.12"
    )
    make_device(
        product=product, customer=make_customer(customer_code="C-002"), serial_number="FGT-B", firmware_at_sale="7.2.6"
    )


def test_match_command_full_then_incremental():
    _setup()
    out = io.StringIO()
    call_command("match", "--full", "--no-notify", stdout=out)
    assert out.getvalue().strip() == (
        "full: vulnerabilities=1 pairs=2 created=2 reopened=0 updated=0 "
        "resolved_by_update=0 no_longer_matches=0 unchanged=0"
    )
    out = io.StringIO()
    call_command("match", "--no-notify", stdout=out)
    assert out.getvalue().strip() == (
        "incremental: vulnerabilities=0 pairs=0 created=0 reopened=0 updated=0 "
        "resolved_by_update=0 no_longer_matches=0 unchanged=0"
    )
    assert Exposure.objects.count() == 2


def test_s_vuln_incremental_match_takes_devices_delivered_since_the_last_run():
    _setup()
    call_command("match", "--full", "--no-notify", stdout=io.StringIO())
    product = Exposure.objects.first().device.product
    newcomer = make_device(
        product=product, customer=make_customer(customer_code="C-003"), serial_number="FGT-C", firmware_at_sale="7.0.12"
    )

    out = io.StringIO()
    call_command("match", "--no-notify", stdout=out)

    assert out.getvalue().splitlines()[-1] == (
        "changed devices: vulnerabilities=1 pairs=1 created=1 reopened=0 "
        "updated=0 resolved_by_update=0 no_longer_matches=0 unchanged=0"
    )
    assert Exposure.objects.get(device=newcomer).vulnerability.vuln_id == "CVE-2024-21762"


def test_exposures_command_csv_columns():
    _setup()
    call_command("match", "--full", "--no-notify", stdout=io.StringIO())
    out = io.StringIO()
    call_command("exposures", "--customer", "C-001", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        COLUMNS,
        [
            "FGT-A",
            "C-001",
            "フォーティネット",
            "FG-60F",
            "7.0.12",
            "CVE-2024-21762",
            "JVNDB-2024-001234",
            "nvd_range",
            "NVD",
            "90",
            "no",
            "open",
            "yes",
            "0.94373",
            "9.8",
            "FG-60F 7.0.12 は CVE-2024-21762 の範囲 7.0.0 以上 7.0.14 未満に該当",
        ],
    ]


def test_exposures_command_json():
    _setup()
    call_command("match", "--full", "--no-notify", stdout=io.StringIO())
    out = io.StringIO()
    call_command("exposures", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert [list(row) for row in data] == [COLUMNS, COLUMNS]
    assert [(r["serial_number"], r["aliases"], r["kev"], r["cvss"]) for r in data] == [
        ("FGT-A", ["JVNDB-2024-001234"], True, 9.8),
        ("FGT-B", ["JVNDB-2024-001234"], True, 9.8),
    ]


def test_exposures_command_unknown_customer():
    with pytest.raises(CommandError, match="No customer with code 'NOPE'"):
        call_command("exposures", "--customer", "NOPE", stdout=io.StringIO())


def test_exposures_csv_neutralises_formula_cells():
    vuln = make_nvd_vulnerability("CVE-2024-21762")
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))
    make_device(
        product=fortigate(),
        customer=make_customer(customer_code="@C-001"),
        serial_number='=HYPERLINK("http://attacker.invalid","x")',
        firmware_at_sale="7.0.12",
    )
    assert vuln.vuln_id == "CVE-2024-21762"
    call_command("match", "--full", "--no-notify", stdout=io.StringIO())
    out = io.StringIO()
    call_command("exposures", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][:2] == ['\'=HYPERLINK("http://attacker.invalid","x")', "'@C-001"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
