"""The yen filter: one implementation, loaded by the staff pages (kokuchi_ui) and by the printed
documents (document_tags, where templates saved by the reseller still load it from)."""

from decimal import Decimal

import pytest
from django.template import engines

from kokuchi.core.templatetags.kokuchi_ui import yen
from kokuchi.disclosures.templatetags import document_tags


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        (0, "¥0"),
        (1234567, "¥1,234,567"),
        (Decimal("1234.5"), "¥1,234"),
        (Decimal("-1234.5"), "¥-1,234"),
        (-500, "¥-500"),
        ("1234", "¥1,234"),
    ],
)
def test_yen_formats_amounts(value, expected):
    assert yen(value) == expected


def test_document_tags_yen_is_the_core_filter():
    assert document_tags.register.filters["yen"] is yen


@pytest.mark.parametrize("library", ["kokuchi_ui", "document_tags"])
def test_yen_renders_the_same_from_either_library(library):
    template = engines["django"].from_string(f"{{% load {library} %}}{{{{ amount|yen }}}}")
    assert template.render({"amount": Decimal("98000.00")}) == "¥98,000"
