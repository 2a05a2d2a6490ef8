import io
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from kokuchi.core import pdf as pdf_module
from kokuchi.core.pdf import (
    FONT_FILE,
    FONT_LICENSE_FILE,
    PART_BREAK,
    STATIC_PART_BREAK,
    DocumentPart,
    PageNumbers,
    render_pdf,
    split_parts,
)


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

    pdf = render_pdf(
        '<html><body><img src="dot.png" width="10" height="10"></body></html>', base_url=tmp_path.as_uri() + "/"
    )

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


# --- documents in parts (kokuchi.core.pdf.PART_BREAK): laid out in parallel, joined, numbered ---

_PARTED = (
    "<!doctype html><html><head><title>分割テスト</title>"
    "<style>/* a comment naming <body> must not be taken for the tag */ @page { size: A4; margin: 20mm }"
    " h1 { font-size: 14pt } .next { break-before: page }</style></head>"
    "<body data-document-number='KK-TEST-1'>"
    "<h1>第一部</h1><p>一ページ目の本文</p><p class='next'>二ページ目の本文</p>"
    f"{PART_BREAK}"
    "<h1>第二部</h1><p>三ページ目の本文</p>"
    "</body></html>"
)


def _page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_split_parts_cuts_the_body_at_markers_and_repeats_the_head_and_body_tag():
    parts = split_parts(_PARTED)

    assert [part.static for part in parts] == [False, False]
    assert all(part.html.startswith("<!doctype html><html><head><title>分割テスト</title>") for part in parts)
    assert all("<body data-document-number='KK-TEST-1'>" in part.html for part in parts)
    assert "第一部" in parts[0].html and "第二部" not in parts[0].html
    assert "第二部" in parts[1].html and "第一部" not in parts[1].html
    single = "<html><body><p>一つ</p></body></html>"
    assert split_parts(single) == [DocumentPart(single)]


def test_each_part_starts_a_new_page_and_page_numbers_run_over_the_joined_document():
    pdf = render_pdf(_PARTED, page_numbers=PageNumbers(bottom_mm=10), workers=0)
    pages = _page_texts(pdf)

    assert len(pages) == 3
    assert "一ページ目の本文" in pages[0] and "二ページ目の本文" in pages[1] and "三ページ目の本文" in pages[2]
    assert [[line for line in text.splitlines() if " / " in line] for text in pages] == [
        ["1 / 3"],
        ["2 / 3"],
        ["3 / 3"],
    ]


def test_page_numbers_are_stamped_centred_at_the_given_height_from_the_bottom():
    pdf = render_pdf(_PARTED, page_numbers=PageNumbers(bottom_mm=10, size_pt=8), workers=0)
    page = PdfReader(io.BytesIO(pdf)).pages[2]
    positions = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip() == "3 / 3":
            positions.append((tm[4], tm[5]))

    page.extract_text(visitor_text=visit)

    width = float(page.mediabox.width)
    widths = pdf_module.page_number_font().widths
    text_width = sum(widths[char] for char in "3 / 3") * 8 / 1000  # in the embedded subset at 8 pt
    assert len(positions) == 1
    x, y = positions[0]
    assert abs(x - (width - text_width) / 2) < 0.01
    assert abs(y - 10 * 72 / 25.4) < 0.01


def test_parallel_and_in_process_rendering_give_the_same_document():
    in_process = render_pdf(_PARTED, page_numbers=PageNumbers(), workers=0)
    parallel = render_pdf(_PARTED, page_numbers=PageNumbers(), workers=2)

    assert _page_texts(parallel) == _page_texts(in_process)
    assert 2 in pdf_module._pools  # the second part really went to the worker pool


def test_a_killed_worker_is_replaced_and_the_document_still_renders():
    render_pdf(_PARTED, workers=2)
    pool = pdf_module._pools[2]
    for process in list(pool._processes.values()):
        process.kill()
        process.join()

    pdf = render_pdf(_PARTED, page_numbers=PageNumbers(), workers=2)

    assert [text.count("本文") for text in _page_texts(pdf)] == [1, 1, 1]
    assert pdf_module._pools.get(2) is not pool  # the broken pool was dropped


def test_joined_document_keeps_the_bookmarks_of_every_part_pointing_at_their_pages():
    reader = PdfReader(io.BytesIO(render_pdf(_PARTED, workers=0)))

    assert [(item.title, reader.get_destination_page_number(item)) for item in reader.outline] == [
        ("第一部", 0),
        ("第二部", 2),
    ]


def test_document_stylesheet_is_applied_and_parsed_once_per_thread():
    html = "<html><head><style>p { break-before: page }</style></head><body><p>一</p><p>二</p><p>三</p></body></html>"
    pdf_module._local.__dict__.pop("stylesheets", None)

    first = render_pdf(html)
    sheet = pdf_module._local.stylesheets[("p { break-before: page }", None)]
    second = render_pdf(html)

    assert len(_page_texts(first)) == 3 and len(_page_texts(second)) == 3
    assert pdf_module._local.stylesheets[("p { break-before: page }", None)] is sheet


def _with_appendix(document_number: str) -> str:
    return (
        f"<html lang='ja'><head><title>{document_number}</title>"
        "<style>@page { @top-right { content: string(number) } } body { string-set: number attr(data-n) }</style>"
        f"</head><body data-n='{document_number}'><p>本文 {document_number}</p>"
        f"{STATIC_PART_BREAK}<h2>別紙</h2><p>どの文書でも同じ説明</p></body></html>"
    )


def test_a_static_part_is_rendered_without_the_documents_title_and_body_attributes():
    parts = split_parts(_with_appendix("KK-1"))

    assert [part.static for part in parts] == [False, True]
    assert "KK-1" in parts[0].html
    assert "KK-1" not in parts[1].html
    assert "<body><h2>別紙</h2>" in parts[1].html
    assert parts[1] == split_parts(_with_appendix("KK-2"))[1]


def test_a_static_part_is_rendered_once_and_reused_by_the_next_documents(monkeypatch):
    pdf_module._static_parts.clear()
    rendered = []
    real_render = pdf_module._render_part
    monkeypatch.setattr(
        pdf_module, "_render_part", lambda html, base_url: rendered.append(html) or real_render(html, base_url)
    )

    first = _page_texts(render_pdf(_with_appendix("KK-1"), workers=0))
    second = _page_texts(render_pdf(_with_appendix("KK-2"), workers=0))

    assert len(rendered) == 3  # KK-1's body, the appendix, KK-2's body
    assert [("KK-1" in text, "KK-2" in text, "どの文書でも同じ説明" in text) for text in first + second] == [
        (True, False, False),
        (False, False, True),
        (False, True, False),
        (False, False, True),
    ]


def test_a_worker_ends_when_the_process_that_started_it_is_killed():
    # A server stopped by SIGTERM/SIGKILL runs no atexit shutdown: the worker must notice by itself.
    code = (
        "import os, signal\n"
        "from kokuchi.core import pdf\n"
        f"pdf.render_pdf({_PARTED!r}, workers=2)\n"
        "print(*pdf._pools[2]._processes, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    repo = Path(pdf_module.__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=60)
    worker_pids = [int(pid) for pid in result.stdout.split()]

    assert result.returncode == -signal.SIGKILL
    assert len(worker_pids) == 1
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and Path(f"/proc/{worker_pids[0]}").exists():
        time.sleep(0.1)
    assert not Path(f"/proc/{worker_pids[0]}").exists()


def test_page_numbers_use_an_embedded_subset_of_the_packaged_font():
    """Every font of a stamped document is embedded, the page numbers' included (G1: the
    document looks the same in every viewer)."""
    pdf = render_pdf(_PARTED, page_numbers=PageNumbers(), workers=0)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {}
    for page in reader.pages:
        for name, ref in page["/Resources"]["/Font"].items():
            fonts[name] = ref.get_object()

    stamped = [font for name, font in fonts.items() if name.startswith("/KkPageNo")]
    assert len(stamped) == len(reader.pages)
    assert {(font["/Subtype"], font["/BaseFont"]) for font in stamped} == {("/TrueType", "/KKPGNO+IPAexGothic")}
    assert all("/FontFile2" in font["/FontDescriptor"] for font in stamped)
