"""Issued disclosures ready for acknowledgement; every default is visible here."""

from __future__ import annotations

import datetime

from kokuchi.catalog.models import ServicePlanKind
from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.core.models import Reseller
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_reseller, make_user
from kokuchi.customers.tests.factories import make_contact, make_customer
from kokuchi.deals.models import Deal, DealStatus, ProposalResponse
from kokuchi.deals.tests.factories import make_deal, make_deal_line, make_proposed_plan
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.disclosures.services import issue_disclosure


def make_sale(
    *,
    maintenance: str = ProposalResponse.DECLINED,
    unit_price: int = 100000,
    quantity: int = 2,
    customer=None,
    delivered_on: datetime.date | None = datetime.date(2026, 4, 25),
) -> Deal:
    """A delivered deal: `quantity` routers at `unit_price`, a maintenance plan answered `maintenance`."""
    if not Reseller.objects.exists():
        make_reseller(address="東京都千代田区千代田1-1", retention_years=10)
    if customer is None:
        customer = make_customer()
        make_contact(customer=customer, name="山田 太郎", email="yamada@example.jp")
    deal = make_deal(
        customer=customer, title="本社ネットワーク更改", status=DealStatus.DELIVERED, delivered_on=delivered_on
    )
    make_deal_line(deal=deal, product=make_product(), quantity=quantity, unit_price=unit_price)
    make_proposed_plan(deal=deal, plan=make_plan(kind=ServicePlanKind.CONTINUOUS_MAINTENANCE), response=maintenance)
    return deal


def make_issued_version(
    *, deal: Deal | None = None, issued_by=None, issued_at: datetime.datetime | None = None, **sale
) -> DisclosureVersion:
    deal = deal or make_sale(**sale)
    return issue_disclosure(deal=deal, issued_by=issued_by or make_user(Role.SALES), issued_at=issued_at)
