"""Integrations (an SFA or ERP calling the REST API), their tokens, webhook subscriptions, the
webhook outbox, the idempotency keys of POST requests and the log of every write."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The resources a token's scopes name; each is granted "read" or "write" (write includes read).
RESOURCES = (
    "manufacturers",
    "products",
    "customers",
    "deals",
    "devices",
    "contracts",
    "disclosures",
    "acknowledgements",
    "exposures",
    "notices",
    "webhooks",
)


class Access(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class WebhookEvent(models.TextChoices):
    DISCLOSURE_ISSUED = "disclosure.issued", _("Disclosure issued")
    DISCLOSURE_ACKNOWLEDGED = "disclosure.acknowledged", _("Disclosure acknowledged")
    EXPOSURE_OPENED = "exposure.opened", _("Exposure opened")
    EXPOSURE_RESOLVED = "exposure.resolved", _("Exposure resolved")
    NOTICE_READ = "notice.read", _("Notice read")
    FEED_SYNC_FAILED = "feed.sync_failed", _("Feed sync failed")


class Integration(models.Model):
    """An integration (連携先): one outside system, such as the reseller's SFA or 販売管理, that
    calls the API. It acts through its own user, whose role (admin, sales, viewer) limits what its
    tokens may do exactly as it limits a person in the staff UI."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration", verbose_name=_("acts as")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Tokens neither revoked nor expired at `at` (now by default)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now())


class ApiToken(models.Model):
    """An API token of an integration. Only the sha256 of the secret is stored; the secret is
    shown once when the token is created. Scopes map each resource to read or write."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("integration")
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    token_sha256 = models.CharField(_("token sha256"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.integration.name} {self.prefix}…"

    def allows(self, resource: str, access: str) -> bool:
        granted = self.scopes.get(resource)
        if access == Access.READ:
            return granted in (Access.READ, Access.WRITE)
        return granted == Access.WRITE

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ApiWrite(models.Model):
    """One write through the API (POST, PUT, PATCH, DELETE), with the token that made it: who
    changed what, from which integration."""

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="writes", verbose_name=_("token"))
    method = models.CharField(pgettext_lazy("http", "method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("status"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    request_sha256 = models.CharField(_("request sha256"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("API write")
        verbose_name_plural = _("API writes")

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an Idempotency-Key: the same key with the same body
    gets the same answer again; the same key with another body is refused."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="unique_idempotency_key_per_token")]

    def __str__(self) -> str:
        return self.key


class WebhookSubscription(models.Model):
    """Where an integration wants to hear about events: a URL, the event types and the signing
    secret (Standard Webhooks, ``whsec_`` + base64)."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("integration")
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.integration.name} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription in the outbox: sent, retried with exponential backoff, and
    logged (attempts, last HTTP status or error) for staff to read."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    message_id = models.CharField(_("message ID"), max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="api_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"
