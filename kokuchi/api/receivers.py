"""Receivers of the signals the apps below send: each turns one into a webhook event."""

from __future__ import annotations

from typing import Any

from kokuchi.acknowledgements.models import Acknowledgement
from kokuchi.acknowledgements.signals import disclosure_acknowledged
from kokuchi.api.models import WebhookEvent, WebhookSubscription
from kokuchi.api.webhooks import emit_event, emit_events
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.disclosures.signals import disclosure_issued
from kokuchi.exposures.models import Exposure, NoticeDelivery
from kokuchi.exposures.signals import exposures_opened, exposures_resolved, notice_read
from kokuchi.vulnerabilities.signals import feed_sync_failed


def on_disclosure_issued(sender: type, *, version: DisclosureVersion, **kwargs: Any) -> None:
    deal = version.disclosure.deal
    emit_event(
        event_type=WebhookEvent.DISCLOSURE_ISSUED,
        data={
            "disclosure_id": version.pk,
            "deal_id": deal.pk,
            "deal_number": deal.number,
            "customer_id": deal.customer_id,
            "document_number": version.document_number,
            "version": version.number,
            "sha256": version.sha256,
            "issued_at": version.issued_at.isoformat(),
        },
    )


def on_disclosure_acknowledged(sender: type, *, acknowledgement: Acknowledgement, **kwargs: Any) -> None:
    version = acknowledgement.version
    emit_event(
        event_type=WebhookEvent.DISCLOSURE_ACKNOWLEDGED,
        data={
            "acknowledgement_id": acknowledgement.pk,
            "disclosure_id": version.pk,
            "deal_id": version.disclosure.deal_id,
            "document_number": version.document_number,
            "method": acknowledgement.method,
            "acknowledged_at": acknowledgement.acknowledged_at.isoformat(),
        },
    )


def _exposure_data(exposure_pks: list[int]) -> list[dict[str, Any]]:
    rows = [
        row
        for start in range(0, len(exposure_pks), 1000)
        for row in Exposure.objects.filter(pk__in=exposure_pks[start : start + 1000]).values(
            "pk", "device_id", "customer_id", "vulnerability__vuln_id", "status", "priority"
        )
    ]
    return [
        {
            "exposure_id": row["pk"],
            "device_id": row["device_id"],
            "customer_id": row["customer_id"],
            "vulnerability_id": row["vulnerability__vuln_id"],
            "status": row["status"],
            "priority": row["priority"],
        }
        for row in rows
    ]


def on_exposures_opened(sender: type, *, exposure_pks: list[int], **kwargs: Any) -> None:
    if WebhookSubscription.objects.filter(active=True).exists():
        emit_events(event_type=WebhookEvent.EXPOSURE_OPENED, items=_exposure_data(exposure_pks))


def on_exposures_resolved(sender: type, *, exposure_pks: list[int], **kwargs: Any) -> None:
    if WebhookSubscription.objects.filter(active=True).exists():
        emit_events(event_type=WebhookEvent.EXPOSURE_RESOLVED, items=_exposure_data(exposure_pks))


def on_notice_read(sender: type, *, delivery: NoticeDelivery, **kwargs: Any) -> None:
    notice = delivery.notice
    emit_event(
        event_type=WebhookEvent.NOTICE_READ,
        data={
            "notice_id": notice.pk,
            "customer_id": notice.customer_id,
            "first_read_at": delivery.first_read_at.isoformat() if delivery.first_read_at else None,
        },
    )


def on_feed_sync_failed(sender: type, *, source: str, run_id: int, error: str, **kwargs: Any) -> None:
    emit_event(event_type=WebhookEvent.FEED_SYNC_FAILED, data={"feed": source, "run_id": run_id, "error": error})


def connect_all() -> None:
    disclosure_issued.connect(on_disclosure_issued, dispatch_uid="api.webhook.disclosure_issued")
    disclosure_acknowledged.connect(on_disclosure_acknowledged, dispatch_uid="api.webhook.disclosure_acknowledged")
    exposures_opened.connect(on_exposures_opened, dispatch_uid="api.webhook.exposures_opened")
    exposures_resolved.connect(on_exposures_resolved, dispatch_uid="api.webhook.exposures_resolved")
    notice_read.connect(on_notice_read, dispatch_uid="api.webhook.notice_read")
    feed_sync_failed.connect(on_feed_sync_failed, dispatch_uid="api.webhook.feed_sync_failed")
