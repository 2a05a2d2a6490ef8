"""Dashboard: exact figures for a small data set, role guard, language of the UI."""

import datetime
import importlib

import pytest
from django.urls import reverse

from kokuchi.catalog.models import ProductCategory
from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.core.tests.helpers import login_url_for
from kokuchi.core.tests.test_views import ALL_PAGES as RESELLER_PAGES
from kokuchi.customers.tests.factories import make_customer
from kokuchi.dashboard.selectors import dashboard_summary
from kokuchi.deals.models import DealStatus
from kokuchi.deals.tests.factories import make_deal
from kokuchi.devices.models import ContractStatus
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.tests.test_roles import ROLE_TABLE

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)


@pytest.fixture
def data():
    """Three customers, six devices, five deals, five contracts, three manufacturers."""
    hokusei, minami, _third = make_customer(), make_customer(), make_customer()
    confirmed = make_manufacturer(verified=True)
    unverified = make_manufacturer(verified=False)
    no_url = make_manufacturer(verified=True, vulnerability_info_url="")
    router = make_product(manufacturer=confirmed, category=ProductCategory.ROUTER)
    pc = make_product(manufacturer=confirmed, category=ProductCategory.PC, internet_connectable=False)
    camera = make_product(manufacturer=unverified, category=ProductCategory.NETWORK_CAMERA)
    switch = make_product(manufacturer=no_url, category=ProductCategory.SWITCH)

    covered = make_device(customer=hokusei, product=router, delivered_on=datetime.date(2026, 5, 1))
    uncovered = make_device(customer=hokusei, product=camera, delivered_on=datetime.date(2026, 5, 10))
    out_of_scope = make_device(customer=minami, product=pc, delivered_on=datetime.date(2026, 5, 1))
    make_device(customer=minami, product=router)  # not delivered yet
    make_device(customer=minami, product=switch, delivered_on=datetime.date(2026, 7, 1))  # after DAY
    lapsed = make_device(customer=minami, product=router, delivered_on=datetime.date(2025, 4, 1))

    make_contract(
        customer=hokusei, devices=[covered], start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2027, 3, 31)
    )
    make_contract(
        customer=minami, devices=[lapsed], start_date=datetime.date(2025, 4, 1), end_date=datetime.date(2026, 3, 31)
    )
    ending = make_contract(customer=minami, start_date=datetime.date(2025, 8, 1), end_date=datetime.date(2026, 7, 15))
    noticed = make_contract(
        customer=hokusei, start_date=datetime.date(2025, 6, 21), end_date=datetime.date(2026, 6, 20)
    )
    # Auto-renewed on 2026-04-01 until 2027-03-31: not ending soon.
    make_contract(
        customer=hokusei, start_date=datetime.date(2025, 4, 1), end_date=datetime.date(2026, 3, 31), auto_renewal=True
    )

    deals = {status: make_deal(customer=hokusei, status=status) for status in DealStatus.values}
    return {
        "uncovered": uncovered,
        "out_of_scope": out_of_scope,
        "lapsed": lapsed,
        "ending": ending,
        "noticed": noticed,
        "deals": deals,
        "camera": camera,
        "switch": switch,
    }


def test_dashboard_figures_are_exact(data):
    summary = dashboard_summary(on=DAY)
    assert summary.customers == 3
    assert summary.in_scope_devices == 5  # every device but the PC
    assert summary.devices_without_contract == 3
    assert summary.devices_without_contract_list == [data["lapsed"], data["out_of_scope"], data["uncovered"]]
    assert summary.undisclosed_deals == 3
    assert {deal.status for deal in summary.undisclosed_deals_list} == {
        DealStatus.QUOTED,
        DealStatus.ORDERED,
        DealStatus.DELIVERED,
    }
    assert [(row.contract, row.status, row.term_end, row.notice_deadline) for row in summary.ending_contracts] == [
        (data["noticed"], ContractStatus.NOTICE_PERIOD, datetime.date(2026, 6, 20), datetime.date(2026, 5, 21)),
        (data["ending"], ContractStatus.ACTIVE, datetime.date(2026, 7, 15), datetime.date(2026, 6, 15)),
    ]
    assert summary.unconfirmed_products == 2
    assert set(summary.unconfirmed_products_list) == {data["camera"], data["switch"]}


def test_g5_2_0_a_deal_with_an_issued_disclosure_is_no_longer_undisclosed(data):
    from kokuchi.disclosures.services import issue_disclosure

    deal = data["deals"][DealStatus.ORDERED]
    issue_disclosure(deal=deal, issued_by=make_user(Role.SALES))
    summary = dashboard_summary(on=DAY)
    assert summary.undisclosed_deals == 2
    assert deal not in summary.undisclosed_deals_list


def test_dashboard_page_shows_the_figures(client, data, monkeypatch):
    monkeypatch.setattr("kokuchi.dashboard.views.timezone.localdate", lambda: DAY)
    client.force_login(make_user(Role.VIEWER))
    response = client.get(reverse("dashboard:home"))
    content = response.content.decode()
    for figure, value in (
        ("customers", 3),
        ("in-scope-devices", 5),
        ("undisclosed-deals", 3),
        ("devices-without-contract", 3),
    ):
        assert f'data-figure="{figure}"><span class="value">{value}</span>' in content
    assert "2026年6月1日現在" in content
    assert data["deals"][DealStatus.QUOTED].number in content
    assert data["deals"][DealStatus.DRAFT].number not in content


def test_dashboard_empty_states(client):
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("dashboard:home")).content.decode()
    assert 'data-figure="customers"><span class="value">0</span>' in content
    assert "保守契約のない納入済み機器はありません" not in content  # the empty state text is the positive one
    assert "すべての納入済み機器が保守契約の対象です。" in content


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("dashboard:home"))
    assert (response.status_code, response["Location"]) == (302, login_url_for("/"))


def test_user_without_role_gets_403(client):
    client.force_login(make_user(role=None))
    assert client.get(reverse("dashboard:home")).status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SALES, Role.ADMIN])
def test_every_role_sees_the_dashboard(client, role):
    client.force_login(make_user(role))
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_new_buttons_hidden_from_viewer(client):
    client.force_login(make_user(Role.VIEWER))
    assert reverse("deals:deal_create") not in client.get(reverse("dashboard:home")).content.decode()
    client.force_login(make_user(Role.SALES))
    assert reverse("deals:deal_create") in client.get(reverse("dashboard:home")).content.decode()


def test_login_redirects_to_the_dashboard(client):
    make_user(Role.SALES, username="tanaka", password="pw-for-tests-1")
    response = client.post(reverse("login"), {"username": "tanaka", "password": "pw-for-tests-1"})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_ui_is_japanese_by_default(client):
    content = client.get(reverse("login")).content.decode()
    assert '<html lang="ja">' in content
    assert "<h1>ログイン</h1>" in content


def test_ui_switches_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    content = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in content
    assert "<h1>Log in</h1>" in content
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("dashboard:home")).content.decode()
    assert "Deals not yet disclosed" in content
    assert "未告知の案件" not in content


def test_japanese_pages_render_japanese_labels(client):
    client.force_login(make_user(Role.VIEWER))
    content = client.get(reverse("dashboard:home")).content.decode()
    assert "未告知の案件" in content
    assert "Deals not yet disclosed" not in content


def test_every_staff_url_is_in_a_role_matrix():
    """kokuchi/tests/test_roles.py runs the anonymous, role-less, reader and editor checks over its
    table, core's test_views over the reseller pages; a new staff URL in neither fails here."""
    # The search page's role checks are in test_urgency.py.
    dashboard = {"dashboard:home", "dashboard:search"}
    # Public on purpose: the reseller's logo, shown on the customer's page (core's test_logo checks it).
    public = {"core:reseller_logo"}
    covered = dashboard | public | {f"core:{name}" for name in RESELLER_PAGES} | {page.url_name for page in ROLE_TABLE}
    expected = set(dashboard)
    for app in ("core", "catalog", "customers", "deals", "devices"):
        urls = importlib.import_module(f"kokuchi.{app}.urls")
        expected |= {f"{urls.app_name}:{pattern.name}" for pattern in urls.urlpatterns}
    assert expected - covered == set()
    assert len(expected) == 45  # 2 dashboard, 3 core (1 public), 13 catalogue, 7 customers, 10 deals, 10 devices


def test_s_life_dashboard_lists_lifecycle_work_items_and_open_vulnerability_work():
    from kokuchi.devices.tests.factories import make_device
    from kokuchi.exposures.models import WorkItem
    from kokuchi.vulnerabilities.models import Vulnerability

    product = make_product(latest_firmware="7.0.15", firmware_cpe="")
    make_device(product=product, firmware_at_sale="7.0.12", delivered_on=DAY)
    vulnerability = Vulnerability.objects.create(vuln_id="CVE-2024-21762", source="nvd")
    customer = make_customer()
    WorkItem.objects.create(customer=customer, vulnerability=vulnerability, priority=0, due_on=DAY)

    summary = dashboard_summary(on=DAY)

    assert [item.kind for item in summary.lifecycle_items] == ["firmware_behind"]
    assert product.model_number in summary.lifecycle_items[0].title
    assert summary.open_work_items == 1
    assert [item.vulnerability.vuln_id for item in summary.open_work_items_list] == ["CVE-2024-21762"]
