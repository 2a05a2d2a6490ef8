import io

from pypdf import PdfReader

from kokuchi.core.pdf import FONT_FILE, FONT_LICENSE_FILE, render_pdf


def _embedded_fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if any(key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


def test_render_pdf_embeds_the_packaged_japanese_font_and_text_extracts_as_japanese():
    pdf = render_pdf("<html><body><p>脆弱性情報の提供について</p></body></html>")

    assert pdf.startswith(b"%PDF-")
    assert _embedded_fonts(pdf) == {"IPAexGothic"}
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() == "脆弱性情報の提供について"


def test_font_ships_with_its_licence():
    assert FONT_FILE.stat().st_size == 6099900
    assert FONT_LICENSE_FILE.read_text(encoding="utf-8").startswith("IPAフォントライセンスv1.0")
