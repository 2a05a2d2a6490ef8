"""Cross-model reads about the delivered installed base: lifecycle work (S-LIFE).

Firmware currency, end of support, JC-STAR label expiry and contract ends read only devices,
their products and contracts, so they live here next to what they read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from kokuchi.catalog.models import Product
from kokuchi.core.ui import register_list_annotation
from kokuchi.customers.models import Customer
from kokuchi.deals.models import Deal
from kokuchi.devices.models import ContractStatus, Device, MaintenanceContract


class LifecycleKind:
    FIRMWARE_BEHIND = "firmware_behind"
    END_OF_SUPPORT_PASSED = "end_of_support_passed"
    END_OF_SUPPORT_SOON = "end_of_support_soon"
    JC_STAR_EXPIRING = "jc_star_expiring"
    CONTRACT_ENDING = "contract_ending"
    CONTRACT_NOTICE_PERIOD = "contract_notice_period"


@dataclass(frozen=True)
class LifecycleItem:
    """One lifecycle work item for the dashboard (S-LIFE)."""

    kind: str
    title: str
    due_on: datetime.date | None
    product_id: int | None = None
    device_count: int = 0
    contract_id: int | None = None
    customer_id: int | None = None


LIFECYCLE_WINDOW_DAYS = 90


def lifecycle_work_items(today: datetime.date | None = None) -> list[LifecycleItem]:
    """Lifecycle work (S-LIFE), soonest first: delivered devices whose firmware is behind the
    product's latest (one item per product), end of support passed or within 90 days, JC-STAR
    label expiring within 90 days, contracts in their notice period or ending within 90 days."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=LIFECYCLE_WINDOW_DAYS)
    items: list[LifecycleItem] = []
    behind = (
        Device.objects.delivered()
        .exclude(product__latest_firmware="")
        .exclude(current_firmware="")
        .exclude(current_firmware=F("product__latest_firmware"))
        .values("product_id", "product__model_number", "product__latest_firmware")
        .annotate(n=Count("pk"))
        .order_by("product__model_number")
    )
    for row in behind:
        title = (
            f"{row['product__model_number']}: 最新ファームウェア {row['product__latest_firmware']} "
            f"に未更新の機器 {row['n']} 台"
        )
        items.append(LifecycleItem(LifecycleKind.FIRMWARE_BEHIND, title, None, row["product_id"], row["n"]))
    counts = dict(
        Device.objects.delivered().values("product_id").annotate(n=Count("pk")).values_list("product_id", "n")
    )
    for product in Product.objects.filter(end_of_support__lte=horizon, pk__in=counts).order_by("end_of_support"):
        passed = product.end_of_support is not None and product.end_of_support < today
        kind = LifecycleKind.END_OF_SUPPORT_PASSED if passed else LifecycleKind.END_OF_SUPPORT_SOON
        label = "サポート終了済み" if passed else "サポート終了予定"
        title = f"{product.model_number}: {label}（{product.end_of_support:%Y-%m-%d}） 納入済み {counts[product.pk]} 台"
        items.append(LifecycleItem(kind, title, product.end_of_support, product.pk, counts[product.pk]))
    for product in Product.objects.filter(jc_star_expires_on__gte=today, jc_star_expires_on__lte=horizon).order_by(
        "jc_star_expires_on"
    ):
        title = f"{product.model_number}: JC-STAR ラベルの有効期限 {product.jc_star_expires_on:%Y-%m-%d}"
        items.append(
            LifecycleItem(
                LifecycleKind.JC_STAR_EXPIRING, title, product.jc_star_expires_on, product.pk, counts.get(product.pk, 0)
            )
        )
    contracts = (
        MaintenanceContract.objects.covering(today)
        .filter(Q(end_date__lte=horizon) | Q(auto_renewal=True))
        .select_related("customer", "plan")
    )
    for contract in contracts:
        status = contract.status_on(today)
        end = contract.term_end_on(today)
        if status == ContractStatus.NOTICE_PERIOD:
            title = f"{contract.customer.name}: 保守契約 {contract.plan.name} が通知期間中（{end:%Y-%m-%d} 満了）"
            items.append(
                LifecycleItem(
                    LifecycleKind.CONTRACT_NOTICE_PERIOD,
                    title,
                    end,
                    contract_id=contract.pk,
                    customer_id=contract.customer_id,
                )
            )
        elif end <= horizon and not (contract.auto_renewal and contract.notice_given_on is None):
            title = f"{contract.customer.name}: 保守契約 {contract.plan.name} が {end:%Y-%m-%d} に満了"
            items.append(
                LifecycleItem(
                    LifecycleKind.CONTRACT_ENDING, title, end, contract_id=contract.pk, customer_id=contract.customer_id
                )
            )
    return sorted(items, key=lambda i: (i.due_on or today, i.kind, i.title))


# The exposures app (a layer above) records each device's exposures under the reverse relation
# `exposures`; these are the values of its ExposureStatus.OPEN and Priority.URGENT/HIGH, which a
# test keeps equal. Device, deal and customer pages flag open exposures without importing it.
OPEN_EXPOSURE_STATUS = "open"
KNOWN_EXPLOITED_PRIORITY = 1
HIGH_PRIORITY = 2


def _open_exposures(device_field: str, priority: int | None = None) -> Coalesce:
    # One filter() call: its conditions and the Count share the join to exposures.
    conditions: dict[str, object] = {device_field: OuterRef("pk"), "exposures__status": OPEN_EXPOSURE_STATUS}
    if priority is not None:
        conditions["exposures__priority"] = priority
    devices = Device.objects.filter(**conditions)
    counts = devices.order_by().values(device_field).annotate(count=Count("exposures")).values("count")
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def with_open_exposure_counts(queryset, *, device_field: str = "pk"):
    """Annotate `open_exposure_count` (open exposures), `known_exploited_count` (open ones known
    to be exploited) and `high_exposure_count` (open, high priority) on a queryset of devices
    (device_field "pk"), deals ("deal") or customers ("customer"). Subqueries, so that other
    aggregates of the queryset (deal amounts) are not multiplied by the join."""
    return queryset.annotate(
        open_exposure_count=_open_exposures(device_field),
        known_exploited_count=_open_exposures(device_field, KNOWN_EXPLOITED_PRIORITY),
        high_exposure_count=_open_exposures(device_field, HIGH_PRIORITY),
    )


# Contracts whose current term ends within this many days are "ending soon".
CONTRACT_ENDING_SOON_DAYS = 60


def is_ending_soon(contract: MaintenanceContract, *, on: datetime.date, within_days: int) -> bool:
    """In its notice period on `on`, or its current term (rolled over if it auto-renews) ends
    within `within_days`."""
    horizon = on + datetime.timedelta(days=within_days)
    return contract.status_on(on) == ContractStatus.NOTICE_PERIOD or contract.term_end_on(on) <= horizon


def contracts_ending_soon_ids(*, on: datetime.date, within_days: int = CONTRACT_ENDING_SOON_DAYS) -> list[int]:
    """Primary keys of the contracts in force on `on` that end soon (computed per row: the term
    end of an auto-renewing contract rolls over)."""
    return [
        contract.pk
        for contract in MaintenanceContract.objects.covering(on)
        if is_ending_soon(contract, on=on, within_days=within_days)
    ]


def register_exposure_list_annotations() -> None:
    """The deal and customer lists (apps below this one) show each row's open exposures as
    badges; their rows are annotated here, in the list's one query."""
    register_list_annotation(Deal, _annotate_deals)
    register_list_annotation(Customer, _annotate_customers)


def _annotate_deals(queryset):
    return with_open_exposure_counts(queryset, device_field="deal")


def _annotate_customers(queryset):
    return with_open_exposure_counts(queryset, device_field="customer")
