"""Who acts on newly open exposures: work items, sales leads and notices (S-VULN, G5.2-3, G5.3)."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kokuchi.catalog.models import ServicePlan
from kokuchi.customers.models import Contact
from kokuchi.devices.models import Device
from kokuchi.exposures.models import (
    Exposure,
    ExposureStatus,
    NoticeKind,
    Priority,
    SalesLead,
    WorkItem,
    WorkStatus,
)
from kokuchi.exposures.notices import NoticeShared, create_notice

logger = logging.getLogger(__name__)


# Days to act by priority; known-exploited vulnerabilities first (S-VULN).
DUE_DAYS = {Priority.URGENT: 3, Priority.HIGH: 14, Priority.MEDIUM: 30, Priority.LOW: 90}


@dataclass
class ActionSummary:
    work_items: list[int] = field(default_factory=list)
    sales_leads: list[int] = field(default_factory=list)
    notices: list[int] = field(default_factory=list)


def due_date(priority: int, today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=DUE_DAYS[Priority(priority)])


def act_on_new_exposures(
    *, exposure_pks: Iterable[int], today: datetime.date | None = None, include_candidates: bool = False
) -> ActionSummary:
    """Decide who acts on newly open exposures, per customer and vulnerability.

    Devices under an active maintenance contract: a work item for the reseller (due by priority)
    and a notice to the customer. Devices without one: a sales lead proposing the maintenance
    plan, and an informational notice only when the customer opted in
    (``Customer.notify_without_contract``). Candidates staff must confirm (``REVIEW_METHODS``,
    要確認) get the work item or lead for staff, and a customer notice only with
    `include_candidates` (their confirmation by staff).
    """
    today = today or timezone.localdate()
    pks = list(exposure_pks)
    summary = ActionSummary()
    if not pks:
        return summary
    groups: dict[tuple[int, int], list[Exposure]] = defaultdict(list)
    for i in range(0, len(pks), 5000):
        chunk = Exposure.objects.for_list().filter(pk__in=pks[i : i + 5000], status=ExposureStatus.OPEN)
        for exposure in chunk:
            groups[(exposure.customer_id, exposure.vulnerability_id)].append(exposure)
    device_pks = {e.device_id for es in groups.values() for e in es}
    covered = set(Device.objects.under_contract(today).filter(pk__in=device_pks).values_list("pk", flat=True))
    plan = (
        ServicePlan.objects.filter(active=True, kind__in=["continuous_maintenance", "spot_maintenance"])
        .order_by("kind", "pk")
        .first()
    )
    shared = NoticeShared.load()
    recipients: dict[int, list[str]] = defaultdict(list)

    for customer_pk, address in (
        Contact.objects.filter(customer_id__in={k[0] for k in groups})
        .exclude(email="")
        .values_list("customer_id", "email")
    ):
        recipients[customer_pk].append(address)
    with transaction.atomic():
        for (_customer_pk, _vuln_pk), exposures in sorted(groups.items()):
            customer = exposures[0].customer
            vulnerability = exposures[0].vulnerability
            priority = min(e.priority for e in exposures)
            under = [e for e in exposures if e.device_id in covered]
            outside = [e for e in exposures if e.device_id not in covered]
            # Candidates (要確認) reach the customer only once staff confirmed them.
            notify_under = [e for e in under if include_candidates or not e.needs_review]
            notify_outside = [e for e in outside if include_candidates or not e.needs_review]
            if under:
                item, created = WorkItem.objects.get_or_create(
                    customer=customer,
                    vulnerability=vulnerability,
                    defaults={"priority": priority, "due_on": due_date(priority, today)},
                )
                if not created and item.status != WorkStatus.OPEN:
                    item.status, item.closed_at = WorkStatus.OPEN, None
                    item.priority, item.due_on = priority, due_date(priority, today)
                    item.save(update_fields=["status", "closed_at", "priority", "due_on"])
                summary.work_items.append(item.pk)
                if notify_under:
                    notice = create_notice(
                        customer=customer,
                        vulnerability=vulnerability,
                        exposures=notify_under,
                        kind=NoticeKind.CONTRACTED,
                        due_on=item.due_on,
                        shared=shared,
                        recipients=sorted(set(recipients[customer.pk])),
                    )
                    summary.notices.append(notice.pk)
            if outside:
                lead, _created = SalesLead.objects.get_or_create(
                    customer=customer,
                    vulnerability=vulnerability,
                    defaults={
                        "proposed_plan": plan,
                        "note": f"保守契約のない機器 {len(outside)} 台が {vulnerability.vuln_id} に該当",
                    },
                )
                summary.sales_leads.append(lead.pk)
                if customer.notify_without_contract and notify_outside:
                    notice = create_notice(
                        customer=customer,
                        vulnerability=vulnerability,
                        exposures=notify_outside,
                        kind=NoticeKind.INFORMATIONAL,
                        due_on=None,
                        shared=shared,
                        recipients=sorted(set(recipients[customer.pk])),
                    )
                    summary.notices.append(notice.pk)
    return summary
