"""A JVN version text matching cannot read becomes "version range unknown" (S-VULN): a candidate
shown to staff as 要確認 with the text and a low confidence, never an automatic customer notice."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_contact, make_customer
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.exposures.models import Exposure, Notice, WorkItem
from kokuchi.exposures.reports import build_customer_report_context
from kokuchi.exposures.runs import match_all
from kokuchi.vulnerabilities.models import AffectedProduct, Vulnerability
from kokuchi.vulnerabilities.tests.realdata import make_aterm_jvn, make_nvd_vulnerability

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def wg2600hs():
    nec = make_manufacturer(slug="nec", name_ja="日本電気", cpe_vendors=["nec"])
    return make_product(
        manufacturer=nec,
        model_number="WG2600HS",
        firmware_cpe="cpe:2.3:o:nec:aterm_wg2600hs_firmware:*:*:*:*:*:*:*:*",
    )


def contracted_and_opted_in_devices(product):
    contracted = make_customer(customer_code="C-MAINT", name="株式会社保守あり")
    make_contact(customer=contracted, email="it@maint.example.jp")
    opted = make_customer(customer_code="C-OPTIN", name="株式会社通知希望", notify_without_contract=True)
    make_contact(customer=opted, email="it@optin.example.jp")
    covered = make_device(product=product, customer=contracted, firmware_at_sale="1.7.1")
    make_contract(
        customer=contracted,
        plan=make_plan(name="年間保守"),
        devices=[covered],
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    make_device(product=product, customer=opted, firmware_at_sale="1.7.1")


def test_s_vuln_unparsed_version_text_is_a_review_candidate_never_notified():
    make_nvd_vulnerability("CVE-2025-0355")
    make_aterm_jvn(parsed=False)
    contracted_and_opted_in_devices(wg2600hs())

    match_all(today=TODAY)

    exposures = Exposure.objects.filter(vulnerability__vuln_id="CVE-2025-0355").order_by("customer__customer_code")
    assert [(e.method, e.confidence, e.needs_review) for e in exposures] == [
        ("jvn_vendor_product", 10, True),
        ("jvn_vendor_product", 10, True),
    ]
    assert exposures[0].explanation == (
        "【要確認】WG2600HS は CVE-2025-0355 の対象製品として JVN に掲載（バージョン範囲不明: "
        "記載「Ver.1.7.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）」を解釈できないため製品名のみで照合。"
        "担当者が確認してください）"
    )
    assert sorted(WorkItem.objects.values_list("customer__customer_code", "vulnerability__vuln_id")) == [
        ("C-MAINT", "CVE-2025-0355"),
        ("C-MAINT", "JVNDB-2025-000002"),
    ]
    assert Notice.objects.count() == 0


def test_s_vuln_parsed_version_text_still_notifies_the_customer():
    make_nvd_vulnerability("CVE-2025-0355")
    make_aterm_jvn(parsed=True)
    contracted_and_opted_in_devices(wg2600hs())

    match_all(today=TODAY)

    assert sorted(
        Notice.objects.filter(vulnerability__vuln_id="CVE-2025-0355").values_list("customer__customer_code", "kind")
    ) == [("C-MAINT", "contracted"), ("C-OPTIN", "informational")]


def test_s_vuln_review_badge_shown_to_staff(client):
    make_nvd_vulnerability("CVE-2025-0355")
    make_aterm_jvn(parsed=False)
    device = make_device(product=wg2600hs(), firmware_at_sale="1.7.1")
    match_all(notify=False)
    client.force_login(make_user(role=Role.SALES))

    page = client.get(f"/exposures/devices/{device.pk}/", HTTP_ACCEPT_LANGUAGE="ja")

    assert page.status_code == 200
    # CVE-2025-0355 and JVNDB-2025-000002 (for CVE-2025-0354, which has no row of its own).
    assert page.content.decode().count('data-requirement="S-VULN">要確認</strong>') == 2


def unparsed_row(vulnerability, text):
    return AffectedProduct.objects.create(
        vulnerability=vulnerability,
        vendor="有限会社アップルップル",
        product="a-blog cms",
        cpe22="cpe:/a:appleple:a-blog_cms",
        cpe23="cpe:2.3:a:appleple:a-blog_cms:*:*:*:*:*:*:*:*",
        version_text=text,
        ranges=[],
        ranges_parsed=False,
    )


def test_s_vuln_feeds_unparsed_versions_lists_texts_with_counts():
    first = Vulnerability.objects.create(vuln_id="JVNDB-2024-000007", source="jvn")
    second = Vulnerability.objects.create(vuln_id="JVNDB-2024-000012", source="jvn")
    unparsed_row(first, "Build time が 2021 年 6 月より前のバージョン")
    unparsed_row(first, "Build time が 2021 年 6 月より前のバージョン")
    unparsed_row(second, "2023年12月31日以前に公開されていたアクセス解析CGI An-Analyzer")
    out = StringIO()

    call_command("feeds", "unparsed-versions", stdout=out)

    assert out.getvalue().splitlines() == [
        "2 distinct unparsed version text(s), 3 affected product(s)",
        "count\tvulnerabilities\ttext\texamples",
        "2\t1\tBuild time が 2021 年 6 月より前のバージョン\tJVNDB-2024-000007",
        "1\t1\t2023年12月31日以前に公開されていたアクセス解析CGI An-Analyzer\tJVNDB-2024-000012",
    ]


def test_s_vuln_reparse_applies_the_current_parser_and_marks_the_vulnerability_changed():
    vulnerability = Vulnerability.objects.create(vuln_id="JVNDB-2024-000011", source="jvn")
    before = Vulnerability.objects.get(pk=vulnerability.pk).changed_at
    row = unparsed_row(vulnerability, "Ver.2.10.50 より前のバージョン (Ver.2.10.x系)")
    out = StringIO()

    call_command("feeds", "unparsed-versions", "--reparse", stdout=out)

    row.refresh_from_db()
    assert row.ranges_parsed is True
    assert row.ranges == [
        {
            "start": "2.10.x",
            "start_inclusive": True,
            "end": "2.10.50",
            "end_inclusive": False,
            "exact": None,
            "cve_ids": [],
        }
    ]
    assert Vulnerability.objects.get(pk=vulnerability.pk).changed_at > before
    assert out.getvalue().splitlines()[0] == (
        "reparsed 1 affected product(s): 1 now parsed, 0 no longer parsed, 0 with other ranges; "
        "1 vulnerabilities marked changed (run `kokuchi match`)"
    )
    assert out.getvalue().splitlines()[1] == "0 distinct unparsed version text(s), 0 affected product(s)"


def test_s_vuln_empty_range_becomes_a_review_candidate_not_a_silent_non_match():
    make_nvd_vulnerability("CVE-2025-0355")
    make_aterm_jvn(parsed=True)
    AffectedProduct.objects.filter(cpe22="cpe:/o:nec:aterm_wg2600hs_firmware").update(
        ranges=[
            {
                "start": "1.7.2",
                "start_inclusive": True,
                "end": "1.7.0",
                "end_inclusive": True,
                "exact": None,
                "cve_ids": ["CVE-2025-0354", "CVE-2025-0355"],
            }
        ]
    )
    device = make_device(product=wg2600hs(), firmware_at_sale="1.7.1")

    match_all(notify=False)

    exposure = Exposure.objects.get(device=device, vulnerability__vuln_id="CVE-2025-0355")
    assert (exposure.method, exposure.needs_review) == ("jvn_vendor_product", True)


def test_s_vuln_customer_report_leaves_review_candidates_with_staff():
    make_nvd_vulnerability("CVE-2025-0355")
    make_aterm_jvn(parsed=False)
    device = make_device(product=wg2600hs(), firmware_at_sale="1.7.1")
    match_all(notify=False)

    context = build_customer_report_context(customer=device.customer, today=TODAY, generated_at=timezone.now())

    assert Exposure.objects.filter(device=device).count() == 2
    assert context["open_rows"] == []
