"""The dashboard by urgency (S-VULN): known-exploited and high-priority vulnerabilities on
delivered devices whoever must act, disclosures awaiting acknowledgement with days waiting,
and the search box."""

import datetime

import pytest
from django.urls import reverse

from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.dashboard.selectors import search_everything, urgent_work
from kokuchi.deals.tests.factories import make_deal
from kokuchi.devices import selectors as device_selectors
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.exposures.models import ExposureStatus, Priority
from kokuchi.exposures.tests.factories import make_exposure
from kokuchi.vulnerabilities.tests.factories import make_alias, make_vulnerability

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def exposures():
    contracted = make_device(serial_number="FGT-CONTRACT", delivered_on=datetime.date(2026, 4, 1))
    make_contract(customer=contracted.customer, devices=[contracted])
    uncovered = make_device(serial_number="FGT-NONE", delivered_on=datetime.date(2026, 4, 1))
    kev = make_vulnerability(vuln_id="CVE-2099-0001", title_ja="認証回避の脆弱性")
    return {
        "kev_uncovered": make_exposure(device=uncovered, vulnerability=kev, priority=Priority.URGENT),
        "kev_contracted": make_exposure(device=contracted, vulnerability=kev, priority=Priority.URGENT),
        "high": make_exposure(device=uncovered, priority=Priority.HIGH),
        "medium": make_exposure(device=uncovered, priority=Priority.MEDIUM),
        "closed": make_exposure(device=uncovered, priority=Priority.URGENT, status=ExposureStatus.FALSE_POSITIVE),
        "not_delivered": make_exposure(
            device=make_device(serial_number="FGT-STOCK", delivered_on=None), priority=Priority.URGENT
        ),
    }


def test_s_vuln_known_exploited_exposures_show_whoever_must_act(exposures):
    urgent = urgent_work(on=TODAY)
    assert urgent.known_exploited == 2
    assert [(row.exposure, row.under_contract) for row in urgent.known_exploited_list] == [
        (exposures["kev_uncovered"], False),
        (exposures["kev_contracted"], True),
    ]
    assert [row.exposure for row in urgent.high_list] == [exposures["high"]]


def test_s_vuln_dashboard_cards_open_the_filtered_lists(client, exposures):
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("dashboard:home")).content.decode()
    assert 'href="/exposures/?priority=1" data-figure="known-exploited"><span class="value">2</span>' in content
    assert 'href="/exposures/?priority=2" data-figure="high-exposures"><span class="value">1</span>' in content
    assert "当社（保守契約）" in content
    assert "お客様（通知）" in content
    assert "認証回避の脆弱性" in content


def test_awaiting_acknowledgement_counts_the_days_since_issue():
    version = make_issued_version(issued_at=datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC))
    urgent = urgent_work(on=TODAY)
    assert [(row.version, row.days_waiting) for row in urgent.awaiting] == [(version, 12)]


def test_open_exposure_values_used_below_the_exposures_app_are_its_own():
    assert device_selectors.OPEN_EXPOSURE_STATUS == ExposureStatus.OPEN
    assert device_selectors.KNOWN_EXPLOITED_PRIORITY == Priority.URGENT
    assert device_selectors.HIGH_PRIORITY == Priority.HIGH


def test_device_deal_and_customer_pages_flag_open_exposures(client, exposures):
    device = exposures["kev_uncovered"].device
    device.deal = make_deal(customer=device.customer)
    device.save()
    client.force_login(make_user(Role.VIEWER))
    for url in (device.get_absolute_url(), device.deal.get_absolute_url(), device.customer.get_absolute_url()):
        content = client.get(url).content.decode()
        assert "悪用確認 1 件" in content, url
        assert "優先度高 1 件" in content, url
        assert "未対応 3 件" in content, url


def test_one_search_box_finds_customers_deals_serials_vulnerabilities_and_makers():
    customer = make_customer(name="株式会社北星", customer_code="C09999")
    deal = make_deal(customer=customer, title="UTM 更改")
    device = make_device(customer=customer, serial_number="FGT60F-SEARCH-1")
    vuln = make_vulnerability(vuln_id="CVE-2099-7777")
    make_alias(vulnerability=vuln, alias_id="JVNDB-2099-000777")
    maker = make_manufacturer(slug="hokusei", name_ja="北星電機", name_en="Hokusei Electric")
    product = make_product(manufacturer=maker, model_number="HS-100")

    assert search_everything(query="北星").customers == [customer]
    assert search_everything(query=deal.number).deals == [deal]
    assert search_everything(query="search-1").devices == [device]
    assert search_everything(query="JVNDB-2099-000777").vulnerabilities == [vuln]
    assert search_everything(query="hokusei electric").manufacturers == [maker]
    assert search_everything(query="HS-100").products == [product]
    assert search_everything(query="   ").total == 0


def test_search_page_answers_any_query_without_error(client):
    client.force_login(make_user(Role.VIEWER))
    for query in ("", "%", "x" * 5000, "' OR 1=1 --"):
        assert client.get(reverse("dashboard:search"), {"q": query}).status_code == 200
    # A NUL in a query string is refused for every page (RejectNulMiddleware), not a server error.
    assert client.get(reverse("dashboard:search"), {"q": "\x00"}).status_code == 400


def test_search_page_needs_a_role(client):
    client.force_login(make_user(role=None))
    assert client.get(reverse("dashboard:search"), {"q": "x"}).status_code == 403
