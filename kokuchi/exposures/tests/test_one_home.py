"""Knowledge with one home: where two copies used to disagree, the callers now agree."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from kokuchi.catalog.tests.factories import make_product
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.matching import REVIEW_MARK, review_explanation
from kokuchi.exposures.models import Exposure, Priority
from kokuchi.exposures.reports import build_customer_report_context
from kokuchi.exposures.runs import match_all
from kokuchi.exposures.selectors import exposure_rows
from kokuchi.exposures.tests.test_services import aterm
from kokuchi.vulnerabilities.models import KnownExploited
from kokuchi.vulnerabilities.selectors import product_vulnerability_history
from kokuchi.vulnerabilities.tests.realdata import make_aterm_jvn, make_nvd_vulnerability

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


def test_s_vuln_jvndb_exposure_known_exploited_through_its_cve_alias_is_urgent_and_marked_kev_in_the_report():
    """JVNDB-2025-000002 names CVE-2025-0354 (an alias); a KEV entry for that CVE, added for this
    test, makes the exposure urgent and marks it KEV in the customer's report and the export."""
    make_aterm_jvn()
    KnownExploited.objects.create(cve_id="CVE-2025-0354", date_added=datetime.date(2026, 5, 1))
    device = make_device(product=aterm("WG2600HS", "aterm_wg2600hs_firmware"), firmware_at_sale="1.7.1")

    match_all(notify=False)

    exposure = Exposure.objects.get(device=device)
    assert (exposure.vulnerability.vuln_id, exposure.priority) == ("JVNDB-2025-000002", Priority.URGENT)
    context = build_customer_report_context(customer=device.customer, today=TODAY, generated_at=timezone.now())
    assert context["kev"] == {"JVNDB-2025-000002"}
    assert [(row["vulnerability"], row["kev"]) for row in exposure_rows()] == [("JVNDB-2025-000002", True)]


def test_s_risk_product_cpe_in_capitals_names_the_same_vulnerabilities_for_disclosure_and_matching():
    """The feed index is lower-case; a product CPE typed with capitals used to find nothing for
    the disclosure's history while the matcher (which lower-cased) found the exposure."""
    make_nvd_vulnerability("CVE-2024-21762")
    product = make_product(firmware_cpe="cpe:2.3:o:Fortinet:FortiOS:*:*:*:*:*:*:*:*")
    device = make_device(product=product, firmware_at_sale="7.0.12")

    match_all(notify=False)

    history = product_vulnerability_history(product, years=3, today=TODAY)
    assert history is not None
    assert (history.total, history.known_exploited) == (1, 0)
    assert list(Exposure.objects.filter(device=device).values_list("vulnerability__vuln_id", flat=True)) == [
        "CVE-2024-21762"
    ]


def test_s_vuln_review_mark_is_spelled_once_and_opens_every_review_explanation():
    """Every producer of a review candidate's explanation (JVN, statements, text candidates) gets
    its 要確認 mark from matching.review_explanation: no other module spells the mark."""
    root = Path(__file__).resolve().parents[2]
    spelling = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and ("【要確認】" in path.read_text("utf-8") or "要確認:" in path.read_text("utf-8"))
    }
    assert spelling == {"exposures/matching.py"}
    assert review_explanation("確認してください") == f"{REVIEW_MARK}確認してください" == "【要確認】確認してください"
