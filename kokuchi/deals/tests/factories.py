from __future__ import annotations

from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.models import Deal, DealLine, ProposedPlan


def make_deal(**overrides) -> Deal:
    if "customer" not in overrides:
        overrides["customer"] = make_customer()
    fields = {"title": "ネットワーク更改"} | overrides
    return Deal.objects.create(**fields)


def make_deal_line(**overrides) -> DealLine:
    if "deal" not in overrides:
        overrides["deal"] = make_deal()
    if "product" not in overrides:
        overrides["product"] = make_product()
    fields = {"quantity": 1, "unit_price": 100000} | overrides
    return DealLine.objects.create(**fields)


def make_proposed_plan(**overrides) -> ProposedPlan:
    if "deal" not in overrides:
        overrides["deal"] = make_deal()
    if "plan" not in overrides:
        overrides["plan"] = make_plan()
    return ProposedPlan.objects.create(**overrides)
