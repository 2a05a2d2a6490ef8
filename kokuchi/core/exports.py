"""Spreadsheet-safe cell values for every CSV and XLSX Kokuchi writes.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets (OWASP "CSV injection"). Such text is prefixed with a single
quote, which the spreadsheet shows as plain text; numbers, dates and empty values pass unchanged.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as a spreadsheet will show it, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | decimal.Decimal | datetime.date | datetime.datetime):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(value) for value in values]


def csv_text(*, header: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """CSV with a UTF-8 BOM (so that Excel opens Japanese text correctly), every cell made safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return buffer.getvalue()


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Iterable[object]]) -> HttpResponse:
    response = HttpResponse(csv_text(header=header, rows=rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_cell(sheet: Any, *, row: int, column: int, value: object) -> Any:
    """Write one XLSX cell: numbers and dates as themselves, text made safe and stored as text
    (data type "s"), so that no text a user typed can become a formula. `sheet` is an openpyxl
    Worksheet (openpyxl ships no type information)."""
    cell = sheet.cell(row=row, column=column)
    safe = safe_cell(value)
    cell.value = safe
    if isinstance(safe, str):
        cell.data_type = "s"
    return cell
