"""Resource rules the API shares with the staff UI through the same services."""

from __future__ import annotations

import base64
import datetime
import json

import pytest

from kokuchi.api.tests.factories import bearer, make_token
from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.deals.models import DealLine, DealStatus
from kokuchi.deals.tests.factories import make_deal, make_deal_line
from kokuchi.devices.tests.factories import make_device

pytestmark = pytest.mark.django_db


def post(client, url, data, token, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **bearer(token), **headers)


@pytest.mark.parametrize("status", [DealStatus.DELIVERED, DealStatus.CLOSED])
def test_no_line_is_added_to_a_delivered_or_closed_deal(client, status):
    deal = make_deal(status=status)
    make_deal_line(deal=deal, quantity=2)
    response = post(
        client,
        f"/api/v1/deals/{deal.pk}/lines/",
        {"product": make_product().pk, "quantity": 1, "unit_price": 1},
        make_token(),
    )
    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert response.json()["errors"] == [
        {"pointer": "#", "detail": "納品済みまたは完了した案件の明細は変更できません。", "code": "invalid"}
    ]
    assert list(DealLine.objects.filter(deal=deal).values_list("quantity", flat=True)) == [2]


def walk(client, url, token, *, key="id"):
    """Every row of a list, page by page through `next`, then back through `previous`."""
    forward, pages = [], []
    while url:
        response = client.get(url, **bearer(token))
        assert response.status_code == 200
        body = response.json()
        pages.append([row[key] for row in body["results"]])
        forward += pages[-1]
        last_url, url = url, body["next"]
    backward = []
    url = client.get(last_url, **bearer(token)).json()["previous"]
    while url:
        body = client.get(url, **bearer(token)).json()
        backward = [row[key] for row in body["results"]] + backward
        url = body["previous"]
    return forward, backward + pages[-1]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("delivered_on", ["B", "D", "A", "C", "E"]),
        ("-delivered_on", ["C", "A", "D", "B", "E"]),
        ("-serial_number", ["E", "D", "C", "B", "A"]),
        ("serial_number", ["A", "B", "C", "D", "E"]),
        ("-id", ["E", "D", "C", "B", "A"]),
        ("", ["A", "B", "C", "D", "E"]),
    ],
)
def test_ordering_and_cursor_pages_list_every_row_once_with_ties_and_missing_values(client, ordering, expected):
    days = {"A": (2026, 6, 1), "B": (2026, 5, 1), "C": (2026, 6, 1), "D": (2026, 5, 1), "E": None}
    for serial, day in days.items():
        make_device(serial_number=serial, delivered_on=datetime.date(*day) if day else None)
    forward, backward = walk(
        client, f"/api/v1/devices/?ordering={ordering}&page_size=2", make_token(), key="serial_number"
    )
    assert forward == expected
    assert backward == expected


@pytest.mark.parametrize(
    "cursor",
    [
        "cD14eXombz1hYmM=",
        base64.urlsafe_b64encode(b'{"b":false,"v":"not a day","k":1}').decode(),
        base64.urlsafe_b64encode(b'{"b":false,"v":null,"k":99999999999999999999999}').decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        "%%%",
    ],
)
def test_a_garbled_or_foreign_cursor_is_a_404_problem(client, cursor):
    make_device(delivered_on=datetime.date(2026, 5, 1))
    response = client.get(f"/api/v1/devices/?ordering=delivered_on&cursor={cursor}", **bearer(make_token()))
    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")


def test_g5_3_an_inactive_plan_is_not_proposed_through_the_api(client):
    deal = make_deal()
    response = post(
        client, f"/api/v1/deals/{deal.pk}/proposed-plans/", {"plan": make_plan(active=False).pk}, make_token()
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "#/plan", "detail": "このサービスプランは現在提供されていません。", "code": "invalid"}
    ]
    assert deal.proposed_plans.count() == 0
