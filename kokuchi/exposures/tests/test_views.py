"""Staff exposure pages: role guards, content, status changes, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.models import Exposure, ExposureStatus
from kokuchi.exposures.runs import match_all
from kokuchi.exposures.tests.test_services import fortigate
from kokuchi.vulnerabilities.tests.realdata import make_nvd_vulnerability

pytestmark = pytest.mark.django_db


@pytest.fixture
def exposure():
    make_nvd_vulnerability("CVE-2024-21762")
    device = make_device(
        product=fortigate(),
        customer=make_customer(name="株式会社表示"),
        serial_number="FGT-V",
        firmware_at_sale="7.0.12",
    )
    match_all(notify=False)
    return Exposure.objects.get(device=device)


def test_exposure_pages_need_a_staff_role(client, exposure):
    urls = [
        f"/exposures/devices/{exposure.device_id}/",
        f"/exposures/customers/{exposure.device.customer_id}/",
        "/exposures/",
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(make_user(role=None))
    for url in urls:
        assert client.get(url).status_code == 403
    client.force_login(make_user(Role.VIEWER))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "FG-60F 7.0.12 は CVE-2024-21762 の範囲 7.0.0 以上 7.0.14 未満に該当" in response.content.decode()


def test_viewer_cannot_change_status(client, exposure):
    client.force_login(make_user(Role.VIEWER))
    response = client.post(f"/exposures/{exposure.pk}/status/", {"status": "false_positive", "reason": "誤検知"})
    assert response.status_code == 403
    exposure.refresh_from_db()
    assert exposure.status == ExposureStatus.OPEN
    assert exposure.history.count() == 0


def test_sales_marks_false_positive_with_reason(client, exposure):
    user = make_user(Role.SALES, username="suzuki")
    client.force_login(user)
    response = client.post(
        f"/exposures/{exposure.pk}/status/",
        {"status": "false_positive", "reason": "FortiOS ではなく FortiProxy と誤登録"},
    )
    assert response.status_code == 302
    exposure.refresh_from_db()
    assert (exposure.status, exposure.status_reason, exposure.status_changed_by) == (
        ExposureStatus.FALSE_POSITIVE,
        "FortiOS ではなく FortiProxy と誤登録",
        user,
    )
    page = client.get(f"/exposures/devices/{exposure.device_id}/").content.decode()
    assert "FortiOS ではなく FortiProxy と誤登録" in page


def test_exposure_list_query_count_does_not_grow(client, exposure):
    client.force_login(make_user(Role.VIEWER))
    with CaptureQueriesContext(connection) as one:
        client.get("/exposures/?status=open")
    for n in range(20):
        make_device(product=exposure.device.product, serial_number=f"FGT-{n}", firmware_at_sale="7.0.12")
    match_all(notify=False)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/exposures/?status=open")
    assert response.status_code == 200
    assert response.content.decode().count("CVE-2024-21762</a>") == 21
    assert len(many) == len(one)
