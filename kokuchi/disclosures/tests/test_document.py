import datetime
import io

import pytest
from django.conf import settings
from pypdf import PdfReader

from kokuchi.catalog.models import ServicePlanKind
from kokuchi.catalog.tests.factories import make_plan
from kokuchi.core.pdf import render_pdf
from kokuchi.deals.models import ProposalResponse
from kokuchi.deals.tests.factories import make_proposed_plan
from kokuchi.devices.tests.factories import make_contract
from kokuchi.disclosures.content import (
    DISCLOSURE_REQUIRED_IDS,
    RISK_FACTS_FILE,
    RiskFact,
    current_risk_facts,
    load_risk_facts,
)
from kokuchi.disclosures.context import build_disclosure_context
from kokuchi.disclosures.services import DOCUMENT_PAGE_NUMBERS, render_disclosure_html
from kokuchi.disclosures.tests.conftest import normalise, pdf_text_of_html, section_text, sections
from kokuchi.disclosures.tests.factories import ISSUED_AT, make_document_deal

pytestmark = pytest.mark.django_db


def _html(deal, issued_at=ISSUED_AT):
    html, _label = render_disclosure_html(
        deal=deal, issued_at=issued_at, document_number="KK-D2026-0001-01", version_number=1
    )
    return html


def _first_texts(element) -> list[str]:
    texts = []
    for xpath in (".//h2|.//h3", ".//p"):
        found = element.xpath(xpath)
        if found:
            texts.append(normalise(found[0].text_content()))
    return texts


# Written out so that each clause can be traced from the catalogue to its test.
SECTIONS_UNDER_TEST = (
    "G2",
    "G4",
    "G5.1-0",
    "G5.1-1",
    "G5.1-2",
    "G5.1-3",
    "G5.1-4",
    "G5.1-5",
    "G5.1-6",
    "G5.2-0",
    "G5.2-1a",
    "G5.2-1b",
    "G5.2-1c",
    "G5.2-1d",
    "G5.2-1e",
    "G5.2-2a",
    "G5.2-2b",
    "G5.2-2c",
    "G5.2-3",
    "G5.3",
    "G5.4",
    "G6",
    "S-RISK",
    "S-SKILL",
)


def test_the_document_requires_exactly_the_sections_under_test():
    assert DISCLOSURE_REQUIRED_IDS == SECTIONS_UNDER_TEST


@pytest.mark.parametrize("req_id", SECTIONS_UNDER_TEST)
def test_every_requirement_section_is_in_the_html_and_its_text_in_the_pdf(req_id):
    html = _html(make_document_deal().deal)
    element = sections(html)[req_id]
    texts = _first_texts(element)
    pdf = normalise(pdf_text_of_html(html))

    assert texts, f"section {req_id} has no heading or paragraph"
    for text in texts:
        assert text in pdf, f"{req_id}: {text!r} not found in the PDF text"


def test_document_is_deterministic_for_the_same_inputs():
    deal = make_document_deal().deal

    assert _html(deal) == _html(deal)


def test_header_blocks_document_number_issue_date_customer_and_reseller():
    html = _html(make_document_deal().deal)
    text = normalise(html)

    assert "KK-D2026-0001-01" in text
    assert "<th>発行日</th><td>2026年5月1日</td>" in text
    assert "株式会社サンプル商事御中" in text
    assert "<strong>株式会社テスト販売</strong>" in text


def test_s_risk_counts_last_three_years_by_severity_and_known_exploited():
    html = _html(make_document_deal().deal)
    text = section_text(html, "S-RISK")

    assert (
        "2023年5月1日から2026年5月1日までに公表され、当社データに登録されている脆弱性は3件で、"
        "うち実際に悪用が確認されたもの（CISAKEV掲載）は1件です。"
    ) in text
    assert "緊急（CRITICAL）重要（HIGH）警告（MEDIUM）注意（LOW）深刻度不明（UNKNOWN）2件1件0件0件0件" in text
    # S-RISK: every count states its coverage (sources, records, last synchronisation).
    assert (
        "当社が保有する脆弱性データ（NVD4件・最終同期2026年5月1日09:00、JVNiPedia0件・最終同期2026年5月1日09:00、"
        "CISAKEV1件・最終同期2026年5月1日09:00）"
    ) in text
    assert "公表されたすべての脆弱性を網羅するものではありません" in text


def test_s_risk_without_data_prints_a_neutral_sentence_and_no_figure():
    html = _html(make_document_deal().deal)
    element = sections(html)["S-RISK"]
    rtx_heading = [h for h in element.xpath(".//h4") if "RTX1300" in h.text_content()][-1]
    sentence = normalise(rtx_heading.getnext().text_content())

    assert sentence == normalise(
        "この製品については、当社の脆弱性データに照合できる登録情報がないため、件数は記載していません。"
        "これは脆弱性が存在しないことを意味するものではありません。メーカーの脆弱性情報を定期的にご確認ください。"
    )


def test_g5_2_0_packaged_risk_facts_are_the_guideline_copy():
    """The package ships data/risk-facts.yaml (docs/ is not installed); docs/guideline holds the original."""
    assert RISK_FACTS_FILE.read_bytes() == (settings.BASE_DIR / "docs" / "guideline" / "risk-facts.yaml").read_bytes()


def test_g5_2_0_cites_the_newest_edition_of_each_verified_risk_fact_with_source_title_and_url():
    html = _html(make_document_deal().deal)
    text = section_text(html, "G5.2-0")
    facts = {fact.id: fact for fact in load_risk_facts()}
    # G5.2-0: only the publishers' own pages are cited (news reports and copies are left out).
    cited_ids = {"npa-2024-ransomware", "fortigate-credentials-2021", "guidance-police-vpn-firmware"}

    assert len(facts) == 15
    pdf = normalise(pdf_text_of_html(html))
    appendix = pdf.index(normalise("別紙　脆弱性を放置した場合のリスク（統計と事例）"))
    assert appendix > pdf.index(normalise("18. 見積・契約条件に関する記載"))  # the appendix comes last
    for fact_id, fact in facts.items():
        cited = fact_id in cited_ids
        assert (pdf.find(normalise(fact.text_ja), appendix) > 0) is cited, fact_id
        assert (normalise(fact.text_ja) in text) is cited, fact_id
        assert (fact.source_url in text) is cited, fact_id
        if cited:
            assert normalise(fact.source_title) in text
            assert normalise(f"{fact.source_url}（2026-11取得）") in text


def test_g5_2_0_a_newer_edition_replaces_the_older_one_of_its_series_only():
    def fact(fact_id, kind):
        return RiskFact(id=fact_id, kind=kind, text_ja=fact_id, source_title="t", source_url="u", source_date=None)

    facts = (
        fact("npa-2021-ransomware", "statistic"),
        fact("npa-2024-recovery-cost", "statistic"),
        fact("npa-2025-ransomware", "statistic"),
        fact("handa-hospital-2021-cause", "incident"),
        fact("handa-hospital-2022-cause", "incident"),
        fact("ipa-10threats-2026", "ranking"),
        fact("guidance-ipa-5kajo", "guidance"),
    )

    assert [f.id for f in current_risk_facts(facts)] == [
        "npa-2024-recovery-cost",
        "npa-2025-ransomware",
        "handa-hospital-2021-cause",
        "handa-hospital-2022-cause",
        "ipa-10threats-2026",
        "guidance-ipa-5kajo",
    ]


def test_g5_1_3_firmware_at_sale_from_devices_and_latest_before_delivery():
    html = _html(make_document_deal().deal)
    text = section_text(html, "G5.1-3")

    assert "フォーティネットFG-60FFGT60F000001、FGT60F0000027.4.37.4.4" in text
    assert "ヤマハRTX13001台（納入前）Rev.23.00.05（納入予定の版）Rev.23.00.05" in text


def test_g5_2_3_manufacturer_url_or_needs_confirmation_public_sources_and_responsibility():
    html = _html(make_document_deal().deal)
    text = section_text(html, "G5.2-3")

    assert "フォーティネットFG-60Fメーカーの脆弱性情報ページ：https://www.fortiguard.com/psirt" in text
    # G5.2-3: an unconfirmed maker gets JVN iPedia (and its support page when known), never 要確認.
    assert "ヤマハRTX1300JVNiPedia（https://jvndb.jvn.jp/）で「ヤマハ」を検索" in text
    assert "要確認" not in text
    assert "JVNiPedia（脆弱性対策情報データベース、IPA）：https://jvndb.jvn.jp/" in text
    assert "IPA重要なセキュリティ情報：https://www.ipa.go.jp/security/security-alert/index.html" in text
    assert "脆弱性情報の提供責任はメーカー側にあり、当社には脆弱性情報を提供する義務はありません" in text


def test_g5_1_5_jc_star_label_and_no_label_worded_neutrally():
    html = _html(make_document_deal().deal)
    text = section_text(html, "G5.1-5")

    assert "ヤマハRTX1300★1登録番号0123456789（有効期間2025年6月1日〜2027年5月31日）" in text
    assert "フォーティネットFG-60F取得なし" in text
    assert "製品の完全な安全性や脆弱性がないことを保証するものではありません" in text


def test_g4_out_of_scope_product_listed_as_such():
    html = _html(make_document_deal().deal)

    assert "シュナイダーエレクトリックSMT1500J1インターネットに接続しない製品" in section_text(html, "G4")
    assert "SMT1500J" not in section_text(html, "G5.1-3")


def test_g5_2_1_paid_services_with_price_when_set():
    html = _html(make_document_deal().deal)

    assert section_text(html, "G5.2-1a").endswith("料金（税抜）：¥30,0001台あたり")
    assert section_text(html, "G5.2-1e").endswith("料金（税抜）：別途お見積り")


def test_g5_3_and_s_skill_strong_wording_for_difficult_customer_with_declined_plan_tasks():
    html = _html(make_document_deal().deal)
    g53 = section_text(html, "G5.3")

    skill = section_text(html, "S-SKILL")
    assert "2026年4月10日に実施した運用体制の確認の結果は「自社での保守は困難」でした。" in skill
    assert "保守契約又はスポット作業によるメンテナンスのご利用を強くお勧めいたします" in section_text(html, "S-SKILL")
    assert "お客様ご自身によるメンテナンスは困難と考えられるため" in g53
    assert "ご提案した「年間保守プラン」はご利用にならないとのご回答をいただきました（理由：社内で対応するため）" in g53
    assert "当社は何らの責任も負いません" in g53
    assert "ファームウェアのアップデートネットワーク設定の確認機器ごとに対処すべき事項：【ルーター】" in g53
    assert "【ファイアウォール／UTM】通信の許可ルール" in g53
    assert "通信の許可ルール（セキュリティポリシー）を定期的に見直すこと" in g53
    assert "管理画面・管理用ポートをインターネット側に公開せず、初期パスワードを変更すること" in g53


def test_g5_3_capable_customer_gets_the_ordinary_wording():
    html = _html(make_document_deal(assessment_level_difficult=False).deal)

    assert "困難と考えられる" not in section_text(html, "G5.3")
    assert "お客様ご自身でメンテナンスを行える体制があると確認しました" in section_text(html, "S-SKILL")


def test_g5_1_6_registered_service_marked_and_listed():
    html = _html(make_document_deal().deal)

    assert "SOC監視サービス※" in section_text(html, "G5.4")
    assert "SOC監視サービスセキュリティ監視・運用サービス024-0001-40" in section_text(html, "G5.1-6")


def test_g5_1_4_maintenance_plan_listed_with_price_and_answer():
    html = _html(make_document_deal().deal)

    assert section_text(html, "G5.1-4").endswith("年間保守プラン継続的な保守契約株式会社テスト販売¥120,000/年お見送り")
    assert section_text(html, "G5.4").endswith(
        "SOC監視サービス※SOC（セキュリティ監視）株式会社セキュア監視¥50,000/月お申し込み"
    )


def test_responsibility_matrix_from_accepted_plan_and_active_contract():
    built = make_document_deal()
    device = built.deal.devices.order_by("serial_number").first()
    make_contract(
        devices=[device],
        customer=built.deal.customer,
        plan=make_plan(name="オンサイト保守", kind=ServicePlanKind.CONTINUOUS_MAINTENANCE),
        contract_number="MC-1",
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )

    context = build_disclosure_context(deal=built.deal, issued_at=ISSUED_AT, document_number="X")
    first, second, rtx = context["fact_rows"]

    # Tasks in content.TASKS order.
    assert first.serial_numbers == ["FGT60F000001"]
    assert first.facts.basis == (
        "ご契約のプラン：SOC監視サービス（株式会社セキュア監視）",
        "保守契約 MC-1：オンサイト保守（株式会社テスト販売）",
    )
    assert first.responsible_labels == ["当社", "当社", "当社", "当社", "第三者事業者", "お客様"]
    assert second.serial_numbers == ["FGT60F000002"]
    assert second.responsible_labels == ["お客様", "お客様", "お客様", "お客様", "第三者事業者", "お客様"]
    assert (rtx.product, rtx.serial_numbers, rtx.quantity) == (built.rtx, [], 1)


def test_matrix_prints_devices_with_the_same_split_as_one_row_naming_each_serial():
    context = build_disclosure_context(
        deal=make_document_deal(devices=3).deal, issued_at=ISSUED_AT, document_number="X"
    )

    fortigate = context["fact_rows"][0]
    assert len(context["fact_rows"]) == 2  # the three FortiGates, and the RTX not yet delivered
    assert fortigate.serial_numbers == ["FGT60F000001", "FGT60F000002", "FGT60F000003"]
    assert fortigate.responsible_labels == ["お客様", "お客様", "お客様", "お客様", "第三者事業者", "お客様"]


def test_matrix_before_delivery_uses_deal_lines_and_accepted_plans():
    built = make_document_deal(devices=0)
    make_proposed_plan(
        deal=built.deal,
        plan=make_plan(name="スポット保守", kind=ServicePlanKind.SPOT_MAINTENANCE),
        response=ProposalResponse.ACCEPTED,
    )

    context = build_disclosure_context(deal=built.deal, issued_at=ISSUED_AT, document_number="X")

    rows = context["fact_rows"]
    assert [(row.product.model_number, row.quantity) for row in rows] == [("FG-60F", 1), ("RTX1300", 1)]
    assert rows[0].responsible_labels[1] == "当社"  # firmware update: spot plan by the reseller
    assert rows[0].responsible_labels[0] == "お客様"  # information gathering stays with the customer
    assert (rows[0].facts.firmware_at_sale, rows[0].facts.firmware_planned) == ("7.4.4", True)


def test_g6_clause_in_the_disclosure_uses_reseller_name():
    html = _html(make_document_deal().deal)
    text = section_text(html, "G6")

    assert "・株式会社テスト販売が販売させて頂く、「情報システム関連製品」が該当しますが" in text
    assert "××" not in text


def test_g5_3_statement_when_nothing_is_declined_and_nothing_covered():
    from kokuchi.core.tests.factories import make_reseller
    from kokuchi.deals.tests.factories import make_deal, make_deal_line

    make_reseller()
    deal = make_deal()
    make_deal_line(deal=deal)

    text = section_text(_html(deal), "G5.3")

    assert "当社は何らの責任も負いません" in text
    assert "本案件のすべての対象機器について、ご契約の保守・サービスが各作業を対象としています" not in text


def test_g5_3_all_devices_under_maintenance_contract_drops_the_statement():
    built = make_document_deal(devices=1)
    built.deal.proposed_plans.filter(plan=built.maintenance).update(response=ProposalResponse.ACCEPTED)
    built.deal.lines.filter(product=built.rtx).delete()

    text = section_text(_html(built.deal), "G5.3")

    # SOC and incident response stay with the customer: the statement names only those tasks.
    assert text.endswith("お客様ご自身の責任において対処してください。インシデント発生時の対応")
    assert "ファームウェアのアップデート" not in text


def test_g3_every_product_sold_in_the_deal_appears_in_the_disclosure():
    """The guideline applies to every product the reseller sells: each line of the deal is in the
    document, in scope with its vulnerability-information source or listed as out of scope."""
    deal = make_document_deal().deal
    html = _html(deal)

    for line in deal.lines.select_related("product"):
        assert line.product.model_number in html
    out_of_scope = sections(html)["G4"].text_content()
    assert "SMT1500J" in out_of_scope


def test_pdf_pages_carry_the_document_number_or_appendix_label_and_running_page_numbers():
    html = _html(make_document_deal().deal)
    reader = PdfReader(io.BytesIO(render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS)))
    pages = [page.extract_text().splitlines() for page in reader.pages]
    total = len(pages)
    heading = "別紙　脆弱性を放置した場合のリスク（統計と事例）"
    appendix_start = next(n for n, lines in enumerate(pages) if heading in lines)

    assert 0 < appendix_start < total
    for number, lines in enumerate(pages):
        header = "KK-D2026-0001-01" if number < appendix_start else "別紙"
        assert header in lines, (number, lines[:3])
        assert f"{number + 1} / {total}" in lines
