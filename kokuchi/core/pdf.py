"""HTML → PDF: the one place that knows the PDF library (WeasyPrint).

The Japanese font (IPAex Gothic, IPA Font License v1.0, licence text beside it in fonts/) ships
inside the package and is registered through @font-face, so a machine without any Japanese
system font still renders Japanese documents; no fontconfig or apt step is needed.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

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
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    return weasyprint, FontConfiguration


def _font_setup():
    setup = getattr(_local, "setup", None)
    if setup is None:
        weasyprint, font_configuration = _weasyprint()
        from weasyprint.urls import URLFetcher

        url_fetcher = URLFetcher(allowed_protocols=ALLOWED_URL_SCHEMES)
        font_config = font_configuration()
        stylesheet = weasyprint.CSS(string=_font_face_css(), font_config=font_config, url_fetcher=url_fetcher)
        setup = _local.setup = (font_config, stylesheet, url_fetcher)
    return setup


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes with the packaged Japanese font available.

    Documents may name the font as ``font-family: IPAexGothic`` (``FONT_FAMILY``); it is also
    the default family of ``html``. `base_url` resolves relative links and images; only local
    files and data: URIs are loaded (``ALLOWED_URL_SCHEMES``), never network resources.
    """
    weasyprint, _ = _weasyprint()
    font_config, stylesheet, url_fetcher = _font_setup()
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)
