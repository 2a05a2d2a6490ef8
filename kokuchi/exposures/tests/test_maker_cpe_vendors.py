"""CPE suggestions use every CPE vendor name the catalogue knows for a maker (S-VULN): JVN
writes アイ・オー・データ機器 as i-o_data_device, which no fuzzy match of "iodata" finds."""

import pytest

from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.exposures.selectors import product_cpe_suggestions
from kokuchi.vulnerabilities.models import Vulnerability
from kokuchi.vulnerabilities.tests.realdata import index_cpes

pytestmark = pytest.mark.django_db

# As published in JVNDB-2025-000004 (feeds/jvn/vdr-jvn-feed-detail/JVNDB-2025-000004.json).
UD_LT2 = "cpe:2.3:o:i-o_data_device:ud-lt2_firmware:*:*:*:*:*:*:*:*"


def test_s_vuln_maker_written_as_staff_write_it_finds_the_jvn_cpe_vendor(packaged_manufacturers):
    index_cpes(Vulnerability.objects.create(vuln_id="JVNDB-2025-000004", source="jvn"), [UD_LT2])
    typed_in = make_manufacturer(slug="io-data", name_ja="アイ・オー・データ機器", name_en="")
    product = make_product(manufacturer=typed_in, model_number="UD-LT2", hardware_cpe="", firmware_cpe="")

    suggestions = product_cpe_suggestions(product, limit=1)

    assert [(s.cpe23, s.score, s.vulnerability_count) for s in suggestions.firmware] == [(UD_LT2, 100.0, 1)]
