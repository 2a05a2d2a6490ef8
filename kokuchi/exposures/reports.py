"""The per-customer vulnerability report (PDF)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from kokuchi.core.pdf import render_pdf
from kokuchi.customers.models import Customer
from kokuchi.devices.models import Device
from kokuchi.exposures.models import (
    Exposure,
    ExposureStatus,
)
from kokuchi.exposures.selectors import exposure_counts
from kokuchi.vulnerabilities.selectors import known_exploited, vulnerability_names

logger = logging.getLogger(__name__)


def build_customer_report_context(
    *, customer: Customer, today: datetime.date, generated_at: datetime.datetime
) -> dict[str, Any]:
    """The context of the per-customer vulnerability report: open exposures by priority, and
    the exposures closed (resolved, accepted, false positive) in the last 90 days. Candidates
    without a version range (要確認) stay with staff until they confirm them."""

    exposures = list(
        Exposure.objects.for_list()
        .filter(customer=customer)
        .order_by("priority", "device__product__model_number", "device__serial_number", "vulnerability__vuln_id")
    )
    # Aliases count, as in the priority: a JVNDB entry is known exploited through its CVE IDs.
    names = vulnerability_names({e.vulnerability_id for e in exposures})
    exploited = known_exploited({n for ns in names.values() for n in ns})
    kev = {e.vulnerability.vuln_id for e in exposures if names.get(e.vulnerability_id, set()) & exploited}
    since = today - datetime.timedelta(days=90)
    open_rows = [
        e
        for e in exposures
        if e.status == ExposureStatus.OPEN and (not e.needs_review or e.review_confirmed_at is not None)
    ]
    # A candidate staff dismissed was their triage, never news to the customer (its reason is staff text).
    closed_rows = [
        e
        for e in exposures
        if e.status != ExposureStatus.OPEN
        and e.status_changed_at
        and e.status_changed_at.date() >= since
        and not (e.needs_review and e.status == ExposureStatus.FALSE_POSITIVE)
    ]
    covered = set(Device.objects.under_contract(today).filter(customer=customer).values_list("pk", flat=True))
    return {
        "customer": customer,
        "today": today,
        "generated_at": generated_at,
        "counts": exposure_counts(customer_pk=customer.pk),
        "open_rows": open_rows,
        "closed_rows": closed_rows,
        "kev": kev,
        "covered": covered,
        "device_count": Device.objects.filter(customer=customer).count(),
        "since": since,
    }


def render_customer_report(*, customer: Customer, today: datetime.date | None = None) -> bytes:
    """Render the per-customer vulnerability report as PDF bytes."""

    today = today or timezone.localdate()
    context = build_customer_report_context(customer=customer, today=today, generated_at=timezone.now())
    html = render_to_string("exposures/customer_report.html", context)
    return render_pdf(html)
