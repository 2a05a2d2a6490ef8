"""DOCX and XLSX writers for staff who must edit a document.

The DOCX is converted from the rendered HTML, so that it carries exactly the wording of the
(possibly reseller-edited) template; the XLSX quote is written from the quote context.
"""

from __future__ import annotations

import datetime
import io
import re

import lxml.html
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from kokuchi.core.exports import xlsx_cell

DOCX_EAST_ASIAN_FONT = "游ゴシック"  # present on every current Windows/Office installation
_BREAK = "\u2028"  # stands for <br> while HTML whitespace is collapsed
_SPACES = re.compile(r"[ \t\r\n]+")
_BLOCK_TAGS = {"p", "div", "section", "table", "ul", "ol", "h1", "h2", "h3", "h4"}


def _text(element) -> str:
    text = _SPACES.sub(" ", element.text_content()).strip()
    return "\n".join(part.strip() for part in text.split(_BREAK)).strip()


def _set_run_fonts(style) -> None:
    style.font.name = DOCX_EAST_ASIAN_FONT
    r_pr = style.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), DOCX_EAST_ASIAN_FONT)


def _add_table(document, table_element) -> None:
    rows = table_element.xpath("./tr|./thead/tr|./tbody/tr")
    if not rows:
        return
    # Lay cells out on a grid first: rowspan/colspan cells occupy several slots.
    grid: dict[tuple[int, int], tuple[object, int, int] | None] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row.xpath("./td|./th"):
            while (r, c) in grid:
                c += 1
            rowspan, colspan = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = None
            grid[(r, c)] = (cell, rowspan, colspan)
            c += colspan
            width = max(width, c)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for (r, c), entry in sorted(grid.items()):
        if entry is None or r >= len(rows):
            continue
        cell_element, rowspan, colspan = entry
        cell = table.cell(r, c)
        last = table.cell(min(r + rowspan, len(rows)) - 1, min(c + colspan, width) - 1)
        if last is not cell and (rowspan > 1 or colspan > 1):
            cell = cell.merge(last)
        cell.text = _text(cell_element)
        if cell_element.tag == "th":
            for run in cell.paragraphs[0].runs:
                run.bold = True


def _walk(document, element) -> None:
    for child in element.iterchildren():
        if not isinstance(child.tag, str) or child.tag in {"style", "script", "title", "head"}:
            continue
        tag, classes = child.tag, set((child.get("class") or "").split())
        if tag == "h1":
            heading = document.add_heading(_text(child), level=0)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif tag in {"h2", "h3", "h4"}:
            document.add_heading(_text(child), level=int(tag[1]) - 1)
        elif tag in {"ul", "ol"}:
            style = "List Number" if tag == "ol" else "List Bullet"
            for item in child.xpath("./li"):
                document.add_paragraph(_text(item), style=style)
        elif tag == "table":
            _add_table(document, child)
        elif "clause" in classes:
            # The clause box keeps its line breaks (CSS white-space: pre-line).
            for line in child.text_content().splitlines():
                if line.strip():
                    document.add_paragraph(line.strip())
        elif tag in {"section", "div", "body"} and any(
            isinstance(grandchild.tag, str) and grandchild.tag in _BLOCK_TAGS for grandchild in child
        ):
            _walk(document, child)
        else:
            text = _text(child)
            if text:
                document.add_paragraph(text)


def _add_page_number_footer(section) -> None:
    """Centre 'page / pages' in the footer, as the PDF prints it (Word fills the fields)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for index, instruction in enumerate(("PAGE", "NUMPAGES")):
        if index:
            paragraph.add_run(" / ")
        field = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): instruction})
        run = field.makeelement(qn("w:r"), {})
        text = run.makeelement(qn("w:t"), {})
        text.text = "1"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)


def html_to_docx(html: str) -> bytes:
    """Convert a rendered document (our templates' HTML subset) to an A4 DOCX."""
    root = lxml.html.document_fromstring(html)
    for br in root.iter("br"):
        br.tail = _BREAK + (br.tail or "")
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(16)
    section.top_margin = section.bottom_margin = Mm(18)
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        _set_run_fonts(document.styles[style_name])
    document.styles["Normal"].font.size = Pt(10)
    _add_page_number_footer(section)
    body = root.find("body")
    _walk(document, body if body is not None else root)
    # Fixed core properties keep the file free of the current time.
    document.core_properties.created = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    document.core_properties.modified = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


_THIN = Side(style="thin", color="444444")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
YEN_FORMAT = '"¥"#,##0'


def quote_to_xlsx(context: dict) -> bytes:
    """Write the quote (見積書) as one A4 sheet: header, lines, subtotal, 消費税, total, clause."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "御見積書"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    for column, width in zip("ABCDE", (6, 48, 8, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet["A1"] = "御見積書"
    sheet["A1"].font = Font(size=18, bold=True)
    sheet.merge_cells("A1:E1")
    sheet["A1"].alignment = Alignment(horizontal="center")
    reseller, customer = context["reseller"], context["customer"]
    header = [
        ("見積番号", context["document_number"]),
        ("発行日", context["issue_date"]),
        ("有効期限", context["valid_until"]),
        ("宛先", f"{customer.name} 御中"),
        ("件名", context["deal"].title),
        ("発行者", reseller.company_name),
    ]
    row = 3
    for label, value in header:
        xlsx_cell(sheet, row=row, column=1, value=label).font = Font(bold=True)
        cell = xlsx_cell(sheet, row=row, column=2, value=value)
        if isinstance(value, datetime.date):
            cell.number_format = "yyyy年m月d日"
        row += 1
    row += 1
    for column, label in enumerate(("No.", "品名・型番", "数量", "単価（税抜）", "金額（税抜）"), start=1):
        cell = xlsx_cell(sheet, row=row, column=column, value=label)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
    for number, line in enumerate(context["lines"], start=1):
        row += 1
        values = (
            number,
            f"{line.product.manufacturer.name_ja} {line.product.model_number}",
            line.quantity,
            line.unit_price,
            line.amount,
        )
        for column, value in enumerate(values, start=1):
            cell = xlsx_cell(sheet, row=row, column=column, value=value)
            cell.border = _BORDER
            if column >= 4:
                cell.number_format = YEN_FORMAT
    row += 1
    for label, value in (
        ("小計", context["subtotal"]),
        (f"消費税（{context['tax_rate_percent']}%）", context["tax"]),
        ("合計", context["total"]),
    ):
        xlsx_cell(sheet, row=row, column=4, value=label).font = Font(bold=True)
        cell = xlsx_cell(sheet, row=row, column=5, value=value)
        cell.number_format, cell.border = YEN_FORMAT, _BORDER
        row += 1
    row += 1
    xlsx_cell(sheet, row=row, column=1, value="備考・取引条件").font = Font(bold=True)
    for paragraph in context["clause"].paragraphs:
        row += 1
        xlsx_cell(sheet, row=row, column=1, value=paragraph).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        sheet.row_dimensions[row].height = 15 * (1 + len(paragraph) // 45)
    # The issue date, not the clock, so that the same quote gives the same file.
    stamp = datetime.datetime.combine(context["issue_date"], datetime.time())
    workbook.properties.created = workbook.properties.modified = stamp
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
