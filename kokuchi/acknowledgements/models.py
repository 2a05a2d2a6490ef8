"""Acknowledgements (受領・確認): the customer's confirmation that it was told, and the links and
scans that carry it (G1, S-EVID). One acknowledgement of a disclosure version covers every device
of the deal."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kokuchi.customers.models import Contact
from kokuchi.disclosures.models import DisclosureVersion


class RecordKeptError(Exception):
    """Raised when code tries to delete an acknowledgement record that must be retained."""


class AckItem(models.TextChoices):
    """The items of a disclosure the customer confirms one by one (labels are the guideline's)."""

    PAID_SERVICES = (
        "G5.2-1",
        _(
            "Paid services (firmware updates, configuration, faults of other equipment, "
            "incident response) are charged separately"
        ),
    )
    DISCLAIMERS = (
        "G5.2-2",
        _(
            "The devices do not fully guarantee security; the reseller neither guarantees the "
            "security environment nor compensates damage from incidents"
        ),
    )
    INFORMATION_SOURCE = (
        "G5.2-3",
        _(
            "Vulnerability information comes from each manufacturer's site; the "
            "manufacturer, not the reseller, is responsible for providing it"
        ),
    )
    OWN_TASKS = (
        "G5.3",
        _(
            "Without maintenance we handle firmware updates, network settings and device-specific "
            "items ourselves and accept the risk of unpatched vulnerabilities"
        ),
    )


# Which requirement IDs of the document each confirmation item covers (for the compliance view).
ITEM_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    AckItem.PAID_SERVICES: ("G5.2-1a", "G5.2-1b", "G5.2-1c", "G5.2-1d", "G5.2-1e"),
    AckItem.DISCLAIMERS: ("G5.2-2a", "G5.2-2b", "G5.2-2c"),
    AckItem.INFORMATION_SOURCE: ("G5.2-3",),
    AckItem.OWN_TASKS: ("G5.3",),
}


class AckMethod(models.TextChoices):
    CUSTOMER_LINK = "customer_link", _("Customer link")
    IN_PERSON = "in_person", _("In person")
    PAPER = "paper", _("Paper (signed scan)")


DEFAULT_LINK_DAYS = 14


class CustomerLink(models.Model):
    """A link the customer opens without a staff login to acknowledge one disclosure version.

    Only the sha256 of the random token is stored, so the database alone cannot open the link.
    """

    version = models.ForeignKey(
        DisclosureVersion, on_delete=models.PROTECT, related_name="customer_links", verbose_name=_("disclosure version")
    )
    token_sha256 = models.CharField(_("token sha256"), max_length=64, unique=True, editable=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    recipient_email = models.EmailField(_("sent to"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    # A reminder is a fresh link to the same contact that replaces the unanswered one (the token of
    # the old link exists only in the first e-mail, so it cannot be sent again).
    reminder_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("reminder of"),
    )
    reminder_number = models.PositiveSmallIntegerField(_("reminder number"), default=0)
    # When the mail server accepted the link's e-mail; empty when it was handed over another way.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # However many schedulers run, an unanswered link gets one live replacement.
            models.UniqueConstraint(
                fields=["reminder_of"],
                condition=models.Q(reminder_of__isnull=False, revoked_at__isnull=True),
                name="ack_link_one_open_reminder",
                violation_error_message=_("A link has one open reminder."),
            )
        ]
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")

    def __str__(self) -> str:
        return f"{self.version} → {self.recipient_email or '-'}"

    def delete(self, *args, **kwargs):
        raise RecordKeptError("Customer links are kept as evidence; revoke instead.")

    def replaced_by_reminder(self) -> bool:
        """Revoked because a reminder e-mailed a fresh link in its place."""
        return self.is_revoked and self.reminders.filter(emailed_at__isnull=False).exists()

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Acknowledgement(models.Model):
    """The customer's acknowledgement (受領・確認) of one disclosure version, whatever the channel.

    It records who signed (name, title, company), which items were confirmed, the staff member for
    in-person and paper acknowledgements, and the stored files: the signed receipt PDF, the drawn
    signature, the paper scan. A version has at most one acknowledgement.
    """

    version = models.OneToOneField(
        DisclosureVersion,
        on_delete=models.PROTECT,
        related_name="acknowledgement",
        verbose_name=_("disclosure version"),
    )
    method = models.CharField(_("method"), max_length=20, choices=AckMethod.choices)
    items = models.JSONField(_("confirmed items"), default=list)
    signer_name = models.CharField(_("signer name"), max_length=100)
    signer_title = models.CharField(_("signer title"), max_length=100, blank=True)
    signer_company = models.CharField(_("signer company"), max_length=200)
    typed_signature = models.CharField(_("typed signature"), max_length=100, blank=True)
    signature_path = models.CharField(_("drawn signature file"), max_length=300, blank=True)
    signature_sha256 = models.CharField(_("drawn signature sha256"), max_length=64, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff"),
    )
    link = models.ForeignKey(
        CustomerLink,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledgements",
        verbose_name=_("customer link"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    receipt_path = models.CharField(_("receipt file"), max_length=300, blank=True)
    receipt_sha256 = models.CharField(_("receipt sha256"), max_length=64, blank=True)
    scan_path = models.CharField(_("scan file"), max_length=300, blank=True)
    scan_sha256 = models.CharField(_("scan sha256"), max_length=64, blank=True)
    scan_content_type = models.CharField(_("scan type"), max_length=40, blank=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")

    def __str__(self) -> str:
        return f"{self.version} {self.signer_name}"

    def delete(self, *args, **kwargs):
        raise RecordKeptError("Acknowledgements are kept for the retention period; they cannot be deleted.")

    def item_labels(self) -> list[tuple[str, str]]:
        return [(item, AckItem(item).label) for item in self.items]


class CustomerLinkView(models.Model):
    """Views of a customer page per link and day (JST): the first view of the day is an evidence
    event; the later ones only raise this counter, kept outside the append-only log."""

    link = models.ForeignKey(CustomerLink, on_delete=models.CASCADE, related_name="views", verbose_name=_("link"))
    day = models.DateField(_("day"))
    first_viewed_at = models.DateTimeField(_("first viewed at"))
    views = models.PositiveIntegerField(_("views"), default=1)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "day"],
                name="ack_link_view_once_per_day",
                violation_error_message=_("A link has one view counter per day."),
            )
        ]
        verbose_name = _("customer page views")
        verbose_name_plural = _("customer page views")

    def __str__(self) -> str:
        return f"{self.link_id} {self.day}: {self.views}"
