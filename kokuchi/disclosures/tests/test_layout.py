"""Layout that holds for any deal: the rendered PDF of generated deals of 1, 20 and 200 devices
with long names is read back character by character (pdfplumber) and checked for overlapping
text, headings stranded at a page bottom, table headers not repeated, codes broken inside, and
fonts not embedded (pypdf font dictionaries, page numbers included)."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import lxml.html
import pdfplumber
import pytest
from pypdf import PdfReader

from kokuchi.core.models import Reseller
from kokuchi.core.pdf import render_pdf
from kokuchi.core.tests.factories import give_reseller_logo, make_logo_image
from kokuchi.disclosures.services import DOCUMENT_PAGE_NUMBERS, render_disclosure_html
from kokuchi.disclosures.tests.conftest import normalise
from kokuchi.disclosures.tests.factories import ISSUED_AT, make_large_deal

pytestmark = pytest.mark.django_db

DOCUMENT_NUMBER = "KK-D2026-0001-01"
_CELL = 12.0  # pt: bucket size of the overlap search


def _render(devices: int) -> tuple[str, bytes]:
    deal = make_large_deal(devices=devices)
    html, _label = render_disclosure_html(
        deal=deal, issued_at=ISSUED_AT, document_number=DOCUMENT_NUMBER, version_number=1
    )
    return html, render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS)


def overlapping_characters(page) -> list[tuple[str, str, float, float]]:
    """Pairs of visible characters of a page whose boxes overlap by more than a quarter of the
    smaller one (touching neighbours and kerning do not count)."""
    chars = [c for c in page.chars if c["text"].strip()]
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, char in enumerate(chars):
        for gx in range(int(char["x0"] // _CELL), int(char["x1"] // _CELL) + 1):
            for gy in range(int(char["top"] // _CELL), int(char["bottom"] // _CELL) + 1):
                grid[(gx, gy)].append(index)
    found = set()
    for members in grid.values():
        for i, a_index in enumerate(members):
            a = chars[a_index]
            for b_index in members[i + 1 :]:
                b = chars[b_index]
                width = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                if width <= 0 or height <= 0:
                    continue
                smaller = min(
                    (a["x1"] - a["x0"]) * (a["bottom"] - a["top"]), (b["x1"] - b["x0"]) * (b["bottom"] - b["top"])
                )
                if smaller > 0 and width * height > 0.25 * smaller:
                    found.add((a["text"], b["text"], round(a["x0"], 1), round(a["top"], 1)))
    return sorted(found)


def _lines(page) -> list[str]:
    return [line for line in (page.extract_text() or "").splitlines() if line.strip()]


def _body_lines(page) -> list[str]:
    """The page's text lines without the running header and the stamped page number."""
    return [
        line
        for line in _lines(page)
        if line.strip() not in (DOCUMENT_NUMBER, "別紙") and not re.fullmatch(r"\d+ / \d+", line.strip())
    ]


def _headings(html: str) -> list[str]:
    return [normalise(h.text_content()) for h in lxml.html.fromstring(html).xpath("//h1|//h2|//h3|//h4")]


def _check_layout(html: str, pdf: bytes) -> None:
    headings = _headings(html)
    serials = sorted(set(re.findall(r"SN\d+-2026-\d{6}-LONG", html)))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = list(document.pages)
        # No overlapping text anywhere (the price column once overprinted the customer's answer).
        for number, page in enumerate(pages, start=1):
            assert overlapping_characters(page) == [], f"overlapping text on page {number}"
        # No heading as the last line of a page.
        for number, page in enumerate(pages[:-1], start=1):
            last = normalise(_body_lines(page)[-1])
            assert not any(heading.startswith(last) for heading in headings), (number, last)
        texts = ["\n".join(_lines(page)) for page in pages]
    # Codes, serials and document numbers are never broken inside: each is found whole on a line
    # as often as the HTML prints it.
    whole_text = "\n".join(texts)
    for code in [DOCUMENT_NUMBER, *serials]:
        assert whole_text.count(code) >= html.count(code) - html.count(f'"{code}'), code
    # Table headers repeat on every page a table continues on (the firmware table, G5.1-3).
    header = "販売時点のバージョン"
    start = next(n for n, text in enumerate(texts) if "6. 販売時点のシステムバージョン" in text)
    start = next(n for n in range(start, len(texts)) if header in texts[n])
    end = next(n for n, text in enumerate(texts) if "7. 脆弱性情報の入手先" in text)
    for n in range(start, end + 1):
        if n > start and texts[n].lstrip().startswith("7. 脆弱性情報の入手先"):
            break
        assert header in texts[n], f"firmware table header missing on page {n + 1}"


def _check_fonts(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    checked = 0
    for page in reader.pages:
        for name, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            descriptor = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if font["/Subtype"] == "/Type0"
                else font.get("/FontDescriptor")
            )
            assert descriptor is not None, f"{name} {font['/BaseFont']} has no font descriptor (not embedded)"
            descriptor = descriptor.get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"{name} {font['/BaseFont']} is not embedded"
            )
            checked += 1
    assert checked >= 2 * len(reader.pages)  # the text font and the page numbers' font on every page


@pytest.mark.parametrize("devices", [1, 20])
def test_g1_layout_no_overlap_no_stranded_heading_headers_repeat_codes_whole(devices):
    html, pdf = _render(devices)

    _check_layout(html, pdf)
    _check_fonts(pdf)


def test_g1_layout_with_the_reseller_logo_in_the_header_has_no_overlap():
    deal = make_large_deal(devices=1)
    give_reseller_logo(Reseller.get(), make_logo_image(size=(600, 180)))
    html, _label = render_disclosure_html(
        deal=deal, issued_at=ISSUED_AT, document_number=DOCUMENT_NUMBER, version_number=1
    )
    pdf = render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS)

    assert 'class="reseller-logo"' in html
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages[0].images) == 1
    _check_layout(html, pdf)
    _check_fonts(pdf)


@pytest.mark.slow
def test_g1_layout_holds_for_200_devices_with_long_names():
    html, pdf = _render(200)

    assert len(PdfReader(io.BytesIO(pdf)).pages) > 10
    _check_layout(html, pdf)
    _check_fonts(pdf)
