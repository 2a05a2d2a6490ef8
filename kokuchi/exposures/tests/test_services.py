"""Matching services on real records: exposures, incremental runs, firmware updates, who acts."""

import datetime

import pytest

from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.customers.tests.factories import make_contact, make_customer
from kokuchi.devices.models import FirmwareChange
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.exposures.followup import due_date
from kokuchi.exposures.models import (
    Exposure,
    ExposureStatus,
    FirmwareFinding,
    MatchRun,
    Notice,
    NoticeDelivery,
    Priority,
    SalesLead,
    WorkItem,
)
from kokuchi.exposures.rules import priorities_for
from kokuchi.exposures.runs import (
    match_all,
    match_changed_vulnerabilities,
    match_vulnerabilities,
    match_vulnerabilities_changed_since_last_run,
    on_device_firmware_changed,
)
from kokuchi.exposures.status import change_exposure_status
from kokuchi.vulnerabilities.models import KnownExploited, Vulnerability
from kokuchi.vulnerabilities.tests.realdata import make_aterm_jvn, make_nvd_vulnerability

pytestmark = pytest.mark.django_db

FORTIOS = "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"
TODAY = datetime.date(2026, 6, 1)


def fortigate(**overrides):
    fortinet = make_manufacturer(
        slug="fortinet",
        name_ja="フォーティネット",
        cpe_vendors=["fortinet"],
        vulnerability_info_url="https://www.fortiguard.com/psirt",
    )
    return make_product(
        manufacturer=fortinet, model_number="FG-60F", firmware_cpe=FORTIOS, latest_firmware="7.4.8", **overrides
    )


def aterm(model, cpe_product):
    nec = make_manufacturer(
        slug=f"nec-{model}",
        name_ja="日本電気",
        cpe_vendors=["nec"],
        vulnerability_info_url="https://jpn.nec.com/security-info/",
    )
    return make_product(
        manufacturer=nec, model_number=model, firmware_cpe=f"cpe:2.3:o:nec:{cpe_product}:*:*:*:*:*:*:*:*"
    )


def exposures_of(device):
    return sorted(Exposure.objects.filter(device=device).values_list("vulnerability__vuln_id", "method", "status"))


def test_s_vuln_full_match_on_real_records_with_expected_exposures():
    make_nvd_vulnerability("CVE-2024-21762")
    make_nvd_vulnerability("CVE-2023-20198")
    product = fortigate()
    hit = make_device(product=product, firmware_at_sale="7.0.12")
    boundary = make_device(product=product, firmware_at_sale="7.0.14")

    diff = match_all(notify=False)

    assert exposures_of(hit) == [("CVE-2024-21762", "nvd_range", "open")]
    assert exposures_of(boundary) == []
    assert len(diff.created) == 1
    assert Exposure.objects.get(device=hit).explanation == (
        "FG-60F 7.0.12 は CVE-2024-21762 の範囲 7.0.0 以上 7.0.14 未満に該当"
    )
    run = MatchRun.objects.get()
    assert (run.kind, run.succeeded, run.created, run.pairs_evaluated, run.vulnerabilities_examined) == (
        "full",
        True,
        1,
        2,
        1,
    )


def test_s_vuln_nec_aterm_cves_only_jvn_describes():
    """CVE-2025-0355/0356 are Awaiting Analysis without configurations: JVN's ranges are used;
    CVE-2025-0354 has no row here, so JVNDB-2025-000002 carries its exposure."""
    make_nvd_vulnerability("CVE-2025-0355")
    make_nvd_vulnerability("CVE-2025-0356")
    make_aterm_jvn()
    wg2600hs = aterm("WG2600HS", "aterm_wg2600hs_firmware")
    wx1500hp = aterm("WX1500HP", "aterm_wx1500hp_firmware")
    gb1200pe = aterm("GB1200PE", "aterm_gb1200pe_firmware")
    old_hs = make_device(product=wg2600hs, firmware_at_sale="1.7.1")
    fixed_hs = make_device(product=wg2600hs, firmware_at_sale="1.7.2")
    old_wx = make_device(product=wx1500hp, firmware_at_sale="1.4.1")
    old_gb = make_device(product=gb1200pe, firmware_at_sale="1.2.9")
    fixed_gb = make_device(product=gb1200pe, firmware_at_sale="1.3.0")

    match_all(notify=False)

    assert exposures_of(old_hs) == [("CVE-2025-0355", "jvn_range", "open"), ("JVNDB-2025-000002", "jvn_range", "open")]
    assert exposures_of(fixed_hs) == []
    assert exposures_of(old_wx) == [("CVE-2025-0356", "jvn_range", "open")]
    assert exposures_of(old_gb) == [("CVE-2025-0355", "jvn_range", "open")]
    assert exposures_of(fixed_gb) == []
    assert Exposure.objects.get(device=old_wx).explanation == (
        "WX1500HP 1.4.1 は CVE-2025-0356 の範囲 1.4.2 未満に該当"
        "（JVN 記載「Ver.1.4.2より前のバージョン（CVE-2025-0356）」）"
    )


def test_s_vuln_unparsed_jvn_text_matches_vendor_product_with_low_confidence():
    make_nvd_vulnerability("CVE-2025-0355")
    make_aterm_jvn(parsed=False)
    device = make_device(product=aterm("WG2600HS", "aterm_wg2600hs_firmware"), firmware_at_sale="1.7.2")

    match_all(notify=False)

    exposure = Exposure.objects.get(device=device, vulnerability__vuln_id="CVE-2025-0355")
    assert (exposure.method, exposure.confidence) == ("jvn_vendor_product", 10)


def test_s_vuln_incremental_match_of_changed_vulnerabilities():
    device = make_device(product=fortigate(), firmware_at_sale="7.2.6")
    match_all(notify=False)
    assert exposures_of(device) == []
    make_nvd_vulnerability("CVE-2024-21762")

    diff = match_changed_vulnerabilities(vuln_ids={"CVE-2024-21762"})

    assert exposures_of(device) == [("CVE-2024-21762", "nvd_range", "open")]
    assert (len(diff.created), diff.vulnerabilities_examined) == (1, 1)
    assert MatchRun.objects.filter(kind="vulnerabilities", succeeded=True).count() == 1


def test_s_vuln_incremental_match_without_any_device_examines_nothing_but_records_the_run():
    make_nvd_vulnerability("CVE-2024-21762")
    product = fortigate()  # a product with a matching CPE, but no device of it

    diff = match_changed_vulnerabilities(vuln_ids={"CVE-2024-21762"})

    assert (diff.created, diff.vulnerabilities_examined, diff.pairs_evaluated) == ([], 0, 0)
    assert MatchRun.objects.filter(kind="vulnerabilities", succeeded=True).count() == 1
    assert Exposure.objects.count() == 0

    # One device is enough for the vulnerability to be examined again.
    device = make_device(product=product, firmware_at_sale="7.2.6")
    diff = match_changed_vulnerabilities(vuln_ids={"CVE-2024-21762"})
    assert (len(diff.created), diff.vulnerabilities_examined) == (1, 1)
    assert exposures_of(device) == [("CVE-2024-21762", "nvd_range", "open")]


def test_s_vuln_changed_since_last_run_uses_changed_at():
    device = make_device(product=fortigate(), firmware_at_sale="7.2.6")
    match_all(notify=False)
    make_nvd_vulnerability("CVE-2024-21762")

    first = match_vulnerabilities_changed_since_last_run(notify=False)
    second = match_vulnerabilities_changed_since_last_run(notify=False)

    assert (len(first.created), first.vulnerabilities_examined) == (1, 1)
    assert (len(second.created), second.vulnerabilities_examined) == (0, 0)
    assert exposures_of(device) == [("CVE-2024-21762", "nvd_range", "open")]


def test_s_vuln_firmware_update_resolves_and_keeps_history():
    make_nvd_vulnerability("CVE-2024-21762")
    device = make_device(product=fortigate(), firmware_at_sale="7.0.12", delivered_on=datetime.date(2025, 4, 1))
    match_all(notify=False)
    exposure = Exposure.objects.get(device=device)

    FirmwareChange.objects.create(device=device, from_version="7.0.12", to_version="7.0.14")
    device.current_firmware = "7.0.14"
    device.save(update_fields=["current_firmware"])
    diff = on_device_firmware_changed(device=device)

    exposure.refresh_from_db()
    assert exposure.status == ExposureStatus.RESOLVED_BY_UPDATE
    assert diff.resolved_by_update == [exposure.pk]
    assert list(exposure.history.values_list("from_status", "to_status", "automatic", "reason")) == [
        ("open", "resolved_by_update", True, "ファームウェアが 7.0.12 から 7.0.14 に更新され、該当しなくなった")
    ]

    # A downgrade back into the range reopens it.
    device.current_firmware = "7.0.13"
    device.save(update_fields=["current_firmware"])
    on_device_firmware_changed(device=device, notify=False)
    exposure.refresh_from_db()
    assert exposure.status == ExposureStatus.OPEN
    assert list(exposure.history.values_list("to_status", flat=True)) == ["resolved_by_update", "open"]


def test_s_vuln_full_rematch_reports_data_change_difference():
    vuln = make_nvd_vulnerability("CVE-2024-21762")
    device = make_device(product=fortigate(), firmware_at_sale="7.0.12")
    match_all(notify=False)
    # NVD narrows the record to FortiProxy only (the FortiOS entries removed).
    config = vuln.configurations
    config[0]["nodes"][0]["cpeMatch"] = [m for m in config[0]["nodes"][0]["cpeMatch"] if "fortiproxy" in m["criteria"]]
    Vulnerability.objects.filter(pk=vuln.pk).update(configurations=config)

    diff = match_all(notify=False)

    exposure = Exposure.objects.get(device=device)
    assert exposure.status == ExposureStatus.NO_LONGER_MATCHES
    assert (diff.created, diff.no_longer_matches, diff.resolved_by_update, diff.unchanged) == ([], [exposure.pk], [], 0)


def test_s_vuln_staff_decisions_survive_rematch(django_user_model):
    make_nvd_vulnerability("CVE-2024-21762")
    device = make_device(product=fortigate(), firmware_at_sale="7.0.12")
    match_all(notify=False)
    exposure = Exposure.objects.get(device=device)
    user = django_user_model.objects.create_user("sato")

    change_exposure_status(
        exposure=exposure, status=ExposureStatus.RISK_ACCEPTED, reason="SSL-VPN 無効のため影響なし", changed_by=user
    )
    diff = match_all(notify=False)

    exposure.refresh_from_db()
    assert exposure.status == ExposureStatus.RISK_ACCEPTED
    assert diff.unchanged == 1
    assert list(exposure.history.values_list("from_status", "to_status", "changed_by__username", "reason")) == [
        ("open", "risk_accepted", "sato", "SSL-VPN 無効のため影響なし")
    ]


def test_s_vuln_risk_acceptance_needs_a_reason(django_user_model):
    make_nvd_vulnerability("CVE-2024-21762")
    make_device(product=fortigate(), firmware_at_sale="7.0.12")
    match_all(notify=False)
    exposure = Exposure.objects.get()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        change_exposure_status(exposure=exposure, status=ExposureStatus.FALSE_POSITIVE, reason=" ", changed_by=None)
    exposure.refresh_from_db()
    assert exposure.status == ExposureStatus.OPEN
    assert exposure.history.count() == 0


def test_s_vuln_priority_kev_first_with_due_date():
    make_nvd_vulnerability("CVE-2024-21762")
    make_nvd_vulnerability("CVE-2023-20198")
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))
    vulns = {v.vuln_id: v.pk for v in Vulnerability.objects.all()}

    priorities = priorities_for(vulns.values())

    # Not in KEV here, CVSS 10.0: high.
    assert priorities == {vulns["CVE-2024-21762"]: Priority.URGENT, vulns["CVE-2023-20198"]: Priority.HIGH}
    assert due_date(Priority.URGENT, TODAY) == datetime.date(2026, 6, 4)
    assert due_date(Priority.HIGH, TODAY) == datetime.date(2026, 6, 15)


def _three_customers():
    product = fortigate()
    plan = make_plan(name="年間保守")
    contracted = make_customer(customer_code="C-MAINT", name="株式会社保守あり")
    make_contact(customer=contracted, email="it@maint.example.jp")
    silent = make_customer(customer_code="C-NONE", name="株式会社保守なし")
    make_contact(customer=silent, email="it@none.example.jp")
    opted = make_customer(customer_code="C-OPTIN", name="株式会社通知希望", notify_without_contract=True)
    make_contact(customer=opted, email="it@optin.example.jp")
    covered = make_device(
        product=product,
        customer=contracted,
        serial_number="FGT60F0001",
        firmware_at_sale="7.0.12",
        installation_site="本社 3F",
    )
    make_contract(
        customer=contracted,
        plan=plan,
        devices=[covered],
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    make_device(product=product, customer=silent, serial_number="FGT60F0002", firmware_at_sale="7.0.12")
    make_device(
        product=product,
        customer=opted,
        serial_number="FGT60F0003",
        firmware_at_sale="7.2.6",
        installation_site="大阪支店",
    )
    return contracted, silent, opted


def test_s_vuln_g5_3_notices_gated_by_the_contract():
    make_nvd_vulnerability("CVE-2024-21762")
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))
    contracted, silent, opted = _three_customers()

    match_all(today=TODAY)

    item = WorkItem.objects.get()
    assert (item.customer, item.priority, item.due_on) == (contracted, Priority.URGENT, datetime.date(2026, 6, 4))
    assert sorted(SalesLead.objects.values_list("customer__customer_code", flat=True)) == ["C-NONE", "C-OPTIN"]
    assert sorted(Notice.objects.values_list("customer__customer_code", "kind")) == [
        ("C-MAINT", "contracted"),
        ("C-OPTIN", "informational"),
    ]
    assert sorted(NoticeDelivery.objects.values_list("recipient", "status")) == [
        ("it@maint.example.jp", "pending"),
        ("it@optin.example.jp", "pending"),
    ]


def test_s_vuln_notice_text_names_devices_links_and_action():
    make_nvd_vulnerability("CVE-2024-21762")
    _three_customers()
    match_all(today=TODAY)

    contracted = Notice.objects.get(kind="contracted")
    informational = Notice.objects.get(kind="informational")

    assert contracted.subject == "【脆弱性のお知らせ】CVE-2024-21762 ご利用機器 1 台が該当"
    for line in (
        "  ID: CVE-2024-21762",
        "  詳細: https://nvd.nist.gov/vuln/detail/CVE-2024-21762",
        "  - 機種: フォーティネット FG-60F",
        "    シリアル番号: FGT60F0001",
        "    設置場所: 本社 3F",
        "    ファームウェア: 7.0.12",
        "    該当する理由: ご利用のファームウェア 7.0.12 は、NVD（米国の脆弱性データベース）で影響を受けるとされている"
        "バージョンに含まれます。",
        "  フォーティネット: https://www.fortiguard.com/psirt",
        "  作業日程は担当者よりご連絡いたします（対応期限の目安: 2026年6月15日）。",
        "  [[NOTICE_LINK]]",
    ):
        assert line in contracted.body.splitlines()
    assert "  FG-60F の最新ファームウェア: 7.4.8" in informational.body.splitlines()
    assert "    設置場所: 大阪支店" in informational.body.splitlines()


def test_customer_notices_for_the_link_page():
    from django.template.loader import render_to_string

    from kokuchi.exposures.selectors import customer_notices

    make_nvd_vulnerability("CVE-2024-21762")
    contracted, silent, _opted = _three_customers()
    match_all(today=TODAY)

    notices = list(customer_notices(contracted))
    html = render_to_string("exposures/_customer_notices.html", {"notices": notices})

    assert [n.subject for n in notices] == ["【脆弱性のお知らせ】CVE-2024-21762 ご利用機器 1 台が該当"]
    assert list(customer_notices(silent)) == []
    assert "シリアル番号: FGT60F0001" in html
    assert "[[NOTICE_LINK]]" not in html


def test_s_vuln_full_match_catches_changes_made_without_the_callbacks():
    """A full run re-examines exposures whose device firmware or customer moved, or whose
    finding changed (here: KEV listing raises the priority), and reopens on a downgrade."""
    make_nvd_vulnerability("CVE-2024-21762")
    device = make_device(product=fortigate(), firmware_at_sale="7.0.12")
    untouched = make_device(product=device.product, firmware_at_sale="7.0.12")
    match_all(notify=False)
    exposure = Exposure.objects.get(device=device)

    device.current_firmware = "7.4.8"
    device.save(update_fields=["current_firmware"])
    first = match_all(notify=False)
    exposure.refresh_from_db()
    assert (exposure.status, first.resolved_by_update, first.unchanged) == ("resolved_by_update", [exposure.pk], 1)

    device.current_firmware = "7.0.12"
    device.customer = make_customer(customer_code="C-MOVED")
    device.save(update_fields=["current_firmware", "customer"])
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))
    second = match_all(notify=False)
    exposure.refresh_from_db()
    assert (exposure.status, exposure.priority, exposure.customer.customer_code) == ("open", Priority.URGENT, "C-MOVED")
    assert second.reopened == [exposure.pk]
    assert Exposure.objects.get(device=untouched).priority == Priority.URGENT


def test_s_vuln_incremental_run_rewrites_findings_of_a_changed_range():
    """A corrected range (end excluded → included) rewrites the stored finding and the open
    exposure's explanation in place (the executemany update path), without a new exposure."""
    vulnerability = make_nvd_vulnerability("CVE-2024-21762")
    device = make_device(product=fortigate(), firmware_at_sale="7.0.12")
    match_all(notify=False)
    for config in vulnerability.configurations:
        for node in config["nodes"]:
            for entry in node["cpeMatch"]:
                if entry.get("versionEndExcluding") == "7.0.14":
                    entry["versionEndIncluding"] = entry.pop("versionEndExcluding")
    vulnerability.save(update_fields=["configurations"])

    diff = match_vulnerabilities(vuln_pks={vulnerability.pk}, notify=False)

    finding = FirmwareFinding.objects.get(vulnerability=vulnerability)
    exposure = Exposure.objects.get(device=device)
    assert (diff.created, diff.updated, diff.unchanged) == ([], 1, 0)
    text = "FG-60F 7.0.12 は CVE-2024-21762 の範囲 7.0.0 以上 7.0.14 以下に該当"
    assert (finding.firmware, finding.explanation) == ("7.0.12", text)
    assert (exposure.status, exposure.explanation) == ("open", text)
