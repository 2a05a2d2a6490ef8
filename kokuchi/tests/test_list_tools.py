"""Every staff list sorts by its columns and exports the filtered rows as a formula-safe CSV."""

import datetime

import pytest
from django.urls import resolve, reverse

from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.tests.factories import make_deal
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.vulnerabilities.tests.factories import make_vulnerability

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


SORTABLE_LISTS = [name for name in EXPORTING_LISTS if name != "exposures:exposure_list"]


@pytest.mark.parametrize("url_name", SORTABLE_LISTS)
def test_every_sort_key_of_a_list_has_a_header_and_sorts_both_ways(client, url_name):
    deal = make_deal()
    make_contract(devices=[make_device(customer=deal.customer, deal=deal)], customer=deal.customer)
    client.force_login(make_user(Role.VIEWER))
    url = reverse(url_name)
    sort_fields = resolve(url).func.view_class.sort_fields
    assert sort_fields
    for key in sort_fields:
        ascending = client.get(url, {"sort": key})
        descending = client.get(url, {"sort": f"-{key}"})
        assert (ascending.status_code, descending.status_code) == (200, 200)
        assert ascending.context["current_sort"] == (key, "asc")
        assert descending.context["current_sort"] == (key, "desc")
    page = client.get(url).content.decode()
    headers = {key for key in sort_fields if f'<a class="sort" href="?sort={key}">' in page}
    assert headers == set(sort_fields)


def test_the_manufacturer_list_sorts_by_name_and_by_product_count(client):
    busy = make_manufacturer(name_ja="ヤマハ", slug="yamaha")
    quiet = make_manufacturer(name_ja="アライドテレシス", slug="allied")
    make_product(manufacturer=busy, model_number="RTX1300")
    make_product(manufacturer=busy, model_number="RTX830")
    client.force_login(make_user(Role.VIEWER))
    url = reverse("catalog:manufacturer_list")

    def names(params):
        return [row.name_ja for row in client.get(url, params).context["object_list"] if row.pk in (busy.pk, quiet.pk)]

    assert names({"sort": "name"}) == ["アライドテレシス", "ヤマハ"]
    assert names({"sort": "-products"}) == ["ヤマハ", "アライドテレシス"]


def test_the_plan_list_sorts_by_price(client):
    make_plan(name="年間保守", price=120000)
    make_plan(name="オンサイト保守", price=30000)
    client.force_login(make_user(Role.VIEWER))
    url = reverse("catalog:plan_list")
    rows = client.get(url, {"sort": "-price"}).context["object_list"]
    assert [plan.name for plan in rows if plan.name in ("年間保守", "オンサイト保守")] == ["年間保守", "オンサイト保守"]


def test_the_vulnerability_list_sorts_by_id_and_published_and_ignores_unknown_keys(client):
    older = make_vulnerability(vuln_id="CVE-2024-0002", published=datetime.datetime(2024, 1, 5, tzinfo=datetime.UTC))
    newer = make_vulnerability(vuln_id="CVE-2024-0001", published=datetime.datetime(2024, 6, 5, tzinfo=datetime.UTC))
    client.force_login(make_user(Role.VIEWER))
    url = reverse("vulnerabilities:list")

    def ids(params):
        return [v.vuln_id for v in client.get(url, params).context["page"] if v.pk in (older.pk, newer.pk)]

    assert ids({}) == ["CVE-2024-0001", "CVE-2024-0002"]
    assert ids({"sort": "id"}) == ["CVE-2024-0001", "CVE-2024-0002"]
    assert ids({"sort": "-id"}) == ["CVE-2024-0002", "CVE-2024-0001"]
    assert ids({"sort": "published"}) == ["CVE-2024-0002", "CVE-2024-0001"]
    assert ids({"sort": "title"}) == ids({})
    page = client.get(url, {"sort": "published"}).content.decode()
    assert 'aria-sort="ascending"><a class="sort" href="?sort=-published">' in page
