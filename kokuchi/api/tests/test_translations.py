"""Installing the REST framework leaves the staff forms' wording as it was: the project catalogue
pins Django's Japanese for the messages whose translation the framework's catalogue changes."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.mark.parametrize(
    ("message", "japanese"),
    [
        ("This field is required.", "このフィールドは必須です。"),
        ("Enter a valid URL.", "URLを正しく入力してください。"),
        ("The submitted file is empty.", "入力されたファイルは空です。"),
        ("No file was submitted.", "ファイルが送信されていません。"),
        ("Value must be valid JSON.", "JSONとして正しい値にしてください。"),
    ],
)
def test_django_wording_wins_over_the_rest_frameworks(message, japanese):
    with translation.override("ja"):
        assert translation.gettext(message) == japanese
