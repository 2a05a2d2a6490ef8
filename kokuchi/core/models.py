"""Core: this installation's identity (the reseller, 販売店) and shared abstract models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class TimeStampedModel(models.Model):
    """Abstract base adding creation and modification times."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# The paid services the guideline lists in 第5章2(1) (G5.2-1a–e): (requirement ID, field stem,
# label). The label is the guideline's own wording; the reseller may add a note and a price.
PAID_SERVICES: tuple[tuple[str, str, StrPromise], ...] = (
    ("G5.2-1a", "firmware_update", _("Firmware update work")),
    ("G5.2-1b", "nonstandard_configuration", _("Configuration beyond the standard settings")),
    ("G5.2-1c", "standard_setting_change", _("Changes to the standard settings")),
    ("G5.2-1d", "external_fault", _("Handling faults caused by equipment not delivered by us")),
    ("G5.2-1e", "incident_response", _("Response work for security incidents")),
)


class Reseller(TimeStampedModel):
    """The reseller (販売店) running this installation: one row, its identity and policies.

    Its company name replaces 「××」 in the chapter-6 clauses (G6); the vulnerability-information
    policy is the 一定の基準 of G5.1-1; the paid-service list is G5.2-1a–e.
    """

    company_name = models.CharField(_("company name"), max_length=200)
    company_name_en = models.CharField(_("company name (English)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    support_desk_name = models.CharField(
        _("support desk name"),
        max_length=200,
        blank=True,
        # Without a desk the chapter-6 clause is variant ① (G6).
        help_text=_("Leave empty when the reseller has no support desk: disclosures then use clause ① (notice only)."),
    )
    support_desk_phone = models.CharField(_("support desk phone"), max_length=40, blank=True)
    support_desk_email = models.EmailField(_("support desk e-mail"), blank=True)
    support_desk_hours = models.CharField(_("support desk hours"), max_length=200, blank=True)
    offers_maintenance_menu = models.BooleanField(
        _("offers a maintenance menu"),
        default=False,
        # With the menu and a proposed plan the chapter-6 clause is variant ③ (G6).
        help_text=_("When on and a plan is proposed in the deal, disclosures use clause ③ (maintenance menu)."),
    )
    vulnerability_policy = models.TextField(
        _("vulnerability-information policy"),
        blank=True,
        help_text=_("The reseller's standard for providing vulnerability information; printed in every disclosure."),
    )
    firmware_update_price = models.PositiveIntegerField(_("firmware update work: price (yen)"), null=True, blank=True)
    firmware_update_note = models.CharField(_("firmware update work: note"), max_length=300, blank=True)
    nonstandard_configuration_price = models.PositiveIntegerField(
        _("non-standard configuration: price (yen)"), null=True, blank=True
    )
    nonstandard_configuration_note = models.CharField(_("non-standard configuration: note"), max_length=300, blank=True)
    standard_setting_change_price = models.PositiveIntegerField(
        _("standard setting change: price (yen)"), null=True, blank=True
    )
    standard_setting_change_note = models.CharField(_("standard setting change: note"), max_length=300, blank=True)
    external_fault_price = models.PositiveIntegerField(
        _("faults caused by other equipment: price (yen)"), null=True, blank=True
    )
    external_fault_note = models.CharField(_("faults caused by other equipment: note"), max_length=300, blank=True)
    incident_response_price = models.PositiveIntegerField(
        _("incident response work: price (yen)"), null=True, blank=True
    )
    incident_response_note = models.CharField(_("incident response work: note"), max_length=300, blank=True)
    document_number_prefix = models.CharField(
        _("document number prefix"),
        max_length=20,
        default="KK",
        help_text=_("Prefix of disclosure and quote numbers."),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("retention period (years)"),
        default=10,
        help_text=_("How long issued disclosures and their evidence are kept."),
    )
    # The logo (kokuchi/core/logos.py checks it): kept in the database with the profile, so that
    # backups carry it and every process serves the same bytes. Its hash versions the public URL.
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_content_type = models.CharField(_("logo type"), max_length=20, blank=True, editable=False)
    logo_sha256 = models.CharField(_("logo SHA-256"), max_length=64, blank=True, editable=False)
    logo_width = models.PositiveIntegerField(_("logo width (px)"), null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(_("logo height (px)"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reseller profile")
        verbose_name_plural = _("reseller profile")

    def __str__(self) -> str:
        return self.company_name

    @classmethod
    def get(cls) -> Reseller:
        """Return the installation's reseller profile, creating an empty one if missing. The logo's
        bytes are left unloaded: pages link to it (logo_url) and only the logo view reads them."""
        reseller = cls.objects.defer("logo").order_by("pk").first()
        if reseller is None:
            reseller = cls.objects.create(company_name=str(_("(reseller name not set)")))
        return reseller

    @property
    def logo_url(self) -> str:
        """The public URL of the logo (versioned by its hash, so that it may be cached), or empty."""
        if not self.logo_sha256:
            return ""
        return f"{reverse('core:reseller_logo')}?v={self.logo_sha256[:16]}"

    @property
    def has_support_desk(self) -> bool:
        return bool(self.support_desk_name and (self.support_desk_phone or self.support_desk_email))

    def paid_services(self) -> list[dict]:
        """Return G5.2-1a–e as rows: requirement ID, label, note, price (None when unset)."""
        return [
            {
                "req_id": req_id,
                "label": label,
                "note": getattr(self, f"{stem}_note"),
                "price": getattr(self, f"{stem}_price"),
            }
            for req_id, stem, label in PAID_SERVICES
        ]


class ThrottleCounter(models.Model):
    """A failure count within a time window, shared by every process (kokuchi/core/throttles.py)."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    window_started = models.DateTimeField(_("window started"))

    class Meta:
        verbose_name = _("throttle counter")
        verbose_name_plural = _("throttle counters")

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.count}"
