"""The disclosure states only what is true, per delivered device, without contradictions, and says
what Kokuchi knows about each device's vulnerabilities at the moment of sale.

One test per point of the problem report (firmware per device, latest firmware at sale, a
known-exploited vulnerability on the shipped firmware, missing sources, contradicting sections,
counts without coverage, words for the customer, versions), and the pre-issue check's blocking
and warning cases with the staff override recorded in evidence."""

import datetime
import re

import lxml.html
import pytest

from kokuchi.catalog.models import ServicePlanKind
from kokuchi.catalog.services import confirm_manufacturer
from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.core.models import Reseller
from kokuchi.core.tests.factories import make_user
from kokuchi.deals.models import ProposalResponse
from kokuchi.deals.tests.factories import make_deal_line, make_proposed_plan
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.disclosures.checks import PreIssueBlocked, WarningsNotAcknowledged, run_pre_issue_check
from kokuchi.disclosures.context import build_disclosure_context
from kokuchi.disclosures.models import ClauseOverride, DisclosureVersion
from kokuchi.disclosures.services import issue_disclosure, mark_firmware_unknown, render_disclosure_html
from kokuchi.disclosures.tests.conftest import normalise, section_text
from kokuchi.disclosures.tests.factories import (
    FEEDS_SYNCED_AT,
    ISSUED_AT,
    acknowledge_all,
    make_document_deal,
    make_feed_runs,
)
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.vulnerabilities.feeds.importer import import_feed_files
from kokuchi.vulnerabilities.tests.feedsamples import sample

pytestmark = pytest.mark.django_db

REQUIREMENT_ID = re.compile(r"\b(?:G\d(?:\.\d)?(?:-\d[a-e]?)?|S-[A-Z]+)\b")
FORTIOS = "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"


def _html(deal, issued_at=ISSUED_AT):
    html, _label = render_disclosure_html(
        deal=deal, issued_at=issued_at, document_number="KK-D2026-0001-01", version_number=1
    )
    return html


def _kev_fortigate(*, firmware="7.2.5", latest="7.4.9"):
    """The deal of the report: a FortiGate delivered on FortiOS `firmware` while the catalogue
    knew `latest`, with the real NVD record of CVE-2024-21762 and the real CISA KEV catalogue."""
    built = make_document_deal(devices=0)
    built.fortigate.latest_firmware = latest
    built.fortigate.save()
    device = make_device(
        product=built.fortigate,
        customer=built.deal.customer,
        deal=built.deal,
        serial_number="FGT60FTK2309A1B2",
        firmware_at_sale=firmware,
        delivered_on=datetime.date(2026, 4, 25),
    )
    from kokuchi.vulnerabilities.models import KnownExploited, Vulnerability

    # The factory's hand-made rows give way to the published records.
    Vulnerability.objects.filter(vuln_id="CVE-2024-21762").delete()
    KnownExploited.objects.all().delete()
    import_feed_files(source="nvd", paths=[sample("nvd/cve-records/CVE-2024-21762.json")], parallel=False)
    import_feed_files(source="kev", paths=[sample("kev/known_exploited_vulnerabilities.json")])
    return built, device


# ---------------------------------------------------------------------------- firmware (G5.1-3)


def test_g5_1_3_firmware_is_stated_per_serial_number_not_per_product():
    built = make_document_deal(devices=0)
    for serial, firmware in (("PC-0001", "7.4.3"), ("PC-0002", ""), ("PC-0003", "")):
        make_device(
            product=built.fortigate, customer=built.deal.customer, deal=built.deal, serial_number=serial,
            firmware_at_sale=firmware,
        )  # fmt: skip

    context = build_disclosure_context(deal=built.deal, issued_at=ISSUED_AT, document_number="X")
    rows = [(row.serial_numbers, row.facts.firmware_at_sale) for row in context["fact_rows"]]

    assert rows[:2] == [(["PC-0001"], "7.4.3"), (["PC-0002", "PC-0003"], "")]
    text = section_text(_html(built.deal), "G5.1-3")
    assert "PC-00017.4.3" in text
    assert "PC-0002、PC-0003不明" in text


def test_g5_1_3_a_device_without_firmware_at_sale_blocks_issue_until_marked_unknown_with_a_reason():
    built = make_document_deal(devices=1)
    device = make_device(product=built.fortigate, customer=built.deal.customer, deal=built.deal, firmware_at_sale="")

    check = run_pre_issue_check(deal=built.deal, at=ISSUED_AT)
    assert [(item.code, item.device_id, item.requirement_id) for item in check.blocking] == [
        ("firmware_missing", device.pk, "G5.1-3")
    ]
    assert check.ok is False
    with pytest.raises(PreIssueBlocked):
        issue_disclosure(
            deal=built.deal,
            issued_by=make_user(),
            issued_at=ISSUED_AT,
            acknowledged_warnings=acknowledge_all(built.deal),
        )

    mark_firmware_unknown(device=device, reason="納入前に初期化され記録がないため", user=make_user())

    assert run_pre_issue_check(deal=built.deal, at=ISSUED_AT).blocking == []
    assert "不明（納入前に初期化され記録がないため）" in section_text(_html(built.deal), "G5.1-3")


def test_g5_1_3_latest_firmware_known_at_issue_is_printed_and_an_older_shipped_version_warned():
    built, device = _kev_fortigate(firmware="7.2.5", latest="7.4.9")

    text = section_text(_html(built.deal), "G5.1-3")

    assert "FGT60FTK2309A1B27.2.57.4.9" in text
    assert "販売時点の版は最新版より古いため、更新をお勧めします。" in text
    warnings = run_pre_issue_check(deal=built.deal, at=ISSUED_AT).warnings
    assert ("firmware_outdated", device.pk, "G5.1-3") in [(w.code, w.device_id, w.requirement_id) for w in warnings]


# ---------------------------------------------------------------------------- what Kokuchi knows (S-RISK)


def test_s_risk_known_exploited_vulnerability_on_the_shipped_firmware_names_it_the_device_and_the_fix():
    built, device = _kev_fortigate()
    make_feed_runs(finished_at=FEEDS_SYNCED_AT, sources=("jvn",))

    html = _html(built.deal)
    element = lxml.html.fromstring(html).xpath(f'//div[@data-devices="{device.pk}"]')[0]
    text = normalise(element.text_content())

    assert "フォーティネットFG-60FS/NFGT60FTK2309A1B2" in text
    assert "販売時点のファームウェア7.2.5のまま使用すると、次の脆弱性の影響を受けます" in text
    assert "悪用が確認されている脆弱性（CISAKEV掲載）があります" in text
    row = element.xpath('.//tr[@data-vuln="CVE-2024-21762"]')[0]
    assert normalise(row.text_content()) == normalise(
        "CVE-2024-21762 緊急（9.8） あり（CISA KEV） 7.2.7 以降 NVD https://nvd.nist.gov/vuln/detail/CVE-2024-21762"
    )
    check = run_pre_issue_check(deal=built.deal, at=ISSUED_AT)
    assert check.blocking == []
    assert ("known_exploited", device.pk, "S-RISK") in [(w.code, w.device_id, w.requirement_id) for w in check.warnings]


def test_s_risk_known_exploited_warning_must_be_acknowledged_and_the_reason_is_kept_with_the_version_and_in_evidence():
    built, device = _kev_fortigate()
    make_feed_runs(finished_at=FEEDS_SYNCED_AT, sources=("jvn",))
    staff = make_user()

    with pytest.raises(WarningsNotAcknowledged) as refused:
        issue_disclosure(deal=built.deal, issued_by=staff, issued_at=ISSUED_AT, acknowledged_warnings={})
    assert f"known_exploited:{device.pk}" in [item.key for item in refused.value.items]
    assert DisclosureVersion.objects.count() == 0

    reasons = acknowledge_all(built.deal) | {f"known_exploited:{device.pk}": "設置当日に7.2.7へ更新する"}
    version = issue_disclosure(deal=built.deal, issued_by=staff, issued_at=ISSUED_AT, acknowledged_warnings=reasons)

    kept = {item["key"]: item for item in version.acknowledged_warnings}
    assert kept[f"known_exploited:{device.pk}"]["reason"] == "設置当日に7.2.7へ更新する"
    assert kept[f"known_exploited:{device.pk}"]["requirement_id"] == "S-RISK"
    event = EvidenceEvent.objects.get(event_type="issued", disclosure_version_id=version.pk)
    assert event.parameters["acknowledged_warnings"] == version.acknowledged_warnings


def test_s_risk_none_known_is_stated_only_when_the_feeds_are_current():
    built = make_document_deal(devices=1)  # FortiOS 7.4.3: the factory's records carry no ranges

    fresh = section_text(_html(built.deal), "S-RISK")
    assert (
        "2026年5月1日10:00時点で、NVD、JVNiPedia、CISAKEVに販売時点のファームウェア7.4.3に該当する脆弱性の登録は"
        "確認されていません（最終同期2026年5月1日09:00）"
    ) in fresh

    later = ISSUED_AT + datetime.timedelta(days=3)
    stale = section_text(_html(built.deal, issued_at=later), "S-RISK")
    assert "該当する脆弱性の登録は確認されていません" not in stale
    assert "同期が最新ではないため" in stale
    blocking = run_pre_issue_check(deal=built.deal, at=later).blocking
    assert [(item.code, item.requirement_id) for item in blocking] == [("feeds_stale", "S-RISK")]


def test_s_risk_feed_freshness_threshold_is_a_setting(settings):
    built = make_document_deal(devices=1)
    settings.DISCLOSURE_FEED_MAX_AGE_HOURS = 200

    assert run_pre_issue_check(deal=built.deal, at=ISSUED_AT + datetime.timedelta(days=3)).blocking == []


# ---------------------------------------------------------------------------- sources (G5.2-3)


def test_g5_2_3_every_maker_has_a_source_and_an_unconfirmed_one_is_warned_never_printed_as_needing_confirmation():
    built = make_document_deal(devices=1)
    yamaha = built.rtx.manufacturer
    yamaha.name_ja = "ヤマハ株式会社（ネットワーク製品 / RTXルーター）"
    yamaha.support_url = "http://www.rtpro.yamaha.co.jp/RT/firmware/info.html"
    yamaha.save()

    text = section_text(_html(built.deal), "G5.2-3")

    assert (
        "ヤマハ株式会社RTX1300メーカーのサポート・ファームウェア情報：http://www.rtpro.yamaha.co.jp/RT/firmware/info.html"
        "JVNiPedia（https://jvndb.jvn.jp/）で「ヤマハ」を検索"
    ) in text
    assert "要確認" not in _html(built.deal)
    warnings = run_pre_issue_check(deal=built.deal, at=ISSUED_AT).warnings
    assert [(w.code, w.requirement_id) for w in warnings if w.code == "maker_source_unconfirmed"] == [
        ("maker_source_unconfirmed", "G5.2-3")
    ]


def test_g5_2_3_the_customer_reads_the_makers_name_not_the_catalogue_label():
    built = make_document_deal(devices=1)
    yamaha = built.rtx.manufacturer
    yamaha.name_ja = "ヤマハ株式会社（ネットワーク製品 / RTXルーター）"
    yamaha.save()
    switch = make_product(manufacturer=yamaha, model_number="SWX2310P-10G", category="switch", latest_firmware="")
    make_deal_line(deal=built.deal, product=switch, quantity=1, unit_price=50000, position=5)

    html = _html(built.deal)

    assert "RTXルーター" not in html
    assert "ヤマハ株式会社SWX2310P-10G" in section_text(html, "G5.2-3")

    yamaha.customer_name_ja = "ヤマハ"
    yamaha.save()
    assert "ヤマハSWX2310P-10G" in section_text(_html(built.deal), "G5.2-3")


def test_g5_2_3_staff_confirm_a_makers_url_in_place_with_who_and_when():
    maker = make_manufacturer(vulnerability_info_url="", verified=False)
    admin = make_user("admin")

    confirm_manufacturer(
        manufacturer=maker, vulnerability_info_url="https://jpn.nec.com/security-info/index.html", user=admin
    )
    maker.refresh_from_db()

    assert (maker.verified, maker.url_confirmed_by) == (True, admin)
    assert maker.url_confirmed_at is not None
    assert maker.needs_confirmation is False


# ------------------------------------------------------------ consistency (G2, G5.2-1, G5.3, G5.1-4, G6)


def test_g5_3_customer_tasks_follow_the_matrix_when_a_spot_plan_has_the_reseller_update_firmware():
    built = make_document_deal(devices=1)
    make_proposed_plan(
        deal=built.deal,
        plan=make_plan(name="スポット保守", kind=ServicePlanKind.SPOT_MAINTENANCE),
        response=ProposalResponse.ACCEPTED,
    )

    context = build_disclosure_context(deal=built.deal, issued_at=ISSUED_AT, document_number="X")
    html = _html(built.deal)

    assert context["fact_rows"][0].responsible_labels[1] == "当社"
    assert "ファームウェアのアップデート" not in section_text(html, "G5.3")
    assert "ネットワーク設定の確認" in section_text(html, "G5.3")


def test_g5_2_1_firmware_updates_the_maintenance_contract_includes_are_marked_included_not_priced():
    built = make_document_deal(devices=1)
    built.deal.lines.filter(product=built.rtx).delete()
    make_contract(
        devices=list(built.deal.devices.all()),
        customer=built.deal.customer,
        plan=make_plan(name="オンサイト保守", kind=ServicePlanKind.CONTINUOUS_MAINTENANCE),
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )

    html = _html(built.deal)

    assert "ご契約の保守・サービスに含まれます" in section_text(html, "G5.2-1a")
    assert "¥30,000" not in section_text(html, "G5.2-1a")
    assert "有償での対応となります" in section_text(html, "G5.2-1b")


def test_g5_1_4_a_reseller_without_a_maintenance_menu_does_not_urge_its_menu():
    built = make_document_deal(devices=1)
    Reseller.objects.update(offers_maintenance_menu=False)

    html = _html(built.deal)

    assert "当社は、納入機器の継続的な保守契約又はスポット作業によるメンテナンスのサービス・プランをご提案" not in html
    assert "当社は保守メニューを提供しておりません" in section_text(html, "G5.1-4")
    assert "当社は保守・メンテナンスのご利用を特にお勧めいたします" not in section_text(html, "G5.3")


def test_g6_a_clause_proposing_a_menu_the_reseller_does_not_offer_blocks_issue():
    built = make_document_deal(devices=1)
    Reseller.objects.update(offers_maintenance_menu=False)
    ClauseOverride.objects.create(deal=built.deal, family="network", option=3, reason="営業判断", set_by=make_user())

    blocking = run_pre_issue_check(deal=built.deal, at=ISSUED_AT).blocking

    assert [(item.code, item.requirement_id) for item in blocking] == [("clause_menu_not_offered", "G6")]


def test_g2_devices_with_different_facts_never_share_a_row():
    built = make_document_deal(devices=3)
    first = built.deal.devices.order_by("serial_number").first()
    make_contract(devices=[first], customer=built.deal.customer, start_date=datetime.date(2026, 4, 1))

    rows = build_disclosure_context(deal=built.deal, issued_at=ISSUED_AT, document_number="X")["fact_rows"]

    assert [row.serial_numbers for row in rows[:2]] == [["FGT60F000001"], ["FGT60F000002", "FGT60F000003"]]


# ---------------------------------------------------------------------------- words and versions


def test_g1_no_requirement_id_in_what_the_customer_reads_but_every_section_keeps_its_data_attribute():
    html = _html(make_document_deal().deal)
    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//style|//script"):
        hidden.drop_tree()

    assert REQUIREMENT_ID.findall(tree.text_content()) == []
    assert len(re.findall(r'data-req="', html)) >= 27


def test_s_evid_a_new_version_says_what_it_replaces_and_what_changed():
    built = make_document_deal(devices=1)
    staff = make_user()
    first = issue_disclosure(
        deal=built.deal, issued_by=staff, issued_at=ISSUED_AT, acknowledged_warnings=acknowledge_all(built.deal)
    )
    make_device(
        product=built.fortigate, customer=built.deal.customer, deal=built.deal, serial_number="FGT60F000009",
        firmware_at_sale="7.4.4",
    )  # fmt: skip
    built.deal.proposed_plans.filter(plan=built.maintenance).update(response=ProposalResponse.ACCEPTED)
    later = ISSUED_AT + datetime.timedelta(hours=2)

    second = issue_disclosure(
        deal=built.deal, issued_by=staff, issued_at=later, acknowledged_warnings=acknowledge_all(built.deal, at=later)
    )

    assert second.changes == [
        "機器を追加：フォーティネット FG-60F（S/N FGT60F000009）",
        "プラン「年間保守プラン」：お見送り → お申し込み",
    ]
    text = normalise(lxml.html.fromstring(second.html).text_content())
    assert (
        normalise(f"本書（第2版）は、2026年5月1日発行の第1版（文書番号 {first.document_number}）に代わるものです。")
        in text
    )
    assert normalise("機器を追加：フォーティネット FG-60F（S/N FGT60F000009）") in text
