"""Per-customer vulnerability report PDF."""

import datetime
import io

import pytest
from pypdf import PdfReader

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.reports import render_customer_report
from kokuchi.exposures.runs import match_all
from kokuchi.exposures.tests.test_services import fortigate
from kokuchi.vulnerabilities.models import KnownExploited
from kokuchi.vulnerabilities.tests.realdata import make_nvd_vulnerability

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_s_vuln_customer_report_lists_open_exposures():
    make_nvd_vulnerability("CVE-2024-21762")
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))
    customer = make_customer(customer_code="C-RPT", name="株式会社レポート")
    product = fortigate()
    make_device(product=product, customer=customer, serial_number="FGT-R1", firmware_at_sale="7.0.12")
    make_device(product=product, customer=customer, serial_number="FGT-R2", firmware_at_sale="7.4.8")
    match_all(notify=False)

    text = _text(render_customer_report(customer=customer, today=datetime.date(2026, 6, 1)))

    assert "脆弱性レポート" in text
    assert "株式会社レポート" in text
    assert "作成日: 2026年6月1日" in text
    assert "未対応の脆弱性（1 件）" in text
    assert "FGT-R1" in text
    assert "FGT-R2" not in text
    assert "CVE-2024-21762" in text
    assert "悪用確認済み（KEV）" in text


def test_customer_report_view_is_staff_only(client):
    customer = make_customer()
    url = f"/exposures/customers/{customer.pk}/report.pdf"
    assert client.get(url).status_code == 302
    client.force_login(make_user(Role.VIEWER))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
