"""CVEs without NVD configurations matched through CVE JSON 5 records, vendor CSAF advisories and
text candidates; vendors' known_not_affected statements (VEX) overriding other sources (S-VULN)."""

from pathlib import Path

import pytest

from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.models import Exposure, ExposureStatus, Notice, NoticeKind, SalesLead
from kokuchi.exposures.notices import create_notice
from kokuchi.exposures.runs import match_all
from kokuchi.exposures.selectors import exposure_rows
from kokuchi.exposures.status import confirm_candidate, dismiss_candidate
from kokuchi.vulnerabilities.feeds.importer import import_feed_files
from kokuchi.vulnerabilities.models import ProductStatement, VulnerabilityCpe
from kokuchi.vulnerabilities.tests.factories import make_vulnerability
from kokuchi.vulnerabilities.tests.realdata import make_aterm_jvn, make_nvd_vulnerability

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).resolve().parents[2] / "vulnerabilities" / "tests" / "data" / "feeds"
CVE5_NEC = FEEDS / "cve5" / "CVE-2025-0355.json"
CSAF_CISCO_SNMP = FEEDS / "csaf" / "vendor-cisco" / "cisco-sa-snmp-dos-sdxnSUcW.json"
CSAF_VEX_NOT_AFFECTED = FEEDS / "csaf" / "oasis-examples" / "csaf_vex" / "2022-evd-uc-01-na-001.json"


def aterm(model, cpe_product):
    nec = make_manufacturer(slug=f"nec-{model.lower()}", name_ja="日本電気", name_en="NEC", cpe_vendors=["nec"])
    return make_product(
        manufacturer=nec, model_number=model, firmware_cpe=f"cpe:2.3:o:nec:{cpe_product}:*:*:*:*:*:*:*:*"
    )


def exposures_of(device):
    return sorted(Exposure.objects.filter(device=device).values_list("vulnerability__vuln_id", "method", "status"))


def test_s_vuln_cve_without_cpe_data_matched_through_cve5_cna_affected_data():
    """CVE-2025-0355 is Awaiting Analysis at NVD (no configurations) and no JVN entry is loaded:
    the CVE record's CNA container ("Ver.1.7.2 and earlier") decides."""
    make_nvd_vulnerability("CVE-2025-0355")
    import_feed_files(source="cve5", paths=[CVE5_NEC], parallel=False)
    product = aterm("WG2600HS", "aterm_wg2600hs_firmware")
    at_bound = make_device(product=product, firmware_at_sale="1.7.2")
    past_bound = make_device(product=product, firmware_at_sale="1.7.3")

    match_all(notify=False)

    assert exposures_of(at_bound) == [("CVE-2025-0355", "cve5_cna_range", "open")]
    assert exposures_of(past_bound) == []
    exposure = Exposure.objects.get(device=at_bound)
    assert exposure.confidence == 70
    assert exposure.explanation == (
        "WG2600HS 1.7.2 は CVE-2025-0355 の範囲 1.7.2 以下に該当"
        "（出典: CVE レコード（CNA） CVE-2025-0355（NEC Corporation WG2600HS）、記載「Ver.1.7.2 and earlier」）"
    )
    assert ProductStatement.objects.filter(vuln_id="CVE-2025-0355", source="cve5_cna").count() == 9


def test_s_vuln_cve_without_cpe_data_matched_through_csaf_vendor_advisory():
    """Cisco's CSAF advisory lists every affected IOS XE release as its own service_pack; NVD has
    no row for CVE-2025-20173 here, so the advisory creates it."""
    import_feed_files(source="csaf", paths=[CSAF_CISCO_SNMP], parallel=False)
    cisco = make_manufacturer(slug="cisco", name_ja="シスコ", name_en="Cisco Systems", cpe_vendors=["cisco"])
    switch = make_product(
        manufacturer=cisco, model_number="C9300-24T", firmware_cpe="cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*"
    )
    listed = make_device(product=switch, firmware_at_sale="17.9.4a")
    not_listed = make_device(product=switch, firmware_at_sale="17.16.1a")

    match_all(notify=False)

    assert ("CVE-2025-20173", "csaf_range", "open") in exposures_of(listed)
    assert [e for e in exposures_of(not_listed) if e[0] == "CVE-2025-20173"] == []
    explanation = Exposure.objects.get(device=listed, vulnerability__vuln_id="CVE-2025-20173").explanation
    assert explanation.startswith(
        "C9300-24T 17.9.4a は CVE-2025-20173 の範囲 「3.2.0SG, 3.2.1SG, 3.7.0S, 3.7.1S, 3.3.0SG, 3.7.2S"
    )
    assert "出典: ベンダー勧告（CSAF） cisco-sa-snmp-dos-sdxnSUcW（Cisco Cisco IOS XE Software）" in explanation
    assert explanation.endswith("対策: https://software.cisco.com")


def test_s_vuln_text_candidate_when_no_source_describes_the_products():
    """CVE-2025-0356 has neither configurations, JVN, CVE record nor advisory loaded: its
    description names "WX3600HP Ver.1.5.3 and earlier", so a device at 1.5.3 is a 要確認
    candidate, never notified; one at 1.5.4 is not."""
    make_nvd_vulnerability("CVE-2025-0356")
    product = aterm("WX3600HP", "aterm_wx3600hp_firmware")
    at_bound = make_device(product=product, firmware_at_sale="1.5.3")
    past_bound = make_device(product=product, firmware_at_sale="1.5.4")

    match_all(today=None)

    assert exposures_of(at_bound) == [("CVE-2025-0356", "text_candidate", "open")]
    assert exposures_of(past_bound) == []
    exposure = Exposure.objects.get(device=at_bound)
    assert exposure.confidence == 20
    assert exposure.explanation == (
        "【要確認】CVE-2025-0356 には製品データがなく、説明文が機種 WX3600HP とバージョン 1.5.3 以下を挙げています"
        "（「term WX1500HP Ver.1.4.2 and earlier and WX3600HP Ver.1.5.3 and earlier allows a attacker」）。"
        "WX3600HP 1.5.3 が該当するか確認してください"
    )
    assert Notice.objects.count() == 0
    # Staff see the candidate as a sales lead (no contract); the customer hears nothing yet.
    assert list(SalesLead.objects.values_list("vulnerability__vuln_id", flat=True)) == ["CVE-2025-0356"]


def test_s_vuln_text_candidate_confirmed_or_dismissed_by_staff(django_user_model):
    make_nvd_vulnerability("CVE-2025-0356")
    product = aterm("WX3600HP", "aterm_wx3600hp_firmware")
    first = make_device(product=product, firmware_at_sale="1.5.3")
    second = make_device(product=product, firmware_at_sale="1.5.2")
    staff = django_user_model.objects.create_user("staff")
    match_all(notify=False)
    confirmed = Exposure.objects.get(device=first)
    dismissed = Exposure.objects.get(device=second)

    confirm_candidate(exposure=confirmed, reason="メーカーに確認済み", changed_by=staff)
    dismiss_candidate(exposure=dismissed, reason="別機種の記載", changed_by=staff)

    history = confirmed.history.get()
    assert (history.from_status, history.to_status, history.changed_by, history.reason) == (
        "open",
        "open",
        staff,
        "要確認の候補を確認: メーカーに確認済み",
    )
    assert SalesLead.objects.filter(vulnerability__vuln_id="CVE-2025-0356").count() == 1
    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.status_changed_by, dismissed.status_reason) == (
        ExposureStatus.FALSE_POSITIVE,
        staff,
        "要確認の候補を却下: 別機種の記載",
    )
    match_all(notify=False)
    dismissed.refresh_from_db()
    assert dismissed.status == ExposureStatus.FALSE_POSITIVE


def test_s_vuln_vex_known_not_affected_overrides_a_range_match():
    """The vendor says ABC 4.2 is not affected by CVE-2021-44228 (class removed before shipping);
    a range from another source (NVD-style configuration built from the advisory's own vendor
    and product names) would match 4.2 and 4.3, so only 4.3 stays exposed."""
    log4shell = make_vulnerability(
        vuln_id="CVE-2021-44228",
        configurations=[
            {
                "nodes": [
                    {
                        "operator": "OR",
                        "cpeMatch": [
                            {
                                "vulnerable": True,
                                "criteria": "cpe:2.3:a:example_company:abc:*:*:*:*:*:*:*:*",
                                "versionStartIncluding": "4.0",
                                "versionEndExcluding": "5.0",
                            }
                        ],
                    }
                ]
            }
        ],
    )
    VulnerabilityCpe.objects.create(vulnerability=log4shell, part="a", vendor="example_company", product="abc")
    maker = make_manufacturer(slug="example-company", name_en="Example Company", cpe_vendors=["example_company"])
    product = make_product(
        manufacturer=maker, model_number="ABC", firmware_cpe="cpe:2.3:a:example_company:abc:*:*:*:*:*:*:*:*"
    )
    declared = make_device(product=product, firmware_at_sale="4.2")
    other = make_device(product=product, firmware_at_sale="4.3")
    match_all(notify=False)
    assert exposures_of(declared) == [("CVE-2021-44228", "nvd_range", "open")]

    import_feed_files(source="csaf", paths=[CSAF_VEX_NOT_AFFECTED], parallel=False)
    match_all(notify=False)

    assert exposures_of(declared) == [("CVE-2021-44228", "nvd_range", "no_longer_matches")]
    assert exposures_of(other) == [("CVE-2021-44228", "nvd_range", "open")]
    statement = ProductStatement.objects.get(vuln_id="CVE-2021-44228")
    assert (statement.status, statement.reason) == (
        "not_affected",
        "Class with vulnerable code was removed before shipping.",
    )


def test_s_vuln_staff_page_and_export_say_why_and_take_the_review(client):
    make_nvd_vulnerability("CVE-2025-0356")
    product = aterm("WX3600HP", "aterm_wx3600hp_firmware")
    device = make_device(product=product, firmware_at_sale="1.5.3")
    match_all(notify=False)
    exposure = Exposure.objects.get(device=device)
    staff = make_user(Role.SALES)
    client.force_login(staff)

    page = client.get(f"/exposures/devices/{device.pk}/").content.decode()
    row = next(exposure_rows())
    response = client.post(f"/exposures/{exposure.pk}/candidate/", {"decision": "dismiss", "reason": "別機種"})
    refused = client.post(f"/exposures/{exposure.pk}/candidate/", {"decision": "confirm", "reason": ""})

    assert (
        '<p data-match-basis>根拠: 脆弱性の説明文 · <strong class="badge warn" data-requirement="S-VULN">'
        "要確認</strong></p>" in page
    )
    assert (row["method"], row["source"], row["confidence"], row["needs_review"]) == (
        "text_candidate",
        "脆弱性の説明文",
        20,
        True,
    )
    assert response.status_code == 302
    assert refused.status_code == 302
    exposure.refresh_from_db()
    assert (exposure.status, exposure.status_changed_by) == (ExposureStatus.FALSE_POSITIVE, staff)


def test_s_vuln_device_page_shows_the_vendor_not_affected_statement(client):
    import_feed_files(source="csaf", paths=[CSAF_VEX_NOT_AFFECTED], parallel=False)
    maker = make_manufacturer(slug="example-company", name_en="Example Company", cpe_vendors=["example_company"])
    product = make_product(
        manufacturer=maker, model_number="ABC", firmware_cpe="cpe:2.3:a:example_company:abc:*:*:*:*:*:*:*:*"
    )
    device = make_device(product=product, firmware_at_sale="4.2")
    client.force_login(make_user(Role.VIEWER))

    page = client.get(f"/exposures/devices/{device.pk}/").content.decode()

    assert (
        "CVE-2021-44228: 影響なし (4.2 と一致) — ベンダー勧告（CSAF） 2022-EVD-UC-01-NA-001. "
        "理由: Class with vulnerable code was removed before shipping."
    ) in page


def test_s_vuln_cve5_cna_inclusive_bound_before_nvd_publishes_the_cve():
    """Without any NVD row the CVE record creates the vulnerability; FortiOS 7.0.13 is the last
    affected 7.0 release of the CNA data ("7.0.0 ≤ v ≤ 7.0.13"), 7.0.14 is not."""
    import_feed_files(source="cve5", paths=[FEEDS / "cve5" / "CVE-2024-21762.json"], parallel=False)
    fortinet = make_manufacturer(slug="fortinet", name_en="Fortinet", cpe_vendors=["fortinet"])
    product = make_product(
        manufacturer=fortinet, model_number="FG-60F", firmware_cpe="cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"
    )
    last_affected = make_device(product=product, firmware_at_sale="7.0.13")
    first_fixed = make_device(product=product, firmware_at_sale="7.0.14")

    match_all(notify=False)

    assert exposures_of(last_affected) == [("CVE-2024-21762", "cve5_cna_range", "open")]
    assert exposures_of(first_fixed) == []
    assert Exposure.objects.get(device=last_affected).confidence == 70


def test_s_vuln_jvn_comes_before_the_cve_record():
    """For CVE-2025-0355 JVN says "Ver.1.7.2より前" and the CNA says "Ver.1.7.2 and earlier": JVN
    entries citing the CVE are consulted first, so WG2600HS 1.7.2 is not exposed and 1.7.1 is,
    through JVN."""
    make_nvd_vulnerability("CVE-2025-0355")
    make_aterm_jvn()
    import_feed_files(source="cve5", paths=[CVE5_NEC], parallel=False)
    product = aterm("WG2600HS", "aterm_wg2600hs_firmware")
    at_bound = make_device(product=product, firmware_at_sale="1.7.2")
    before = make_device(product=product, firmware_at_sale="1.7.1")

    match_all(notify=False)

    assert exposures_of(at_bound) == []
    assert ("CVE-2025-0355", "jvn_range", "open") in exposures_of(before)


def test_s_vuln_vendor_fix_joins_a_range_match_from_another_source():
    """BSI-2022-0001 says CVRF-CSAF-Converter 1.0.0-rc2 fixes CVE-2022-27193 (vendor_fix with a
    URL); a range match from NVD-style configurations (built from the advisory's own CPE) carries
    that fixed version and URL into its explanation, and so into notices."""
    converter = make_vulnerability(
        vuln_id="CVE-2022-27193",
        configurations=[
            {
                "nodes": [
                    {
                        "operator": "OR",
                        "cpeMatch": [
                            {
                                "vulnerable": True,
                                "criteria": "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:*:*:*:*:*:*:*:*",
                                "versionEndExcluding": "1.0.0-rc2",
                            }
                        ],
                    }
                ]
            }
        ],
    )
    VulnerabilityCpe.objects.create(
        vulnerability=converter, part="a", vendor="csaf-tools", product="cvrf-csaf-converter"
    )
    import_feed_files(source="csaf", paths=[FEEDS / "csaf" / "oasis-examples" / "csaf" / "bsi-2022-0001.json"])
    maker = make_manufacturer(slug="csaf-tools", name_en="CSAF Tools", cpe_vendors=["csaf-tools"])
    product = make_product(
        manufacturer=maker,
        model_number="CVRF-CSAF-Converter",
        firmware_cpe="cpe:2.3:a:csaf-tools:cvrf-csaf-converter:*:*:*:*:*:*:*:*",
    )
    device = make_device(product=product, firmware_at_sale="1.0.0-rc1")

    match_all(notify=False)

    exposure = Exposure.objects.get(device=device)
    assert exposure.explanation.endswith(
        "。修正版: 1.0.0-rc2。対策: https://github.com/csaf-tools/CVRF-CSAF-Converter/releases/tag/1.0.0-rc2"
    )
    notice = create_notice(
        customer=device.customer,
        vulnerability=converter,
        exposures=[exposure],
        kind=NoticeKind.INFORMATIONAL,
        due_on=None,
    )
    lines = notice.body.splitlines()
    assert "    修正済みのバージョン: 1.0.0-rc2 以降" in lines
    assert "    メーカーの対策情報: https://github.com/csaf-tools/CVRF-CSAF-Converter/releases/tag/1.0.0-rc2" in lines


def test_s_vuln_notice_names_the_first_fixed_version_of_the_device_branch_from_nvd():
    """CVE-2024-21762 (real NVD record): FortiOS 7.0.12 is in the range ending before 7.0.14, 7.2.5
    in the one ending before 7.2.7; each device's notice line names its own branch's fix and no
    vendor URL (NVD ranges carry none)."""
    vulnerability = make_nvd_vulnerability("CVE-2024-21762")
    fortinet = make_manufacturer(slug="fortinet", name_en="Fortinet", cpe_vendors=["fortinet"])
    product = make_product(
        manufacturer=fortinet, model_number="FG-40F", firmware_cpe="cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"
    )
    old_branch = make_device(product=product, firmware_at_sale="7.0.12", serial_number="FGT40F-A")
    newer_branch = make_device(
        product=product, firmware_at_sale="7.2.5", serial_number="FGT40F-B", customer=old_branch.customer
    )

    match_all(notify=False)
    exposures = list(Exposure.objects.filter(vulnerability=vulnerability).order_by("device__serial_number"))
    notice = create_notice(
        customer=old_branch.customer,
        vulnerability=vulnerability,
        exposures=exposures,
        kind=NoticeKind.INFORMATIONAL,
        due_on=None,
    )

    assert [e.device_id for e in exposures] == [old_branch.pk, newer_branch.pk]
    body = notice.body
    first, second = body.index("FGT40F-A"), body.index("FGT40F-B")
    assert "修正済みのバージョン: 7.0.14 以降" in body[first:second]
    assert "修正済みのバージョン: 7.2.7 以降" in body[second:]
    assert "メーカーの対策情報" not in body
