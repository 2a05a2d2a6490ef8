"""No query string, form post or path value gives a 500 on the exposures pages."""

import pytest

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.exposures.models import ExposureStatus
from kokuchi.exposures.tests.factories import make_exposure

pytestmark = pytest.mark.django_db

HUGE = "999999999999999999999"


@pytest.fixture
def exposure():
    return make_exposure()


@pytest.fixture
def sales(client):
    client.force_login(make_user(Role.SALES))
    return client


@pytest.mark.parametrize(
    ("query", "status_code"),
    [
        ("", 200),
        ("?page=abc", 404),
        ("?page=0", 404),
        ("?page=-1", 404),
        (f"?page={HUGE}", 404),
        ("?page=2", 404),
        ("?page=last", 404),
        ("?page=1.5", 404),
        ("?status=burnt", 200),
        ("?priority=abc", 200),
        (f"?priority={HUGE}", 200),
        ("?customer=%00", 400),  # a NUL in any URL is refused before the view (RejectNulMiddleware)
        ("?customer=" + "x" * 5000, 200),
        ("?status=open&status=closed&priority=1&priority=9", 200),
    ],
)
def test_exposure_lists_answer_bad_parameters_without_500(sales, exposure, query, status_code):
    for path in ("/exposures/", f"/exposures/customers/{exposure.customer_id}/"):
        assert (path + query, sales.get(path + query).status_code) == (path + query, status_code)


def test_exposure_list_ignores_an_unknown_status_and_names_the_field(sales, exposure):
    response = sales.get("/exposures/?status=burnt")

    assert response.context["filter"].errors["status"][0].startswith("正しく選択してください。")
    assert [e.pk for e in response.context["object_list"]] == [exposure.pk]


def test_exposure_list_second_page_when_a_next_one_exists(sales, exposure):
    for _ in range(50):
        make_exposure(customer=exposure.customer)

    first = sales.get("/exposures/")
    second = sales.get("/exposures/?page=2")

    assert (len(first.context["object_list"]), first.context["page_obj"].has_next()) == (50, True)
    assert (len(second.context["object_list"]), second.context["page_obj"].has_next()) == (1, False)


@pytest.mark.parametrize(
    "path",
    [
        f"/exposures/devices/{HUGE}/",
        f"/exposures/customers/{HUGE}/",
        f"/exposures/customers/{HUGE}/report.pdf",
        f"/exposures/products/{HUGE}/cpe/",
        "/exposures/notices/" + "A" * 3000 + "/",
    ],
)
def test_exposure_pages_answer_unknown_ids_with_404(sales, path):
    assert sales.get(path).status_code == 404


def test_a_notice_token_with_a_nul_character_is_a_bad_request(sales):
    assert sales.get("/exposures/notices/%00/").status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"status": "resolved_by_update", "reason": "手で解決済みにはできない"},
        {"status": "burnt"},
        {"status": ExposureStatus.FALSE_POSITIVE, "reason": "x" * 2001},
        {"status": ExposureStatus.FALSE_POSITIVE, "reason": ""},
        {"status": ExposureStatus.OPEN},
    ],
)
def test_exposure_status_post_rejects_bad_input_and_changes_nothing(sales, exposure, data):
    response = sales.post(f"/exposures/{exposure.pk}/status/", data)

    assert (response.status_code, response.url) == (302, f"/exposures/devices/{exposure.device_id}/")
    exposure.refresh_from_db()
    assert (exposure.status, exposure.history.count()) == (ExposureStatus.OPEN, 0)


def test_exposure_status_post_for_an_unknown_exposure_is_404(sales):
    assert sales.post(f"/exposures/{HUGE}/status/", {"status": "false_positive"}).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "os", "vendor": "yamaha", "product_name": "wlx212"},
        {"kind": "firmware", "vendor": "", "product_name": "wlx212_firmware"},
        {"kind": "firmware", "vendor": "y" * 201, "product_name": "wlx212_firmware"},
        {"kind": "firmware", "vendor": "yamaha", "product_name": "not_named_by_any_feed"},
    ],
)
def test_product_cpe_post_rejects_bad_input_and_changes_nothing(sales, exposure, data):
    product = exposure.device.product
    path = f"/exposures/products/{product.pk}/cpe/"

    response = sales.post(path, data)

    assert (response.status_code, response.url) == (302, path)
    product.refresh_from_db()
    assert (product.firmware_cpe, product.hardware_cpe) == ("", "")
