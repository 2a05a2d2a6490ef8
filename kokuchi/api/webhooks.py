"""Webhooks: subscriptions, events into the outbox, signed delivery (Standard Webhooks) with
retries and exponential backoff."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import logging
import secrets
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from kokuchi.api.models import DeliveryStatus, Integration, WebhookDelivery, WebhookEvent, WebhookSubscription

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
USER_AGENT = "Kokuchi-Webhooks/1"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class AddressRefused(ValueError):
    """A webhook URL whose host is (or resolves to) an address outside the allowed ones."""


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if any(address in ipaddress.ip_network(network, strict=False) for network in settings.WEBHOOK_ALLOWED_NETWORKS):
        return True
    return address.is_global


def check_webhook_address(url: str, *, resolve: bool) -> None:
    """Refuse a URL naming a loopback, private, link-local or otherwise non-public address not in
    WEBHOOK_ALLOWED_NETWORKS. With `resolve`, a host name is resolved and every address checked
    (at delivery); without, only literal addresses and localhost are (at subscription, when the
    name may not resolve yet)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        candidates = ["127.0.0.1"]
    else:
        try:
            candidates = [str(ipaddress.ip_address(host))]
        except ValueError:
            if not resolve:
                return
            try:
                port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
                candidates = sorted(
                    {str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
                )
            except (OSError, UnicodeError) as error:
                raise AddressRefused(f"{host} does not resolve: {error}") from error
    for candidate in candidates:
        address = ipaddress.ip_address(candidate.split("%", 1)[0])
        if not _address_allowed(address):
            raise AddressRefused(
                f"{host} is {address}, not a public address (allow its network in KOKUCHI_WEBHOOK_ALLOWED_NETWORKS)"
            )


@transaction.atomic
def create_subscription(*, integration: Integration, url: str, events: list[str]) -> WebhookSubscription:
    """Subscribe `integration` to `events` at `url`; the signing secret is created here."""
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}})
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    URLValidator(schemes=["http", "https"])(url)
    try:
        check_webhook_address(url, resolve=False)
    except AddressRefused:
        raise ValidationError(
            {
                "url": _(
                    "Webhooks go to public addresses only; an administrator can allow a network "
                    "(KOKUCHI_WEBHOOK_ALLOWED_NETWORKS)."
                )
            }
        ) from None
    subscription = WebhookSubscription(
        integration=integration, url=url, events=sorted(set(events)), secret=new_secret()
    )
    subscription.full_clean()
    subscription.save()
    return subscription


def emit_event(*, event_type: str, data: dict[str, Any], at: datetime.datetime | None = None) -> list[int]:
    """Put one event into the outbox of every active subscription to it; see emit_events."""
    return emit_events(event_type=event_type, items=[data], at=at)


def emit_events(*, event_type: str, items: list[dict[str, Any]], at: datetime.datetime | None = None) -> list[int]:
    """Put events of one type into the outbox of every active subscription to the type, and have
    the worker send them once the transaction commits. Returns the delivery ids."""
    at = at or timezone.now()
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(active=True, integration__user__is_active=True)
        if event_type in s.events
    ]
    if not subscriptions or not items:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(
        (
            WebhookDelivery(
                subscription=subscription,
                message_id=f"msg_{uuid.uuid4().hex}",
                event_type=event_type,
                payload={"type": event_type, "timestamp": at.isoformat(), "data": data},
                next_attempt_at=at,
            )
            for data in items
            for subscription in subscriptions
        ),
        batch_size=1000,
    )
    ids = [d.pk for d in deliveries if d.pk is not None]
    transaction.on_commit(lambda: enqueue_deliveries(delivery_ids=ids))
    return ids


def enqueue_deliveries(*, delivery_ids: Iterable[int]) -> None:
    from kokuchi.api.tasks import deliver_webhook_task  # noqa: PLC0415 - tasks import this module

    for delivery_id in delivery_ids:
        deliver_webhook_task.enqueue(delivery_id)


def signed_headers(*, secret: str, message_id: str, at: datetime.datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers: webhook-id, webhook-timestamp and webhook-signature
    (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def backoff(*, attempts: int) -> datetime.timedelta:
    """Delay before the next attempt: the base doubled per attempt made, at most a day."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, 86_400))


@dataclass(frozen=True)
class AttemptResult:
    delivered: bool
    status_code: int | None
    error: str


def deliver(
    *, delivery_id: int, client: httpx.Client | None = None, now: datetime.datetime | None = None
) -> WebhookDelivery | None:
    """Attempt one delivery if it is pending and due; record the outcome and the next attempt.

    Returns the delivery, or None when it was not due (already delivered, failed, or later).
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
        headers = signed_headers(secret=delivery.subscription.secret, message_id=delivery.message_id, at=now, body=body)
        result = _post(url=delivery.subscription.url, body=body, headers=headers, client=client)
        delivery.attempts += 1
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error[:500]
        if result.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + backoff(attempts=delivery.attempts)
        delivery.save(
            update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"]
        )
    return delivery


def _post(*, url: str, body: str, headers: dict[str, str], client: httpx.Client | None) -> AttemptResult:
    try:
        # Again at delivery: the name may resolve elsewhere now than when it was subscribed.
        check_webhook_address(url, resolve=True)
    except AddressRefused as error:
        return AttemptResult(False, None, f"refused: {error}")
    own = client is None
    client = client or httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False)
    try:
        response = client.post(
            url,
            content=body.encode("utf-8"),
            headers={**headers, "content-type": "application/json", "user-agent": USER_AGENT},
        )
    except httpx.HTTPError as error:
        return AttemptResult(False, None, f"{type(error).__name__}: {error}")
    finally:
        if own:
            client.close()
    if 200 <= response.status_code < 300:
        return AttemptResult(True, response.status_code, "")
    return AttemptResult(False, response.status_code, response.text[:200])


def deliver_due(*, now: datetime.datetime | None = None, client: httpx.Client | None = None) -> int:
    """Attempt every pending delivery that is due (the worker's retry sweep); return how many."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for delivery_id in due:
        deliver(delivery_id=delivery_id, client=client, now=now)
    return len(due)
