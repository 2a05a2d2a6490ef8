"""Plain factories for exposures and their follow-up; every default is visible here."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kokuchi.core.hashing import token_sha256
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.models import (
    DeliveryStatus,
    Exposure,
    ExposureStatus,
    MatchRun,
    MatchRunKind,
    Notice,
    NoticeDelivery,
    NoticeKind,
    Priority,
    SalesLead,
    WorkItem,
)
from kokuchi.vulnerabilities.tests.factories import make_vulnerability


def make_exposure(**overrides: Any) -> Exposure:
    now = timezone.now()
    if "device" not in overrides:
        overrides["device"] = make_device(**({"customer": overrides["customer"]} if "customer" in overrides else {}))
    fields: dict[str, Any] = {
        "customer": overrides["device"].customer,
        "status": ExposureStatus.OPEN,
        "method": "nvd_range",
        "confidence": 90,
        "explanation": "テスト用の該当",
        "matched_firmware": overrides["device"].current_firmware,
        "priority": Priority.MEDIUM,
        "first_matched_at": now,
        "last_matched_at": now,
    } | overrides
    if "vulnerability" not in fields:
        fields["vulnerability"] = make_vulnerability()
    return Exposure.objects.create(**fields)


def make_notice(*, exposures: list[Exposure] | None = None, **overrides: Any) -> Notice:
    exposures = exposures if exposures is not None else [make_exposure()]
    fields: dict[str, Any] = {
        "customer": exposures[0].customer,
        "vulnerability": exposures[0].vulnerability,
        "kind": NoticeKind.CONTRACTED,
        "subject": "【脆弱性のお知らせ】テスト",
        "body": "テスト本文 [[NOTICE_LINK]]",
    } | overrides
    notice = Notice.objects.create(**fields)
    notice.exposures.set(exposures)
    return notice


def make_delivery(*, token: str | None = None, **overrides: Any) -> NoticeDelivery:
    """A delivery of a notice; with `token`, one already sent whose link carries that token."""
    fields: dict[str, Any] = {"recipient": "it@example.jp", "next_attempt_at": timezone.now()} | overrides
    if "notice" not in fields:
        fields["notice"] = make_notice()
    if token is not None:
        fields |= {"status": DeliveryStatus.SENT, "sent_at": timezone.now(), "token_sha256": token_sha256(token)}
    return NoticeDelivery.objects.create(**fields)


def make_work_item(**overrides: Any) -> WorkItem:
    fields: dict[str, Any] = {"priority": Priority.HIGH, "due_on": datetime.date(2026, 6, 15)} | overrides
    if "vulnerability" not in fields:
        fields["vulnerability"] = make_vulnerability()
    if "customer" not in fields:
        fields["customer"] = make_device().customer
    return WorkItem.objects.create(**fields)


def make_sales_lead(**overrides: Any) -> SalesLead:
    fields: dict[str, Any] = {"note": "保守契約のない機器 1 台が該当"} | overrides
    if "vulnerability" not in fields:
        fields["vulnerability"] = make_vulnerability()
    if "customer" not in fields:
        fields["customer"] = make_device().customer
    return SalesLead.objects.create(**fields)


def make_match_run(**overrides: Any) -> MatchRun:
    fields: dict[str, Any] = {"kind": MatchRunKind.FULL, "started_at": timezone.now(), "succeeded": True} | overrides
    return MatchRun.objects.create(**fields)
