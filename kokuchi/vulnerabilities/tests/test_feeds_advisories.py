"""CSAF 2.0 and CVE JSON 5 parsing on real documents, version texts and `vers` ranges, and the
offline import of both (a malformed document refused naming the field, database unchanged)."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kokuchi.vulnerabilities.feeds.csaf import parse_csaf
from kokuchi.vulnerabilities.feeds.cve5 import parse_cve5
from kokuchi.vulnerabilities.feeds.records import FeedError
from kokuchi.vulnerabilities.feeds.statements import parse_vers, parse_version_text
from kokuchi.vulnerabilities.models import AdvisoryDocument, ProductStatement, Vulnerability
from kokuchi.vulnerabilities.tests.feedserver import sample

FORTINET = "csaf/vendor-fortinet/csaf_authenticated-heap-overflow-in-ssl-vpn-bookmarks.json"
BSI = "csaf/oasis-examples/csaf/bsi-2022-0001.json"
CVE5_FORTIOS = "cve5/CVE-2024-21762.json"
CVE5_NEC = "cve5/CVE-2025-0355.json"


def _range(start=None, start_inclusive=True, end=None, end_inclusive=False, exact=None):
    return {
        "start": start,
        "start_inclusive": start_inclusive,
        "end": end,
        "end_inclusive": end_inclusive,
        "exact": exact,
    }


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("Ver.1.7.2 and earlier", (_range(end="1.7.2", end_inclusive=True),)),
        ("< 7.2.5", (_range(end="7.2.5"),)),
        ("versions prior to 2.0", (_range(end="2.0"),)),
        ("through 10.2.4-h3", (_range(end="10.2.4-h3", end_inclusive=True),)),
        ("1.0 - 1.4", (_range(start="1.0", end="1.4", end_inclusive=True),)),
        ("7.4.8 and later", (_range(start="7.4.8"),)),
        ("15.2(7)E9", (_range(exact="15.2(7)E9"),)),
        ("all supported releases", None),
    ],
)
def test_english_version_texts(text, ranges):
    assert parse_version_text(text) == ranges


def test_vers_ranges_pair_lower_and_upper_bounds():
    assert parse_vers("vers:generic/>=7.0.0|<7.0.13|>=7.2.0|<=7.2.5|7.4.1") == (
        _range(start="7.0.0", end="7.0.13"),
        _range(start="7.2.0", end="7.2.5", end_inclusive=True),
        _range(exact="7.4.1"),
    )
    assert parse_vers("vers:generic/*") == (_range(),)
    assert parse_vers("vers:generic/!=1.0") is None


def test_csaf_fortinet_affected_and_known_not_affected_versions():
    record = parse_csaf(sample(FORTINET).read_bytes())

    fortios = {s.status: s for s in record.statements if s.product == "FortiOS"}
    assert record.document_id == "FG-IR-25-756"
    assert fortios["not_affected"].version_text == "7.2.11, 7.2.12, 7.4.8, 7.4.9, 7.6.3, 7.6.4"
    assert [r["exact"] for r in fortios["affected"].ranges][:3] == ["6.4.0", "6.4.1", "6.4.2"]
    assert len(fortios["affected"].ranges) == 57


def test_csaf_vendor_fix_carries_the_fixed_version_and_url():
    record = parse_csaf(sample(BSI).read_bytes())

    affected = [s for s in record.statements if s.status == "affected"]
    assert {(s.fixed_version, s.remediation_url) for s in affected} == {
        ("1.0.0-rc2", "https://github.com/csaf-tools/CVRF-CSAF-Converter/releases/tag/1.0.0-rc2")
    }
    assert affected[0].cpe23 == "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha:*:*:*:*:*:*:*"


def test_csaf_undefined_product_id_is_refused_naming_the_field():
    document = json.loads(sample(BSI).read_bytes())
    document["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999")

    with pytest.raises(FeedError) as error:
        parse_csaf(json.dumps(document).encode(), file="bad.json")

    assert str(error.value) == (
        "bad.json: vulnerabilities[0].product_status.known_affected: "
        "product_id 'CSAFPID-9999' is not defined in the product_tree"
    )


def test_cve5_cna_and_cisa_adp_affected_data():
    record = parse_cve5(sample(CVE5_FORTIOS).read_bytes())

    cna = [s for s in record.statements if s.source == "cve5_cna" and s.product == "FortiOS"]
    adp = [s for s in record.statements if s.source == "cve5_adp" and s.product == "fortios"]
    assert cna[0].ranges[2] == _range(start="7.0.0", end="7.0.13", end_inclusive=True)
    assert cna[0].version_text.startswith("7.4.0 ≤ v ≤ 7.4.2; 7.2.0 ≤ v ≤ 7.2.6")
    assert [(s.cpe23, s.ranges) for s in adp][0] == (
        "cpe:2.3:o:fortinet:fortios:6.0.0:*:*:*:*:*:*:*",
        (_range(start="6.0.0", end="6.2.16"),),
    )
    assert len(adp) == 5


def test_cve5_version_text_of_the_cna():
    record = parse_cve5(sample(CVE5_NEC).read_bytes())

    assert [(s.product, s.version_text, s.ranges) for s in record.statements][0] == (
        "WG2600HS",
        "Ver.1.7.2 and earlier",
        (_range(end="1.7.2", end_inclusive=True),),
    )


@pytest.mark.django_db
def test_feeds_import_command_loads_csaf_and_cve5_then_is_a_no_op():
    out = io.StringIO()
    call_command("feeds", "import", "--source", "cve5", str(sample(CVE5_NEC)), "--no-progress", stdout=out)
    call_command("feeds", "import", "--source", "csaf", str(sample(FORTINET)), "--no-progress", stdout=out)
    again = io.StringIO()
    call_command("feeds", "import", "--source", "csaf", str(sample(FORTINET)), "--no-progress", stdout=again)

    assert sorted(Vulnerability.objects.values_list("vuln_id", "source")) == [
        ("CVE-2025-0355", "cve5"),
        ("FG-IR-25-756", "csaf"),
    ]
    assert ProductStatement.objects.filter(document_id="FG-IR-25-756").count() == 6
    assert AdvisoryDocument.objects.count() == 2
    assert again.getvalue().startswith("csaf: 0 created, 0 updated, 1 unchanged")


@pytest.mark.django_db
def test_feeds_import_refuses_a_malformed_csaf_database_unchanged(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"document": {"csaf_version": "2.0", "tracking": {}}}')

    with pytest.raises(CommandError) as error:
        call_command("feeds", "import", "--source", "csaf", str(bad), "--no-progress", stdout=io.StringIO())

    assert str(error.value) == (
        f"import rejected, database unchanged for this file: {bad}: document.tracking.id: expected a non-empty string"
    )
    assert (ProductStatement.objects.count(), Vulnerability.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_feeds_import_keeps_the_advisories_before_a_refused_one(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")

    with pytest.raises(CommandError) as error:
        call_command(
            "feeds",
            "import",
            "--source",
            "csaf",
            str(sample(FORTINET)),
            str(bad),
            str(sample(BSI)),
            "--no-progress",
            stdout=io.StringIO(),
        )

    assert "bad.json: line 1 column 2: not JSON" in str(error.value)
    assert sorted(AdvisoryDocument.objects.values_list("document_id", flat=True)) == ["FG-IR-25-756"]
    assert ProductStatement.objects.filter(document_id="BSI-2022-0001").count() == 0
