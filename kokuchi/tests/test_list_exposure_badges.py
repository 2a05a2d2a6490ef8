"""S-VULN: the deal and customer lists flag each row's open exposures (known exploited, high, how
many are open) like the device pages, from one annotated query whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.tests.factories import make_deal
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.models import ExposureStatus, Priority
from kokuchi.exposures.tests.factories import make_exposure

pytestmark = pytest.mark.django_db


def exposed_deal(*, priorities=(Priority.URGENT, Priority.HIGH, Priority.MEDIUM)):
    deal = make_deal()
    device = make_device(customer=deal.customer, deal=deal)
    for priority in priorities:
        make_exposure(device=device, priority=priority)
    make_exposure(device=device, priority=Priority.URGENT, status=ExposureStatus.RESOLVED_BY_UPDATE)
    return deal


def test_s_vuln_deal_list_shows_known_exploited_high_and_open_badges(client):
    deal = exposed_deal()
    quiet = make_deal()
    client.force_login(make_user(Role.VIEWER))

    response = client.get(reverse("deals:deal_list"))

    rows = {row.pk: row for row in response.context["object_list"]}
    assert (rows[deal.pk].known_exploited_count, rows[deal.pk].high_exposure_count) == (1, 1)
    assert rows[deal.pk].open_exposure_count == 3
    assert rows[quiet.pk].open_exposure_count == 0
    page = response.content.decode()
    url = reverse("exposures:customer_exposures", args=[deal.customer_id])
    assert f'<a class="badge bad" href="{url}"' in page
    assert "悪用確認 1 件" in page
    assert "未対応の脆弱性なし" in page


def test_s_vuln_customer_list_shows_open_exposure_badges(client):
    deal = exposed_deal(priorities=(Priority.URGENT, Priority.URGENT))
    make_customer()
    client.force_login(make_user(Role.VIEWER))

    response = client.get(reverse("customers:customer_list"))

    rows = {row.pk: row for row in response.context["object_list"]}
    assert (rows[deal.customer_id].known_exploited_count, rows[deal.customer_id].open_exposure_count) == (2, 2)
    assert "悪用確認 2 件" in response.content.decode()


@pytest.mark.parametrize("url_name", ["deals:deal_list", "customers:customer_list"])
def test_s_vuln_list_badges_cost_no_query_per_row(client, url_name):
    client.force_login(make_user(Role.VIEWER))
    exposed_deal()
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse(url_name))
    for _ in range(4):
        exposed_deal()
    with CaptureQueriesContext(connection) as five_rows:
        response = client.get(reverse(url_name))
    assert len(response.context["object_list"]) == 5
    assert len(five_rows) == len(one_row)


@pytest.mark.parametrize("url_name", ["deals:deal_list", "customers:customer_list"])
def test_s_vuln_lists_sort_the_most_exploited_first(client, url_name):
    exposed_deal(priorities=(Priority.URGENT,))
    most = exposed_deal(priorities=(Priority.URGENT, Priority.URGENT, Priority.URGENT))
    exposed_deal(priorities=())
    client.force_login(make_user(Role.VIEWER))
    rows = client.get(reverse(url_name), {"sort": "-exposures"}).context["object_list"]
    assert [row.known_exploited_count for row in rows] == [3, 1, 0]
    assert rows[0].pk == (most.pk if url_name == "deals:deal_list" else most.customer_id)
