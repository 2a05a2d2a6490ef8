"""HTML → PDF: the one place that knows the PDF library (WeasyPrint).

The Japanese font (IPAex Gothic, IPA Font License v1.0, licence text beside it in fonts/) ships
inside the package and is registered through @font-face, so a machine without any Japanese
system font still renders Japanese documents; no fontconfig or apt step is needed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import multiprocessing.connection
import os
import re
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "ipaexg.ttf"
FONT_LICENSE_FILE = FONT_DIR / "IPA_Font_License_Agreement_v1.0.txt"
# The family name documents use in CSS; the PDF's embedded font is named after the font's own
# PostScript name (IPAexGothic).
FONT_FAMILY = "IPAexGothic"

# Documents only ever load local files (the packaged font, images beside the document) and data:
# URIs; they never fetch from the network.
ALLOWED_URL_SCHEMES = frozenset({"file", "data"})

# WeasyPrint's font configuration wraps fontconfig/pango objects that are not safe to share
# between threads; one per thread still avoids reloading the 6 MB font for every document.
# The URL fetcher is kept beside it: WeasyPrint builds a new one per document by default, and
# building one loads the system's CA certificates for HTTPS (about 55 ms of CPU, a twentieth of a
# 7-page document) although nothing is ever fetched over the network.
# Measured and left alone (2026-11, WeasyPrint 70): the font subset is cut by harfbuzz in about
# 10 ms per document and a pre-subset font renders no faster; layout and drawing of the text
# itself are nearly all of the time.
_local = threading.local()


def _font_face_css() -> str:
    return (
        f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url('{FONT_FILE.as_uri()}'); }}\n"
        f"html {{ font-family: '{FONT_FAMILY}', sans-serif; }}\n"
    )


@lru_cache(maxsize=1)
def _weasyprint():
    # Imported lazily: WeasyPrint loads pango/harfbuzz, which only PDF-producing code needs.
    import weasyprint  # noqa: PLC0415
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

    return weasyprint, FontConfiguration


def _font_setup():
    setup = getattr(_local, "setup", None)
    if setup is None:
        weasyprint, font_configuration = _weasyprint()
        from weasyprint.urls import URLFetcher  # noqa: PLC0415 - see _weasyprint()

        url_fetcher = URLFetcher(allowed_protocols=ALLOWED_URL_SCHEMES)
        font_config = font_configuration()
        stylesheet = weasyprint.CSS(string=_font_face_css(), font_config=font_config, url_fetcher=url_fetcher)
        setup = _local.setup = (font_config, stylesheet, url_fetcher)
    return setup


# A document may mark where it can be cut into parts that are laid out independently, each part
# starting on a new page: <!-- kokuchi:pdf-part --> between two top-level elements of <body>.
# WeasyPrint lays out about 8 A4 pages of Japanese text per second of one core (2026-11,
# benchmarks/disclosures-profile.md); the parts of a long document are laid out at the same time
# on the other cores, then joined into one PDF.
# <!-- kokuchi:pdf-part static --> starts a part whose content is the same in every document
# (an appendix of fixed text): it is rendered without the document's title and <body> attributes,
# so that its PDF, keyed by its exact HTML, is reused by the next documents of this process.
PART_BREAK = "<!-- kokuchi:pdf-part -->"
STATIC_PART_BREAK = "<!-- kokuchi:pdf-part static -->"
_PART_BREAK_RE = re.compile(r"<!-- kokuchi:pdf-part( static)? -->")
_TITLE_RE = re.compile(r"<title>.*?</title>", re.DOTALL)
STATIC_PART_CACHE_SIZE = 8


@dataclass(frozen=True)
class DocumentPart:
    """One part of a document: a complete HTML document of its own."""

    html: str
    static: bool = False


@dataclass(frozen=True)
class PageNumbers:
    """Print "n / N" on every page of the joined PDF, centred, `bottom_mm` above the bottom edge.

    Parts are laid out separately, so CSS page counters would restart in each part; the page
    numbers of a document with parts are therefore stamped after joining, in an embedded subset
    of the packaged font (digits, space and slash).
    """

    bottom_mm: float = 10.0
    size_pt: float = 8.0
    gray: float = 0.333


def render_pdf(
    html: str, *, base_url: str | None = None, page_numbers: PageNumbers | None = None, workers: int | None = None
) -> bytes:
    """Render an HTML document to PDF bytes with the packaged Japanese font available.

    Documents may name the font as ``font-family: IPAexGothic`` (``FONT_FAMILY``); it is also
    the default family of ``html``. `base_url` resolves relative links and images; only local
    files and data: URIs are loaded (``ALLOWED_URL_SCHEMES``), never network resources.

    A document cut by ``PART_BREAK`` markers is rendered part by part, in `workers` processes
    (default: settings.PDF_WORKERS, env KOKUCHI_PDF_WORKERS; 0 or 1 renders in this process),
    and the parts are joined in order. The result does not depend on the number of workers.
    """
    parts = split_parts(html)
    if len(parts) == 1 and not parts[0].static:
        pdfs = [_render_part(html, base_url)]
    else:
        pdfs = _render_parts(parts, base_url, _configured_workers() if workers is None else workers)
    if len(pdfs) == 1 and page_numbers is None:
        return pdfs[0]
    return join_pdfs(pdfs, page_numbers=page_numbers)


def split_parts(html: str) -> list[DocumentPart]:
    """Cut `html` at part markers into complete documents that share its <head> and <body> tag
    (a static part: its <head> without the title and a bare <body>)."""
    if _PART_BREAK_RE.search(html) is None:
        return [DocumentPart(html)]
    body_start = _body_tag(html)
    body_end = html.rfind("</body>")
    if body_start < 0 or body_end < 0:
        raise ValueError("A document with PDF part markers needs a <body> element.")
    body_open_end = html.index(">", body_start) + 1
    head, body, tail = html[:body_open_end], html[body_open_end:body_end], html[body_end:]
    static_head = _TITLE_RE.sub("", html[:body_start]) + "<body>"
    pieces = _PART_BREAK_RE.split(body)  # chunk, marker group, chunk, marker group, …
    parts = []
    for index in range(0, len(pieces), 2):
        static = index > 0 and pieces[index - 1] is not None
        chunk = pieces[index]
        if chunk.strip():
            parts.append(DocumentPart((static_head if static else head) + chunk + tail, static))
    return parts


def _body_tag(html: str) -> int:
    """Position of the <body> tag, looked for after </head> (CSS comments may mention <body>)."""
    return html.find("<body", max(html.find("</head>"), 0))


def _render_part(html: str, base_url: str | None) -> bytes:
    weasyprint, _ = _weasyprint()
    font_config, stylesheet, url_fetcher = _font_setup()
    html, styles = _take_styles(html)
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    sheets = [stylesheet, *(_parsed_stylesheet(css, base_url) for css in styles)]
    return document.write_pdf(stylesheets=sheets, font_config=font_config)


# Plain <style> elements of the document's head (no attributes).
_HEAD_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
_PARSED_STYLESHEETS_PER_THREAD = 16


def _take_styles(html: str) -> tuple[str, list[str]]:
    """Take the <style> elements out of the document's head and return their CSS.

    WeasyPrint parses a document's <style> for every document, compiling each selector, which is
    a tenth of the time of a short document. Documents of one kind share one stylesheet, so it
    is parsed once per thread instead (_parsed_stylesheet) and passed beside the document. The
    cascade is unchanged as long as the document has no style="" attributes or other author
    styles that the stylesheet must win against: a passed stylesheet ranks below the document's
    own (WeasyPrint's "user" origin) and above the browser defaults.
    """
    body = _body_tag(html)
    head = html if body < 0 else html[:body]
    styles = _HEAD_STYLE.findall(head)
    if not styles:
        return html, []
    return _HEAD_STYLE.sub("", head) + html[len(head) :], styles


def _parsed_stylesheet(css: str, base_url: str | None):
    weasyprint, _ = _weasyprint()
    font_config, _stylesheet, url_fetcher = _font_setup()
    cache = _local.__dict__.setdefault("stylesheets", {})
    key = (css, base_url)
    sheet = cache.get(key)
    if sheet is None:
        if len(cache) >= _PARSED_STYLESHEETS_PER_THREAD:
            cache.pop(next(iter(cache)))
        sheet = cache[key] = weasyprint.CSS(
            string=css, base_url=base_url, font_config=font_config, url_fetcher=url_fetcher
        )
    return sheet


def _configured_workers() -> int:
    return int(getattr(settings, "PDF_WORKERS", 0) or 0)


_static_parts: OrderedDict[str, bytes] = OrderedDict()
_static_parts_lock = threading.Lock()


def _static_key(part: DocumentPart, base_url: str | None) -> str:
    return hashlib.sha256(f"{base_url}\n{part.html}".encode()).hexdigest()


def _render_parts(parts: list[DocumentPart], base_url: str | None, workers: int) -> list[bytes]:
    """Render the parts (static parts from the cache when there) and return their PDFs in order."""
    pdfs: list[bytes | None] = [None] * len(parts)
    with _static_parts_lock:
        for index, part in enumerate(parts):
            if part.static and (cached := _static_parts.get(_static_key(part, base_url))) is not None:
                _static_parts.move_to_end(_static_key(part, base_url))
                pdfs[index] = cached
    to_render = [index for index, pdf in enumerate(pdfs) if pdf is None]
    pool = _part_pool(workers) if workers > 1 and len(to_render) > 1 else None
    if pool is None:
        for index in to_render:
            pdfs[index] = _render_part(parts[index].html, base_url)
    else:
        # The first part is rendered here while the pool renders the others: one process less
        # to wait for, and this process's WeasyPrint is warm anyway.
        try:
            futures = {index: pool.submit(_render_part, parts[index].html, base_url) for index in to_render[1:]}
            pdfs[to_render[0]] = _render_part(parts[to_render[0]].html, base_url)
            for index, future in futures.items():
                pdfs[index] = future.result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory): drop the pool and render here; a new pool
            # is started for the next document.
            _discard_pool(workers)
            for index in to_render:
                pdfs[index] = _render_part(parts[index].html, base_url)
    with _static_parts_lock:
        for index in to_render:
            if parts[index].static:
                rendered = pdfs[index]
                assert rendered is not None
                _static_parts[_static_key(parts[index], base_url)] = rendered
                while len(_static_parts) > STATIC_PART_CACHE_SIZE:
                    _static_parts.popitem(last=False)
    return [pdf for pdf in pdfs if pdf is not None]


_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def _warm_up() -> None:
    """Initializer of a worker: end with the process that started it, and load WeasyPrint, pango
    and the font before the first document."""
    # A pool worker waits for work forever; if its parent is killed (SIGTERM, SIGKILL: no atexit
    # shutdown), nothing would end it, and it would keep the fork server alive too.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent.sentinel,), daemon=True).start()
    _render_part("<p>準備</p>", None)


def _exit_with_parent(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _part_pool(workers: int) -> ProcessPoolExecutor:
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            # forkserver, not fork: a web server process has threads, and forking a threaded
            # process can deadlock the child; the fork server is a clean single-threaded process.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            # The caller renders the first part itself, so one worker fewer is enough.
            pool = _pools[workers] = ProcessPoolExecutor(
                max_workers=workers - 1, mp_context=context, initializer=_warm_up
            )
        return pool


def _discard_pool(workers: int) -> None:
    with _pools_lock:
        pool = _pools.pop(workers, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def join_pdfs(pdfs: list[bytes], *, page_numbers: PageNumbers | None = None) -> bytes:
    """Join PDFs in order into one (the first one's document information is kept), optionally
    stamping page numbers over all pages."""
    import pikepdf  # noqa: PLC0415 - 60 ms to import, needed only when parts are joined

    joined = pikepdf.Pdf.open(io.BytesIO(pdfs[0]))
    others = [pikepdf.Pdf.open(io.BytesIO(pdf)) for pdf in pdfs[1:]]
    _join_parts(joined, others)
    if page_numbers is not None:
        _stamp_page_numbers(joined, page_numbers)
    out = io.BytesIO()
    joined.save(out)
    for pdf in (joined, *others):
        pdf.close()
    return out.getvalue()


def _join_parts(joined, others) -> None:
    """Append the pages of the later parts, and carry their bookmarks (WeasyPrint makes one per
    heading) over to the joined document, pointing at the pages' new positions."""
    import pikepdf  # noqa: PLC0415 - 60 ms to import, needed only when parts are joined

    offset, bookmarks = len(joined.pages), []
    for other in others:
        with other.open_outline() as other_outline:
            bookmarks.extend(_copy_outline_items(other_outline.root, offset, pikepdf))
        offset += len(other.pages)
    for other in others:
        joined.pages.extend(other.pages)
    if bookmarks:
        with joined.open_outline() as outline:
            outline.root.extend(bookmarks)


def _copy_outline_items(items, offset: int, pikepdf) -> list:
    copied = []
    for item in items:
        destination = item.destination
        if destination is not None and len(destination) and isinstance(destination[0], pikepdf.Dictionary):
            index = pikepdf.Page(destination[0]).index + offset
            # WeasyPrint points at the heading: [page /XYZ left top zoom].
            if len(destination) >= 4 and destination[1] == pikepdf.Name.XYZ:
                new = pikepdf.OutlineItem(
                    item.title, index, pikepdf.PageLocation.XYZ, left=float(destination[2]), top=float(destination[3])
                )
            else:
                new = pikepdf.OutlineItem(item.title, index)
        else:
            new = pikepdf.OutlineItem(item.title)
        new.children.extend(_copy_outline_items(item.children, offset, pikepdf))
        copied.append(new)
    return copied


_POINTS_PER_MM = 72 / 25.4
# The page numbers are drawn in the packaged font, subset to these characters and embedded, so
# that every font of a document is embedded (PDF/A-style; a viewer never substitutes one).
PAGE_NUMBER_CHARACTERS = "0123456789 /"


@dataclass(frozen=True)
class PageNumberFont:
    """A TrueType subset of the packaged font for "n / N": its bytes, metrics and advance widths
    (per 1000 units of the font size, for WinAnsi codes 32–57)."""

    data: bytes
    widths: dict[str, int]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int


@lru_cache(maxsize=1)
def page_number_font() -> PageNumberFont:
    from fontTools import subset  # noqa: PLC0415 - needed only when page numbers are stamped
    from fontTools.ttLib import TTFont  # noqa: PLC0415

    # The subsetter reports every step at INFO level; the stamp needs none of it.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    font = TTFont(str(FONT_FILE))
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=PAGE_NUMBER_CHARACTERS)
    subsetter.subset(font)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    widths = {char: round(font["hmtx"][cmap[ord(char)]][0] * scale) for char in PAGE_NUMBER_CHARACTERS}
    head, os2 = font["head"], font["OS/2"]
    out = io.BytesIO()
    font.save(out)
    return PageNumberFont(
        data=out.getvalue(),
        widths=widths,
        bbox=(round(head.xMin * scale), round(head.yMin * scale), round(head.xMax * scale), round(head.yMax * scale)),
        ascent=round(os2.sTypoAscender * scale),
        descent=round(os2.sTypoDescender * scale),
        cap_height=round(getattr(os2, "sCapHeight", os2.sTypoAscender) * scale),
    )


def _embedded_page_number_font(pdf, pikepdf):
    metrics = page_number_font()
    font_file = pikepdf.Stream(pdf, metrics.data)
    font_file.Length1 = len(metrics.data)
    name = pikepdf.Name("/KKPGNO+" + FONT_FAMILY)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=name,
        Flags=32,
        FontBBox=pikepdf.Array(list(metrics.bbox)),
        ItalicAngle=0,
        Ascent=metrics.ascent,
        Descent=metrics.descent,
        CapHeight=metrics.cap_height,
        StemV=80,
        FontFile2=pdf.make_indirect(font_file),
    )
    widths = [metrics.widths.get(chr(code), 0) for code in range(32, 58)]
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=name,
            FirstChar=32,
            LastChar=57,
            Widths=pikepdf.Array(widths),
            Encoding=pikepdf.Name.WinAnsiEncoding,
            FontDescriptor=pdf.make_indirect(descriptor),
        )
    )


def _stamp_page_numbers(pdf, style: PageNumbers) -> None:
    import pikepdf  # noqa: PLC0415 - 60 ms to import, needed only when parts are joined

    font = _embedded_page_number_font(pdf, pikepdf)
    widths = page_number_font().widths
    total = len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        text = f"{number} / {total}"
        width = sum(widths[char] for char in text) * style.size_pt / 1000
        left, bottom, right, _top = (float(value) for value in page.mediabox)
        name = page.add_resource(font, pikepdf.Name.Font, prefix="KkPageNo")
        x = left + (right - left - width) / 2
        y = bottom + style.bottom_mm * _POINTS_PER_MM
        gray = f"{style.gray:.3f}"
        content = f"q BT {name} {style.size_pt:g} Tf {gray} {gray} {gray} rg {x:.2f} {y:.2f} Td ({text}) Tj ET Q"
        # The page's own drawing may leave the coordinate system changed (WeasyPrint flips it):
        # wrap it in q … Q so that the number is placed in default PDF coordinates.
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"\nQ " + content.encode("ascii")), prepend=False)
