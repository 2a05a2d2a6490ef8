"""Resource rules the API shares with the staff UI through the same services."""

from __future__ import annotations

import json

import pytest

from kokuchi.api.tests.factories import bearer, make_token
from kokuchi.catalog.tests.factories import make_product
from kokuchi.deals.models import DealLine, DealStatus
from kokuchi.deals.tests.factories import make_deal, make_deal_line

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
