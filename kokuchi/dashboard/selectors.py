"""Read-only figures for the staff dashboard: what needs the reseller's attention today."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from kokuchi.catalog.models import Manufacturer, Product
from kokuchi.core.ui import search_filter
from kokuchi.customers.models import Customer
from kokuchi.deals.models import Deal
from kokuchi.devices.models import ContractStatus, Device, MaintenanceContract
from kokuchi.devices.selectors import CONTRACT_ENDING_SOON_DAYS, LifecycleItem, is_ending_soon, lifecycle_work_items
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.exposures.models import Exposure, LeadStatus, Priority, SalesLead, WorkItem, WorkStatus
from kokuchi.vulnerabilities.models import Vulnerability
from kokuchi.vulnerabilities.selectors import attach_jvn_titles, with_jvn_titles

DASHBOARD_LIST_LIMIT = 10


def customers_count() -> int:
    return Customer.objects.count()


def in_scope_devices_count() -> int:
    """Devices whose product is in the guideline's scope (G4), delivered or not."""
    return Device.objects.in_scope().count()


def delivered_devices_without_contract(*, on: datetime.date) -> models.QuerySet[Device]:
    """Delivered devices not covered by a maintenance contract in force on `on`: the customer
    bears their vulnerability handling itself (G5.1-0, G5.3), so they are sales leads for
    maintenance. Devices delivered after `on` are left out."""
    return (
        Device.objects.delivered()
        .filter(delivered_on__lte=on)
        .without_contract(on)
        .select_related("product__manufacturer", "customer")
        .order_by("delivered_on", "pk")
    )


def undisclosed_deals() -> models.QuerySet[Deal]:
    """Deals past the draft stage with no issued sale-time disclosure (告知書) yet: the guideline
    asks for it before or at the sale (G5.2-0). Nothing imports the dashboard, so it may read
    the disclosures app."""
    return Deal.objects.undisclosed().select_related("customer").order_by("opened_on", "pk")


@dataclass(frozen=True)
class EndingContract:
    """A contract whose current term ends soon, with the dates the reseller must act on."""

    contract: MaintenanceContract
    status: ContractStatus
    term_end: datetime.date
    notice_deadline: datetime.date


def contracts_ending_soon(*, on: datetime.date, within_days: int = CONTRACT_ENDING_SOON_DAYS) -> list[EndingContract]:
    """Contracts in force on `on` that are in their notice period or whose current term ends
    within `within_days`, soonest first. The term end of an auto-renewing contract is computed
    per row (it rolls over), so the filtering happens in Python over the contracts in force."""
    rows = [
        EndingContract(
            contract=contract,
            status=contract.status_on(on),
            term_end=contract.term_end_on(on),
            notice_deadline=contract.notice_deadline_on(on),
        )
        for contract in MaintenanceContract.objects.covering(on).select_related("customer", "plan")
        if is_ending_soon(contract, on=on, within_days=within_days)
    ]
    rows.sort(key=lambda row: (row.term_end, row.contract.pk))
    return rows


def products_with_unconfirmed_manufacturer() -> models.QuerySet[Product]:
    """Products whose manufacturer's vulnerability-information URL is still 要確認 (unknown or
    not confirmed): a disclosure for them cannot name the information source (G5.2-3)."""
    return Product.objects.filter(
        models.Q(manufacturer__verified=False) | models.Q(manufacturer__vulnerability_info_url="")
    ).select_related("manufacturer")


@dataclass(frozen=True)
class DashboardSummary:
    customers: int
    in_scope_devices: int
    devices_without_contract: int
    devices_without_contract_list: list[Device]
    undisclosed_deals: int
    undisclosed_deals_list: list[Deal]
    ending_contracts: list[EndingContract]
    unconfirmed_products: int
    unconfirmed_products_list: list[Product]
    lifecycle_items: list[LifecycleItem] = field(default_factory=list)
    open_work_items: int = 0
    open_work_items_list: list[WorkItem] = field(default_factory=list)
    open_sales_leads: int = 0


def dashboard_summary(*, on: datetime.date, limit: int = DASHBOARD_LIST_LIMIT) -> DashboardSummary:
    """Every dashboard figure for day `on`; lists are cut to `limit` rows, counts are exact."""
    without_contract = delivered_devices_without_contract(on=on)
    deals = undisclosed_deals()
    products = products_with_unconfirmed_manufacturer()
    # S-VULN: the reseller's own vulnerability work for contracted devices, most urgent first.
    work_items = (
        WorkItem.objects.filter(status=WorkStatus.OPEN)
        .select_related("customer", "vulnerability")
        .order_by("due_on", "priority", "pk")
    )
    return DashboardSummary(
        customers=customers_count(),
        in_scope_devices=in_scope_devices_count(),
        devices_without_contract=without_contract.count(),
        devices_without_contract_list=list(without_contract[:limit]),
        undisclosed_deals=deals.count(),
        undisclosed_deals_list=list(deals[:limit]),
        ending_contracts=contracts_ending_soon(on=on),
        unconfirmed_products=products.count(),
        unconfirmed_products_list=list(products[:limit]),
        lifecycle_items=lifecycle_work_items(on),
        open_work_items=work_items.count(),
        open_work_items_list=list(work_items[:limit]),
        open_sales_leads=SalesLead.objects.filter(status=LeadStatus.OPEN).count(),
    )


# Rows per kind on the search page: enough to pick from, and the lists' own searches go further.
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class SearchResults:
    """What one search box finds, per kind: customers, deals, devices, vulnerabilities, makers and
    products."""

    query: str
    customers: list[Customer]
    deals: list[Deal]
    devices: list[Device]
    vulnerabilities: list[Vulnerability]
    manufacturers: list[Manufacturer]
    products: list[Product]

    @property
    def total(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.customers,
                self.deals,
                self.devices,
                self.vulnerabilities,
                self.manufacturers,
                self.products,
            )
        )


def search_everything(*, query: str, limit: int = SEARCH_LIMIT) -> SearchResults:
    """Find `query` in the fields staff quote: customer name/kana/code, deal number/title, device
    serial, CVE or JVNDB ID (aliases too), maker name (Japanese or English) and model number.
    Every word must appear (in one of the kind's fields)."""
    # Control characters (NUL above all: PostgreSQL refuses it in a string) are never searched for.
    query = " ".join("".join(char for char in query if char.isprintable()).split())[:200]
    if not query:
        return SearchResults(
            query="", customers=[], deals=[], devices=[], vulnerabilities=[], manufacturers=[], products=[]
        )
    customers = search_filter(Customer.objects.all(), query, ["name", "name_kana", "customer_code"])
    deals = search_filter(Deal.objects.select_related("customer"), query, ["number", "title", "customer__name"])
    devices = search_filter(
        Device.objects.select_related("customer", "product__manufacturer"),
        query,
        ["serial_number", "product__model_number"],
    )
    vulnerabilities = search_filter(
        Vulnerability.objects.all(), query, ["vuln_id", "aliases__alias_id", "title_ja", "title_en"]
    ).distinct()
    manufacturers = search_filter(Manufacturer.objects.all(), query, ["name_ja", "name_en"])
    products = search_filter(
        Product.objects.select_related("manufacturer"),
        query,
        ["model_number", "name", "manufacturer__name_ja", "manufacturer__name_en"],
    )
    return SearchResults(
        query=query,
        customers=list(customers.order_by("customer_code", "pk")[:limit]),
        deals=list(deals.order_by("-opened_on", "-pk")[:limit]),
        devices=list(devices.order_by("serial_number", "pk")[:limit]),
        vulnerabilities=list(with_jvn_titles(vulnerabilities).order_by("-published", "vuln_id")[:limit]),
        manufacturers=list(manufacturers.order_by("name_ja", "pk")[:limit]),
        products=list(products.order_by("model_number", "pk")[:limit]),
    )


@dataclass(frozen=True)
class UrgentExposure:
    """An open exposure to act on now, with who acts: under a maintenance contract the reseller
    (a work item), without one the customer, whom the reseller notifies (G5.2-3, G5.3)."""

    exposure: Exposure
    under_contract: bool


def urgent_exposures(*, on: datetime.date, priorities: tuple[int, ...]) -> models.QuerySet[Any]:
    """Open exposures of delivered devices at the given priorities, whoever must act, most urgent
    and oldest first; `under_contract` is annotated for day `on`."""
    covering = MaintenanceContract.objects.covering(on).filter(devices=models.OuterRef("device_id"))
    return (
        Exposure.objects.open()
        .filter(priority__in=priorities, device__delivered_on__isnull=False)
        .for_list()
        .annotate(under_contract=models.Exists(covering))
        .order_by("priority", "first_matched_at", "pk")
    )


@dataclass(frozen=True)
class AwaitingAcknowledgement:
    version: DisclosureVersion
    days_waiting: int


def awaiting_acknowledgement(*, on: datetime.date) -> list[AwaitingAcknowledgement]:
    """Current issued disclosures the customer has not acknowledged yet, longest waiting first."""
    versions = (
        DisclosureVersion.objects.filter(superseded_by__isnull=True, acknowledgement__isnull=True)
        .select_related("disclosure__deal__customer")
        .order_by("issued_at", "pk")
    )
    return [
        AwaitingAcknowledgement(version=version, days_waiting=(on - timezone.localdate(version.issued_at)).days)
        for version in versions
    ]


@dataclass(frozen=True)
class UrgentWork:
    """The dashboard's top: what must be done first, by urgency."""

    known_exploited: int
    known_exploited_list: list[UrgentExposure]
    high: int
    high_list: list[UrgentExposure]
    awaiting: list[AwaitingAcknowledgement]


def urgent_work(*, on: datetime.date, limit: int = DASHBOARD_LIST_LIMIT) -> UrgentWork:
    exploited = urgent_exposures(on=on, priorities=(Priority.URGENT,))
    high = urgent_exposures(on=on, priorities=(Priority.HIGH,))

    def rows(queryset: models.QuerySet[Any]) -> list[UrgentExposure]:
        exposures = list(queryset[:limit])
        attach_jvn_titles(row.vulnerability for row in exposures)
        return [UrgentExposure(exposure=row, under_contract=row.under_contract) for row in exposures]

    return UrgentWork(
        known_exploited=exploited.count(),
        known_exploited_list=rows(exploited),
        high=high.count(),
        high_list=rows(high),
        awaiting=awaiting_acknowledgement(on=on),
    )
