"""Django merges every catalogue into one, so a message translated two ways shows one of them
everywhere, whichever catalogue wins: each message (with its context) has one Japanese translation
in all catalogues, and messages that mean different things carry a context."""

import gettext
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.utils import translation

KOKUCHI = Path(settings.BASE_DIR) / "kokuchi"


def compiled_catalogues() -> dict[str, dict]:
    catalogues = {}
    for mo in sorted(KOKUCHI.glob("**/locale/ja/LC_MESSAGES/django.mo")):
        with open(mo, "rb") as handle:
            catalogues[str(mo.relative_to(KOKUCHI))] = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    return catalogues


def test_every_message_has_one_translation_across_the_catalogues():
    translations: dict[object, set[str]] = defaultdict(set)
    for catalogue in compiled_catalogues().values():
        for key, value in catalogue.items():
            if key:
                translations[key].add(value)
    conflicting = {key: values for key, values in translations.items() if len(values) > 1}
    assert conflicting == {}


def test_the_exposure_concept_reads_gaitou_everywhere():
    with translation.override("ja"):
        assert translation.gettext("Exposures") == "該当一覧"
        assert translation.pgettext("application", "Exposures") == "該当"
        assert translation.gettext("exposures") == "該当"
        assert translation.gettext("Exposure opened") == "該当の検出"
    staff_words = {value for catalogue in compiled_catalogues().values() for value in catalogue.values()}
    assert [word for word in staff_words if "影響機器" in word] == []


def test_words_that_mean_different_things_carry_a_context():
    with translation.override("ja"):
        assert translation.gettext("Delivered") == "納品済み"
        assert translation.pgettext("webhook delivery", "Delivered") == "送信済み"
        assert translation.gettext("Title") == "件名"
        assert translation.pgettext("vulnerability", "Title") == "タイトル"
        assert translation.gettext("Sales") == "営業"
        assert translation.pgettext("menu", "Sales") == "販売"
