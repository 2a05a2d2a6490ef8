"""Every staff list sorts by its columns and exports the filtered rows as a formula-safe CSV."""

import pytest
from django.urls import reverse

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db

EXPORTING_LISTS = [
    "customers:customer_list",
    "deals:deal_list",
    "devices:device_list",
    "devices:contract_list",
    "catalog:product_list",
    "catalog:manufacturer_list",
    "catalog:plan_list",
    "exposures:exposure_list",
]


@pytest.mark.parametrize("url_name", EXPORTING_LISTS)
def test_every_list_exports_csv_with_a_bom_and_offers_the_button(client, url_name):
    client.force_login(make_user(Role.VIEWER))
    page = client.get(reverse(url_name)).content.decode()
    assert 'data-export="csv"' in page
    response = client.get(reverse(url_name), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())


def test_customer_export_is_filtered_and_formula_safe(client):
    make_customer(name='=HYPERLINK("http://example.invalid")', customer_code="C00001")
    make_customer(name="株式会社北星", customer_code="C00002")
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("customers:customer_list"), {"export": "csv", "q": "HYPERLINK"})
    rows = response.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "顧客コード,会社名,会社名（カナ）,自己保守レベル,案件,納入機器"
    assert rows[1:] == ['C00001,"\'=HYPERLINK(""http://example.invalid"")",,,0,0']


def test_lists_sort_by_a_column_both_ways_and_ignore_unknown_keys(client):
    for code in ("C00002", "C00003", "C00001"):
        make_customer(customer_code=code)
    client.force_login(make_user(Role.VIEWER))
    url = reverse("customers:customer_list")

    def codes(params):
        return [customer.customer_code for customer in client.get(url, params).context["object_list"]]

    assert codes({"sort": "code"}) == ["C00001", "C00002", "C00003"]
    assert codes({"sort": "-code"}) == ["C00003", "C00002", "C00001"]
    assert codes({"sort": "password"}) == ["C00001", "C00002", "C00003"]
    page = client.get(url, {"sort": "code"}).content.decode()
    assert 'aria-sort="ascending"><a class="sort" href="?sort=-code">顧客コード' in page
