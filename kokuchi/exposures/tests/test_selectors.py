"""CPE suggestions from the feeds' vocabulary."""

import datetime

import pytest

from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.exposures.selectors import suggest_cpes
from kokuchi.vulnerabilities.tests.realdata import make_aterm_jvn, make_nvd_vulnerability

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


def test_cpe_suggestions_from_real_vocabulary_with_japanese_vendor_names(packaged_manufacturers):
    """Makers typed in as ヤマハ and 日本電気 find yamaha and nec through the aliases of the
    packaged manufacturers.yaml entries."""
    make_nvd_vulnerability("CVE-2024-22366")
    make_nvd_vulnerability("CVE-2021-20090")
    make_aterm_jvn()
    yamaha = make_manufacturer(slug="yamaha-corp", name_ja="ヤマハ", name_en="")
    nec = make_manufacturer(slug="nec-platforms", name_ja="日本電気", name_en="")

    wlx = [s.cpe23 for s in suggest_cpes(make_product(manufacturer=yamaha, model_number="WLX212"), limit=2)]
    aterm = suggest_cpes(make_product(manufacturer=nec, model_number="Aterm WG2600HS"), limit=1)

    assert wlx == ["cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*", "cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*"]
    assert [s.cpe23 for s in aterm] == ["cpe:2.3:o:nec:aterm_wg2600hs_firmware:*:*:*:*:*:*:*:*"]


def test_cpe_suggestions_empty_for_unknown_vendor():
    make_nvd_vulnerability("CVE-2024-22366")
    other = make_manufacturer(slug="acme", name_ja="アクメ", name_en="Acme")
    assert suggest_cpes(make_product(manufacturer=other, model_number="WLX212")) == []


def test_japanese_names_find_no_vendor_before_the_manufacturer_list_is_loaded():
    """The aliases live in the catalogue's data, not in code: without it ヤマハ is just a name."""
    make_nvd_vulnerability("CVE-2024-22366")
    yamaha = make_manufacturer(slug="yamaha-corp", name_ja="ヤマハ", name_en="")
    assert suggest_cpes(make_product(manufacturer=yamaha, model_number="WLX212")) == []


def test_a_maker_staff_gave_the_cpe_vendor_is_suggested_from_it():
    make_nvd_vulnerability("CVE-2024-22366")
    maker = make_manufacturer(slug="y-corp", name_ja="ワイ社", name_en="", cpe_vendors=["yamaha"])
    suggestions = suggest_cpes(make_product(manufacturer=maker, model_number="WLX212"), limit=1)
    assert [(s.cpe23, s.score) for s in suggestions] == [("cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*", 100.0)]
