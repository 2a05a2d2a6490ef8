import datetime
import decimal

import pytest

from kokuchi.core.exports import csv_response, csv_text, safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://example.invalid","x")', '\'=HYPERLINK("http://example.invalid","x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("FortiGate 60F", "FortiGate 60F"),
        ("株式会社テスト", "株式会社テスト"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formula_text(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_keeps_numbers_and_dates():
    assert safe_cell(-5) == -5
    assert safe_cell(decimal.Decimal("-1.5")) == decimal.Decimal("-1.5")
    assert safe_cell(datetime.date(2026, 12, 7)) == datetime.date(2026, 12, 7)


def test_csv_text_has_bom_and_neutralised_cells():
    text = csv_text(header=["名前", "値"], rows=[["=1+1", 3]])
    assert text == "\ufeff名前,値\r\n'=1+1,3\r\n"


def test_csv_response_is_an_attachment():
    response = csv_response(filename="x.csv", header=["a"], rows=[["@b"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.content.decode("utf-8") == "\ufeffa\r\n'@b\r\n"
