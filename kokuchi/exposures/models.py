"""Exposures (該当): the installed base against the published vulnerability knowledge.

Findings per (product, firmware), exposures of delivered devices and their status history, match
runs, and the follow-up they cause: work items for the reseller, sales leads, notices to the
customer and their deliveries (S-VULN, G5.2-3, G5.3).

The tables were created by the vulnerabilities app and keep its names (``db_table``), so moving
the models here changed no row.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kokuchi.exposures.customer_reason import customer_reason
from kokuchi.exposures.matching import REVIEW_METHODS
from kokuchi.vulnerabilities.models import Vulnerability


class ExposureStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED_BY_UPDATE = "resolved_by_update", _("Resolved by a firmware update")
    RISK_ACCEPTED = "risk_accepted", _("Risk accepted")
    FALSE_POSITIVE = "false_positive", _("False positive")
    # The device did not change but the vulnerability data did (e.g. NVD narrowed a range).
    NO_LONGER_MATCHES = "no_longer_matches", _("No longer matches the vulnerability data")


# Statuses a person sets; matching never overrides them.
HUMAN_DECISIONS = frozenset({ExposureStatus.RISK_ACCEPTED, ExposureStatus.FALSE_POSITIVE})


class Priority(models.IntegerChoices):
    URGENT = 1, _("Urgent (known exploited)")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")


class ExposureQuerySet(models.QuerySet):
    def open(self) -> ExposureQuerySet:
        return self.filter(status=ExposureStatus.OPEN)

    def for_list(self) -> ExposureQuerySet:
        """Rows with what list pages show, in one query."""
        return self.select_related("device__product__manufacturer", "customer", "vulnerability")


class Exposure(models.Model):
    """An exposure (該当): one delivered device affected by one vulnerability, with the matching
    method, its confidence and a sentence that explains the match. Its status follows the
    device (a firmware update that leaves the range resolves it) and staff decisions (risk
    accepted, false positive), every change being kept in ExposureStatusChange."""

    device = models.ForeignKey(
        "devices.Device", on_delete=models.PROTECT, related_name="exposures", verbose_name=_("device")
    )
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="exposures", verbose_name=_("vulnerability")
    )
    # The device's customer, copied so that per-customer lists read one index (kept in step by
    # every full match).
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="exposures", verbose_name=_("customer")
    )
    status = models.CharField(_("status"), max_length=20, choices=ExposureStatus.choices, default=ExposureStatus.OPEN)
    method = models.CharField(_("matching method"), max_length=30)
    confidence = models.PositiveSmallIntegerField(_("confidence"))
    explanation = models.TextField(_("explanation"))
    # The firmware the match was made on: a later difference tells an update from a data change.
    matched_firmware = models.CharField(_("firmware when matched"), max_length=80, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.LOW)
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # When staff confirmed a review candidate (要確認): customers are told who checked it and when.
    review_confirmed_at = models.DateTimeField(_("review confirmed at"), null=True, blank=True)
    first_matched_at = models.DateTimeField(_("first matched at"))
    last_matched_at = models.DateTimeField(_("last matched at"))

    objects = ExposureQuerySet.as_manager()

    class Meta:
        db_table = "vulnerabilities_exposure"
        ordering = ["priority", "-vulnerability__published", "pk"]
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        constraints = [models.UniqueConstraint(fields=["device", "vulnerability"], name="unique_exposure")]
        # The staff list reads "open, most urgent first, newest first": one index walk, no sort.
        indexes = [
            models.Index(fields=["status", "priority", "-id"], name="exposure_status_priority"),
            # The API lists exposures of one status in id order (cursor pagination).
            models.Index(fields=["status", "id"], name="exposure_status_id"),
            # …and of one customer in id order: without it SQLite walks exposure_status_id past
            # every other customer's exposures.
            models.Index(fields=["customer", "status", "id"], name="exposure_customer_status_id"),
            # The API's ?ordering=priority / first_matched_at, with or without a status (keyset pages).
            models.Index(fields=["status", "priority", "id"], name="exposure_status_priority_id"),
            models.Index(fields=["priority", "id"], name="exposure_priority_id"),
            models.Index(fields=["first_matched_at", "id"], name="exposure_first_matched_id"),
            models.Index(fields=["vulnerability", "status"], name="exposure_vuln_status"),
            models.Index(fields=["customer", "status", "priority", "-id"], name="exposure_customer_list"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} × {self.vulnerability_id} ({self.status})"

    @property
    def needs_review(self) -> bool:
        """A candidate without a version range (要確認): staff confirm it, no automatic notice."""
        return self.method in REVIEW_METHODS

    @property
    def customer_reason(self) -> str:
        """Why the device is affected, as customers read it (the staff text is ``explanation``)."""
        confirmed = self.review_confirmed_at
        return customer_reason(
            method=self.method,
            firmware=self.matched_firmware,
            vulnerability_source=self.vulnerability.source,
            review_confirmed_on=timezone.localdate(confirmed) if confirmed else None,
        )


class FirmwareFinding(models.Model):
    """What matching found for one (product, firmware version) pair and one vulnerability.

    Devices share (product, firmware): each pair is evaluated once and its findings stored here;
    exposures are then reconciled with set-based SQL (a device is exposed to exactly the
    findings of its product and current firmware)."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    firmware = models.CharField(max_length=80, blank=True)
    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=30)
    confidence = models.PositiveSmallIntegerField()
    explanation = models.TextField()
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)

    class Meta:
        db_table = "vulnerabilities_firmwarefinding"
        constraints = [
            models.UniqueConstraint(fields=["product", "firmware", "vulnerability"], name="unique_firmware_finding")
        ]
        indexes = [models.Index(fields=["vulnerability"], name="finding_vulnerability")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.firmware} × {self.vulnerability_id}"


class ExposureStatusChange(models.Model):
    """One status change of an exposure (append-only): from, to, why, who (empty when automatic)."""

    exposure = models.ForeignKey(Exposure, on_delete=models.CASCADE, related_name="history", verbose_name=_("exposure"))
    from_status = models.CharField(_("from"), max_length=20, choices=ExposureStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ExposureStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        db_table = "vulnerabilities_exposurestatuschange"
        ordering = ["changed_at", "pk"]
        verbose_name = _("exposure status change")
        verbose_name_plural = _("exposure status changes")

    def __str__(self) -> str:
        return f"{self.exposure_id}: {self.from_status or '∅'} → {self.to_status}"


class MatchRunKind(models.TextChoices):
    FULL = "full", _("Full re-match")
    VULNERABILITIES = "vulnerabilities", _("Changed vulnerabilities")
    DEVICES = "devices", _("Changed devices")


class MatchRun(models.Model):
    """One run of the matcher and its outcome; the last successful run's start is the cut-off for
    "vulnerabilities changed since the last run"."""

    kind = models.CharField(_("kind"), max_length=20, choices=MatchRunKind.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    vulnerabilities_examined = models.PositiveIntegerField(_("vulnerabilities examined"), default=0)
    pairs_evaluated = models.PositiveIntegerField(_("(product, firmware) pairs evaluated"), default=0)
    created = models.PositiveIntegerField(_("new exposures"), default=0)
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        db_table = "vulnerabilities_matchrun"
        ordering = ["-started_at"]
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class WorkStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class WorkItem(models.Model):
    """Work for the reseller (S-VULN, G5.3): a vulnerability affecting devices the reseller
    maintains under contract for one customer, due by priority (known exploited first)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="work_items", verbose_name=_("customer")
    )
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="work_items", verbose_name=_("vulnerability")
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=WorkStatus.choices, default=WorkStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        db_table = "vulnerabilities_workitem"
        ordering = ["due_on", "priority", "pk"]
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        constraints = [models.UniqueConstraint(fields=["customer", "vulnerability"], name="unique_work_item")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.vulnerability_id} due {self.due_on}"


class LeadStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Contract signed")
    LOST = "lost", pgettext_lazy("sales lead", "Declined")


class SalesLead(models.Model):
    """A lead for sales: a customer has devices affected by a vulnerability and no maintenance
    contract covering them; propose the maintenance plan (G5.3)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="sales_leads", verbose_name=_("customer")
    )
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="sales_leads", verbose_name=_("vulnerability")
    )
    proposed_plan = models.ForeignKey(
        "catalog.ServicePlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed plan"),
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "vulnerabilities_saleslead"
        ordering = ["-created_at", "pk"]
        verbose_name = _("sales lead")
        verbose_name_plural = _("sales leads")
        constraints = [models.UniqueConstraint(fields=["customer", "vulnerability"], name="unique_sales_lead")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.vulnerability_id}"


class NoticeKind(models.TextChoices):
    CONTRACTED = "contracted", _("Notice under a maintenance contract")
    INFORMATIONAL = "informational", _("Informational notice (no contract)")


class Notice(models.Model):
    """A vulnerability notice (脆弱性のお知らせ) to one customer about one vulnerability, naming
    the affected devices. Its text is frozen when created; deliveries carry it by e-mail."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="notices", verbose_name=_("customer")
    )
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="notices", verbose_name=_("vulnerability")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    exposures = models.ManyToManyField(Exposure, related_name="notices", verbose_name=_("exposures"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "vulnerabilities_notice"
        ordering = ["-created_at", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.subject

    @property
    def first_read_at(self) -> datetime.datetime | None:
        times = [d.first_read_at for d in self.deliveries.all() if d.first_read_at]
        return min(times) if times else None

    @property
    def body_for_page(self) -> str:
        """The body as shown on a page: the e-mail's personal link line is not repeated there."""
        return self.body.replace("[[NOTICE_LINK]]", "（このページです）")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up after retries")


class NoticeDelivery(models.Model):
    """An outbox row: one notice to one recipient, sent with retry and backoff. The link in the
    e-mail carries a random token; only its sha256 is stored, and opening it records reading."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice"))
    recipient = models.EmailField(_("recipient"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    first_read_at = models.DateTimeField(_("first read at"), null=True, blank=True)
    read_count = models.PositiveIntegerField(_("times opened"), default=0)

    class Meta:
        db_table = "vulnerabilities_noticedelivery"
        ordering = ["pk"]
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.recipient} ({self.status})"
