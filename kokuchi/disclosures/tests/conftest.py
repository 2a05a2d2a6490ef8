import hashlib
import io
import re

import lxml.html
import pytest
from pypdf import PdfReader

from kokuchi.core.pdf import render_pdf

_PDF_TEXT_CACHE: dict[str, str] = {}
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Drop all whitespace: PDF text extraction breaks lines where the layout wrapped them."""
    return _SPACE.sub("", text)


# Page furniture (the stamped page numbers, the header: document number, or 別紙 on the appendix's
# pages), and list bullets, which pypdf may return apart from their item.
_FURNITURE = re.compile(r"^(\d+ / \d+|KK-[A-Z0-9-]+|別紙|•)$")


def pdf_text(pdf: bytes) -> str:
    """Return the PDF's text without page headers and footers, so that a paragraph running over
    a page break reads as one."""
    lines = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        lines.extend(line for line in page.extract_text().splitlines() if not _FURNITURE.match(line.strip()))
    return "\n".join(lines)


def pdf_text_of_html(html: str) -> str:
    """Render `html` to PDF and return its extracted text; identical HTML is rendered once per run."""
    key = hashlib.sha256(html.encode()).hexdigest()
    if key not in _PDF_TEXT_CACHE:
        _PDF_TEXT_CACHE[key] = pdf_text(render_pdf(html))
    return _PDF_TEXT_CACHE[key]


def sections(html: str) -> dict[str, lxml.html.HtmlElement]:
    """The first section of each requirement ID (see section_text for all of them)."""
    root = lxml.html.document_fromstring(html)
    found: dict[str, lxml.html.HtmlElement] = {}
    for element in root.xpath("//section[@data-req]"):
        found.setdefault(element.get("data-req"), element)
    return found


def section_text(html: str, req_id: str) -> str:
    """The text of every section of `req_id` (G5.2-0 has one in the body and one in the appendix)."""
    root = lxml.html.document_fromstring(html)
    elements = root.xpath("//section[@data-req=$req]", req=req_id)
    if not elements:
        raise KeyError(req_id)
    return "".join(normalise(element.text_content()) for element in elements)


@pytest.fixture
def assert_pdf_has():
    return pdf_text_of_html
