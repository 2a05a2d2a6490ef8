import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from kokuchi.disclosures.tests.conftest import normalise, pdf_text
from kokuchi.disclosures.tests.factories import make_document_deal

pytestmark = pytest.mark.django_db


def test_disclosure_render_pdf(tmp_path):
    make_document_deal(devices=1)
    output = tmp_path / "d.pdf"
    stdout = io.StringIO()

    call_command("disclosure", "render", "D2026-0001", "--format", "pdf", "--output", str(output), stdout=stdout)

    text = normalise(pdf_text(output.read_bytes()))
    assert "情報機器の脆弱性対応に関する告知書" in text
    assert "株式会社サンプル商事御中" in text
    assert stdout.getvalue().startswith("Wrote the disclosure of D2026-0001 (pdf, ")


def test_disclosure_render_html_and_docx(tmp_path):
    make_document_deal(devices=1)

    call_command(
        "disclosure", "render", "D2026-0001", "--format", "html", "--output", str(tmp_path / "d.html"), verbosity=0
    )
    call_command(
        "disclosure", "render", "D2026-0001", "--format", "docx", "--output", str(tmp_path / "d.docx"), verbosity=0
    )

    html = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert html.count("<section data-req=") == 27  # 26 in the body, the G5.2-0 appendix
    document = Document(str(tmp_path / "d.docx"))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == "プレビュー（未発行）：この文書はまだ発行されていません。"
    assert paragraphs[1] == "情報機器の脆弱性対応に関する告知書"
    assert "7. 脆弱性情報の入手先" in paragraphs
    assert "(c) 当社はセキュリティ被害による損害を補償いたしません。" in paragraphs
    appendix = paragraphs.index("別紙　脆弱性を放置した場合のリスク（統計と事例）")
    assert appendix > paragraphs.index("18. 見積・契約条件に関する記載")
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer
    assert 'w:instr="NUMPAGES"' in footer
    # A4 in twentieths of a point, the unit Word stores.
    assert (document.sections[0].page_width.twips, document.sections[0].page_height.twips) == (11906, 16838)
    matrix = next(table for table in document.tables if table.rows[0].cells[0].text == "機器")
    assert [cell.text for cell in matrix.rows[0].cells] == [
        "機器",
        "脆弱性情報の\n収集",
        "ファームウェア\nの更新",
        "ネットワーク\n設定の確認",
        "機器固有の\n対処事項",
        "監視\n（SOC）",
        "インシデント\n対応",
    ]
    assert [cell.text for cell in matrix.rows[1].cells] == [
        "フォーティネット FG-60F\nS/N FGT60F000001\nご契約のプラン：SOC監視サービス（株式会社セキュア監視）",
        "お客様",
        "お客様",
        "お客様",
        "お客様",
        "第三者事業者",
        "お客様",
    ]


def test_quote_render_pdf_and_xlsx(tmp_path):
    make_document_deal(devices=1)

    call_command("quote", "render", "D2026-0001", "--format", "pdf", "--output", str(tmp_path / "q.pdf"), verbosity=0)
    call_command("quote", "render", "D2026-0001", "--format", "xlsx", "--output", str(tmp_path / "q.xlsx"), verbosity=0)

    assert "合計¥322,300" in normalise(pdf_text((tmp_path / "q.pdf").read_bytes()))
    assert load_workbook(tmp_path / "q.xlsx").active["A1"].value == "御見積書"


def test_unknown_deal_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No deal with number 'D2026-9999'."):
        call_command("disclosure", "render", "D2026-9999", "--output", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_s_risk_disclosure_check_prints_blocking_items_and_warnings_and_fails_when_blocked():
    built = make_document_deal(devices=1, feeds_synced_at=None)  # no feed ever loaded: stale
    stdout, stderr = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 item\\(s\\) block issuing the disclosure of D2026-0001"):
        call_command("disclosure", "check", "D2026-0001", stdout=stdout, stderr=stderr)

    lines = stderr.getvalue().splitlines()
    device = built.deal.devices.get()
    assert lines[0].startswith("BLOCKING feeds_stale:- [S-RISK] 脆弱性情報が古いため発行できません")
    assert lines[1].startswith(f"WARNING  firmware_outdated:{device.pk} [G5.1-3] FG-60F")
    assert lines[2].startswith("WARNING  maker_source_unconfirmed:- [G5.2-3] ヤマハの脆弱性情報ページは未確認です")
