"""CPE suggestions from the feeds' vocabulary."""

import datetime

import pytest

from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.exposures.selectors import suggest_cpes
from kokuchi.vulnerabilities.tests.realdata import make_aterm_jvn, make_nvd_vulnerability

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


def test_cpe_suggestions_from_real_vocabulary_with_japanese_vendor_names():
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
