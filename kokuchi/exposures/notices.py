"""Vulnerability notices to customers: building their frozen text, the outbox that sends them, and
the record of their reading through the personal link."""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kokuchi.core.hashing import token_sha256
from kokuchi.core.models import Reseller
from kokuchi.customers.models import Customer
from kokuchi.exposures.models import (
    DeliveryStatus,
    Exposure,
    Notice,
    NoticeDelivery,
    NoticeKind,
)
from kokuchi.exposures.selectors import fixes_for_devices
from kokuchi.exposures.signals import notice_read
from kokuchi.vulnerabilities.models import (
    Vulnerability,
)
from kokuchi.vulnerabilities.selectors import jvn_titles, known_exploited_entries

logger = logging.getLogger(__name__)


LINK_PLACEHOLDER = "[[NOTICE_LINK]]"


@dataclass
class NoticeShared:
    """Per-run lookups shared by every notice of one batch (one query each, not one per notice)."""

    reseller: object = None
    vulnerabilities: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> NoticeShared:

        return cls(reseller=Reseller.objects.first())

    def for_vulnerability(self, vulnerability: Vulnerability) -> dict:
        if vulnerability.pk not in self.vulnerabilities:
            aliases = sorted(vulnerability.aliases.values_list("alias_id", flat=True))
            kev = next(iter(known_exploited_entries([vulnerability.vuln_id, *aliases])), None)
            self.vulnerabilities[vulnerability.pk] = {
                "aliases": aliases,
                "kev": kev,
                "jvn_links": _jvn_links(vulnerability, aliases),
                "jvn_title": jvn_titles([vulnerability.vuln_id]).get(vulnerability.vuln_id, (None, None)),
            }
        shared = self.vulnerabilities[vulnerability.pk]
        # Customers read the Japanese title JVN iPedia gives the CVE (the notice names the source).
        vulnerability.jvn_title_ja, vulnerability.jvn_title_id = shared["jvn_title"]  # type: ignore[attr-defined]
        return {key: value for key, value in shared.items() if key != "jvn_title"}


def _jvn_links(vulnerability: Vulnerability, aliases: list[str]) -> list[str]:
    links = []
    for alias in aliases:
        if alias.startswith("JVNDB-"):
            year = alias.split("-")[1]
            links.append(f"https://jvndb.jvn.jp/ja/contents/{year}/{alias}.html")
    if vulnerability.vuln_id.startswith("JVNDB-"):
        links.append(vulnerability.url)
    for ref in vulnerability.references or []:
        url = ref.get("url", "") if isinstance(ref, dict) else str(ref)
        if url.startswith(("https://jvn.jp/", "https://jvndb.jvn.jp/")) and url not in links:
            links.append(url)
    return links


@dataclass(frozen=True)
class NoticeDevice:
    """One device of a notice with the fix the sources name for its firmware (S-VULN)."""

    exposure: Exposure
    fixed_version: str
    remediation_url: str


def build_notice_context(
    *,
    customer: Customer,
    vulnerability: Vulnerability,
    exposures: list[Exposure],
    kind: str,
    due_on: datetime.date | None,
    shared: NoticeShared | None = None,
) -> dict[str, Any]:
    """The context of a notice's subject and body templates."""
    shared = shared or NoticeShared.load()
    manufacturers = {}
    for e in exposures:
        m = e.device.product.manufacturer
        manufacturers[m.pk] = m
    ordered = sorted(exposures, key=lambda e: (e.device.product.model_number, e.device.serial_number))
    fixes = fixes_for_devices(
        vulnerability_pk=vulnerability.pk,
        pairs={(e.device.product_id, e.matched_firmware) for e in ordered},
        rules=shared.rules,
    )
    return {
        "customer": customer,
        "reseller": shared.reseller,
        "vulnerability": vulnerability,
        **shared.for_vulnerability(vulnerability),
        "exposures": ordered,
        "devices": [NoticeDevice(e, *fixes.get((e.device.product_id, e.matched_firmware), ("", ""))) for e in ordered],
        "manufacturers": list(manufacturers.values()),
        "contracted": kind == NoticeKind.CONTRACTED,
        "due_on": due_on,
        "link": LINK_PLACEHOLDER,
    }


def create_notice(
    *,
    customer: Customer,
    vulnerability: Vulnerability,
    exposures: list[Exposure],
    kind: str,
    due_on: datetime.date | None,
    shared: NoticeShared | None = None,
    recipients: list[str] | None = None,
) -> Notice:
    """Create a Japanese notice naming the devices, and one outbox row per customer contact."""
    context = build_notice_context(
        customer=customer, vulnerability=vulnerability, exposures=exposures, kind=kind, due_on=due_on, shared=shared
    )
    subject = render_to_string("exposures/notice_subject.txt", context).strip()
    body = render_to_string("exposures/notice_email.txt", context)
    notice = Notice.objects.create(
        customer=customer, vulnerability=vulnerability, kind=kind, subject=subject[:300], body=body
    )
    Notice.exposures.through.objects.bulk_create(
        [Notice.exposures.through(notice_id=notice.pk, exposure_id=e.pk) for e in exposures]
    )
    now = timezone.now()
    if recipients is None:
        recipients = sorted({c.email for c in customer.contacts.all() if c.email})
    NoticeDelivery.objects.bulk_create(
        [NoticeDelivery(notice=notice, recipient=r, next_attempt_at=now) for r in recipients]
    )
    return notice


MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 60
# While one sender holds a delivery, the others skip it; longer than the SMTP timeout. A sender that
# dies mid-send leaves the delivery due again after this delay.
CLAIM_SECONDS = 600


def backoff(attempts: int) -> datetime.timedelta:
    """Delay before the next try after `attempts` failures: 1, 2, 4, 8, 16 minutes…"""
    return datetime.timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))


@dataclass
class OutboxResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def send_pending_notices(*, now: datetime.datetime | None = None, limit: int = 500) -> OutboxResult:
    """Send the due outbox rows through Django e-mail (MAILERS "default").

    Each delivery gets a fresh random token (256 bits) in its link; only its sha256 is stored,
    and only once the server accepted the message. A failure is retried with exponential backoff
    up to MAX_ATTEMPTS, then marked failed. Several senders (task workers on several machines) may run
    at once: each delivery is claimed first, so it is sent by one of them only.
    """
    now = now or timezone.now()
    result = OutboxResult()
    due = list(
        NoticeDelivery.objects.select_related("notice")
        .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")[:limit]
    )
    if not due:
        return result
    base = settings.SITE_URL
    for delivery in due:
        if not _claim(delivery, until=now + datetime.timedelta(seconds=CLAIM_SECONDS)):
            continue
        token = secrets.token_urlsafe(32)
        link = base + reverse("exposures:notice_read", args=[token])
        message = EmailMessage(
            subject=delivery.notice.subject,
            body=delivery.notice.body.replace(LINK_PLACEHOLDER, link),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.recipient],
        )
        delivery.attempts += 1
        try:
            message.send(using="default")
        except Exception as error:
            # Any failure (SMTP, connection, a mailer refusing its settings, an address it cannot encode)
            # is this delivery's: it is retried, and the other deliveries are still sent.
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                result.failed += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                result.retried += 1
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("notice delivery %s failed: %s", delivery.pk, delivery.last_error)
            continue
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.token_sha256 = token_sha256(token)
        delivery.save(update_fields=["attempts", "status", "sent_at", "token_sha256"])
        result.sent += 1
    return result


def _claim(delivery: NoticeDelivery, *, until: datetime.datetime) -> bool:
    """Take a due delivery for this sender by moving its next attempt; False when another sender took it."""
    taken = NoticeDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=until)
    return taken == 1


def record_notice_read(*, token: str) -> NoticeDelivery | None:
    """Record that the link of a delivery was opened; None when the token is unknown."""
    with transaction.atomic():
        delivery = (
            NoticeDelivery.objects.select_for_update()
            .select_related("notice__vulnerability", "notice__customer")
            .filter(token_sha256=token_sha256(token))
            .first()
        )
        if delivery is None:
            return None

        fields: dict[str, Any] = {"read_count": F("read_count") + 1}
        first_read = delivery.first_read_at is None
        if first_read:
            fields["first_read_at"] = timezone.now()
        NoticeDelivery.objects.filter(pk=delivery.pk).update(**fields)
        delivery.refresh_from_db(fields=["read_count", "first_read_at"])
        if first_read:
            transaction.on_commit(lambda: notice_read.send(sender=NoticeDelivery, delivery=delivery))
    return delivery
