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


def _image_count(pdf: bytes) -> int:
    reader = PdfReader(io.BytesIO(pdf))
    return sum(
        1
        for page in reader.pages
        for xobject in (page["/Resources"].get("/XObject") or {}).values()
        if xobject.get_object()["/Subtype"] == "/Image"
    )


# A 1×1 transparent PNG.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000157a0ab7d0000000049454e44ae426082"
)


def test_render_pdf_loads_local_images_relative_to_base_url(tmp_path):
    (tmp_path / "dot.png").write_bytes(_PNG)

    pdf = render_pdf('<html><body><img src="dot.png" width="10" height="10"></body></html>',
                     base_url=tmp_path.as_uri() + "/")

    assert _image_count(pdf) == 1


def test_render_pdf_never_fetches_network_resources():
    import http.server
    import threading

    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(_PNG)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/dot.png"
        pdf = render_pdf(f'<html><body><p>脆弱性</p><img src="{url}" width="10" height="10"></body></html>')
    finally:
        server.shutdown()
        server.server_close()

    assert requests == []
    assert _image_count(pdf) == 0
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() == "脆弱性"
