"""The staff pages of deals as the role matrix (kokuchi/tests/test_roles.py) drives them:
the objects their URLs point at, the data each form posts and the exact effect of a successful POST."""

import datetime

from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.models import Deal, DealStatus, ProposalResponse
from kokuchi.deals.tests.factories import make_deal, make_deal_line, make_proposed_plan


def make_objects() -> dict:
    """The rows the pages show or change, by name."""
    customer = make_customer(name="株式会社北星")
    deal = make_deal(customer=customer, title="本社ネットワーク更改", opened_on=datetime.date(2026, 5, 1))
    line = make_deal_line(deal=deal, product=make_product(model_number="FG-60F"), quantity=2, unit_price=98000)
    proposal = make_proposed_plan(deal=deal, plan=make_plan(name="年間保守"))
    spare_plan = make_plan(name="スポット保守")
    return {"customer": customer, "deal": deal, "line": line, "proposal": proposal, "spare_plan": spare_plan}


def post_data(name, o):
    return {
        "deal_create": {"title": "支店 UTM 導入", "customer": o["customer"].pk, "opened_on": "2026-06-01"},
        "deal_edit": {
            "title": "本社ネットワーク更改（第2期）",
            "customer": o["customer"].pk,
            "opened_on": "2026-05-01",
            "quote_valid_until": "2026-06-30",
        },
        "line_create": {
            "product": make_product(model_number="FS-108F").pk,
            "quantity": "3",
            "unit_price": "45000",
            "position": "2",
        },
        "line_edit": {"product": o["line"].product_id, "quantity": "5", "unit_price": "98000", "position": "1"},
        "plan_propose": {"plan": o["spare_plan"].pk},
        "plan_answer": {
            "response": ProposalResponse.DECLINED,
            "decline_reason": "社内の情報システム部で対応するため",
            "answered_on": "2026-05-20",
        },
        "deal_status": {"status": DealStatus.QUOTED},
        "line_delete": {},
    }[name]


def check_saved(name, o, user):
    deal = Deal.objects.get(pk=o["deal"].pk)
    if name == "deal_create":
        created = Deal.objects.get(title="支店 UTM 導入")
        assert (created.number, created.customer, created.status) == ("D2026-0002", o["customer"], DealStatus.DRAFT)
    elif name == "deal_edit":
        assert (deal.title, deal.quote_valid_until) == ("本社ネットワーク更改（第2期）", datetime.date(2026, 6, 30))
    elif name == "line_create":
        assert list(deal.lines.values_list("product__model_number", "quantity", "unit_price")) == [
            ("FG-60F", 2, 98000),
            ("FS-108F", 3, 45000),
        ]
    elif name == "line_edit":
        assert list(deal.lines.values_list("quantity", flat=True)) == [5]
    elif name == "plan_propose":
        assert list(deal.proposed_plans.values_list("plan__name", "response")) == [
            ("年間保守", ProposalResponse.PENDING),
            ("スポット保守", ProposalResponse.PENDING),
        ]
    elif name == "plan_answer":
        o["proposal"].refresh_from_db()
        assert (o["proposal"].response, o["proposal"].decline_reason, o["proposal"].answered_on) == (
            ProposalResponse.DECLINED,
            "社内の情報システム部で対応するため",
            datetime.date(2026, 5, 20),
        )
    elif name == "deal_status":
        assert deal.status == DealStatus.QUOTED
        assert deal.quoted_on is not None
    elif name == "line_delete":
        assert deal.lines.count() == 0
