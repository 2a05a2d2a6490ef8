"""JVN affected items that apply only to an edition, platform or architecture, or only without a
fix (S-VULN). Kokuchi records neither for a device, so a device inside such a range is a staff
review candidate (要確認) that names the qualifier and why it cannot be checked, never an automatic
customer notice; outside the range's versions it is not matched at all.

The texts are real (JVNDB-2024-003700, JVNDB-2024-000053); the CPE is Microsoft Exchange Server
from the MyJVN product sample, standing in for the CPE of each entry's product.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_contact, make_customer
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.exposures.matching import (
    REVIEW_MARK,
    DeviceIdentity,
    JvnAffected,
    JvnRange,
    match_jvn,
)
from kokuchi.exposures.models import Exposure, Notice
from kokuchi.exposures.runs import match_all
from kokuchi.exposures.status import confirm_candidate
from kokuchi.vulnerabilities.feeds.jvn_versions import parse_version_text
from kokuchi.vulnerabilities.models import AffectedProduct, Vulnerability
from kokuchi.vulnerabilities.tests.realdata import index_cpes

EXCHANGE = "cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*"
EDITION_TEXT = "R2 for x64-based Systems SP1 (Server Core installation)"
PATCH_TEXT = "Version.5.0およびそれ以降、かつ「修正プログラム20240527」未適用のもの"


def jvn_item(text):
    ranges = tuple(JvnRange.from_dict(r) for r in parse_version_text(text))
    return JvnAffected(cpe23=EXCHANGE, version_text=text, ranges=ranges, ranges_parsed=bool(ranges))


def exchange(version, label="Exchange"):
    return DeviceIdentity.build(firmware_cpe=EXCHANGE, hardware_cpe="", firmware_version=version, label=label)


@pytest.mark.parametrize("version", ["0.1", "15.1", "2019", None])
def test_s_vuln_edition_only_text_makes_every_version_a_review_candidate(version):
    found = match_jvn(vuln_id="JVNDB-2024-003700", affected=[jvn_item(EDITION_TEXT)], device=exchange(version))
    assert (found.method, found.confidence) == ("jvn_vendor_product", 10)
    assert found.explanation.startswith(REVIEW_MARK)


def test_s_vuln_edition_only_explanation_names_the_edition_and_why():
    found = match_jvn(vuln_id="JVNDB-2024-003700", affected=[jvn_item(EDITION_TEXT)], device=exchange("15.1"))
    assert found.explanation == (
        "【要確認】Exchange 15.1 は JVNDB-2024-003700 の対象製品として JVN に掲載"
        f"（記載「{EDITION_TEXT}」: 対象は「{EDITION_TEXT}」に限られます（全バージョン）。"
        "機器の版・エディション（プラットフォーム）は登録されていないため自動では判定できません。担当者が確認してください）"
    )


@pytest.mark.parametrize(
    ("version", "candidate"),
    [("4.9.9", False), ("5.0", True), ("5.0.0", True), ("5.0.1", True), ("6", True)],
)
def test_s_vuln_range_without_an_unapplied_fix_is_a_candidate_only_inside_its_versions(version, candidate):
    found = match_jvn(vuln_id="JVNDB-2024-000053", affected=[jvn_item(PATCH_TEXT)], device=exchange(version))
    assert (found is not None) is candidate
    if candidate:
        assert (found.method, found.confidence) == ("jvn_vendor_product", 10)
        assert found.explanation == (
            f"【要確認】Exchange {version} は JVNDB-2024-000053 の対象製品として JVN に掲載"
            f"（記載「{PATCH_TEXT}」: 対象は「修正プログラム20240527」未適用に限られます（範囲 5.0 以上に該当）。"
            "機器に適用済みの修正プログラムは登録されていないため自動では判定できません。担当者が確認してください）"
        )


def test_s_vuln_patch_qualified_range_with_the_version_unknown_is_a_review_candidate():
    found = match_jvn(vuln_id="JVNDB-2024-000053", affected=[jvn_item(PATCH_TEXT)], device=exchange(None))
    assert (found.method, found.confidence) == ("jvn_vendor_product", 10)
    assert "（範囲 5.0 以上、ファームウェアのバージョンは未登録）" in found.explanation


def test_s_vuln_definite_range_of_another_item_wins_over_an_edition_candidate():
    items = [jvn_item(EDITION_TEXT), jvn_item("15.2 未満")]
    found = match_jvn(vuln_id="JVNDB-2024-003700", affected=items, device=exchange("15.1"))
    assert (found.method, found.confidence) == ("jvn_range", 80)


@pytest.mark.django_db
def test_s_vuln_edition_only_item_is_shown_to_staff_and_notified_only_after_confirmation():
    jvn = Vulnerability.objects.create(vuln_id="JVNDB-2024-003700", source="jvn")
    AffectedProduct.objects.create(
        vulnerability=jvn,
        vendor="マイクロソフト",
        product="Microsoft Exchange Server",
        cpe22="cpe:/a:microsoft:exchange_server",
        cpe23=EXCHANGE,
        version_text=EDITION_TEXT,
        ranges=parse_version_text(EDITION_TEXT),
        ranges_parsed=True,
    )
    index_cpes(jvn, [EXCHANGE])
    microsoft = make_manufacturer(slug="microsoft", name_ja="日本マイクロソフト", cpe_vendors=["microsoft"])
    product = make_product(manufacturer=microsoft, model_number="Exchange Server", firmware_cpe=EXCHANGE)
    customer = make_customer(customer_code="C-MAINT", name="株式会社保守あり")
    make_contact(customer=customer, email="it@maint.example.jp")
    device = make_device(product=product, customer=customer, firmware_at_sale="15.1")
    make_contract(
        customer=customer,
        plan=make_plan(name="年間保守"),
        devices=[device],
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )

    match_all(today=datetime.date(2026, 6, 1))

    exposure = Exposure.objects.get(device=device)
    assert (exposure.method, exposure.confidence, exposure.needs_review) == ("jvn_vendor_product", 10, True)
    assert f"対象は「{EDITION_TEXT}」に限られ" in exposure.explanation
    assert Notice.objects.count() == 0

    confirm_candidate(exposure=exposure, reason="エディションを確認済み", changed_by=make_user())

    assert list(Notice.objects.values_list("customer__customer_code", "kind")) == [("C-MAINT", "contracted")]


@pytest.mark.django_db
def test_s_vuln_reparse_turns_a_stored_edition_only_text_into_a_qualified_range():
    """Rows imported before the parser knew editions were stored as not understood; the reparse
    gives them the qualified range, so the next match names the edition."""
    jvn = Vulnerability.objects.create(vuln_id="JVNDB-2024-003700", source="jvn")
    row = AffectedProduct.objects.create(
        vulnerability=jvn,
        cpe23=EXCHANGE,
        version_text="for x64-based Systems",
        ranges=[],
        ranges_parsed=False,
    )

    call_command("feeds", "unparsed-versions", "--reparse", stdout=StringIO())

    row.refresh_from_db()
    assert (row.ranges_parsed, row.ranges) == (
        True,
        [
            {
                "start": None,
                "start_inclusive": False,
                "end": None,
                "end_inclusive": False,
                "exact": None,
                "cve_ids": [],
                "qualifier": "for x64-based Systems",
                "qualifier_kind": "edition",
            }
        ],
    )
