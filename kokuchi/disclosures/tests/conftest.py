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


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_text_of_html(html: str) -> str:
    """Render `html` to PDF and return its extracted text; identical HTML is rendered once per run."""
    key = hashlib.sha256(html.encode()).hexdigest()
    if key not in _PDF_TEXT_CACHE:
        _PDF_TEXT_CACHE[key] = pdf_text(render_pdf(html))
    return _PDF_TEXT_CACHE[key]


def sections(html: str) -> dict[str, lxml.html.HtmlElement]:
    root = lxml.html.document_fromstring(html)
    return {element.get("data-req"): element for element in root.xpath("//section[@data-req]")}


def section_text(html: str, req_id: str) -> str:
    return normalise(sections(html)[req_id].text_content())


@pytest.fixture
def assert_pdf_has():
    return pdf_text_of_html
