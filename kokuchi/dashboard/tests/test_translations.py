"""The staff UI is Japanese first: every catalogue entry of the UI apps is translated and compiled."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

KOKUCHI = Path(settings.BASE_DIR) / "kokuchi"
CATALOGUES = [KOKUCHI / "locale"] + [
    KOKUCHI / app / "locale" for app in ("core", "catalog", "customers", "deals", "devices", "dashboard")
]
ENTRY = re.compile(
    r'^(?:msgctxt "(.*)"\n)?msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?msgstr(?:\[0\])? ((?:".*"\n)+)', re.M
)


def po_entries(path: Path) -> dict[str, str]:
    def join(block: str) -> str:
        return "".join(re.findall(r'"(.*)"', block)).encode().decode("unicode_escape").encode("latin-1").decode()

    text = path.read_text(encoding="utf-8")
    # Obsolete entries (#~) are not part of the catalogue.
    # A message with a context is keyed "context\x04message", as in the compiled catalogue.
    return {
        f"{context}\x04{join(msgid)}" if context else join(msgid): join(msgstr)
        for context, msgid, msgstr in ENTRY.findall(text)
        if join(msgid)
    }


@pytest.mark.parametrize("locale_dir", CATALOGUES, ids=lambda p: p.parent.name)
def test_every_ui_string_has_a_compiled_japanese_translation(locale_dir):
    po = locale_dir / "ja" / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert entries, po
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    with open(po.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    compiled_ids = {key[0] if isinstance(key, tuple) else key for key in compiled} - {""}
    assert compiled_ids == set(entries)
