"""Devices (納入機器) and the maintenance contracts (保守契約) that cover them.

MaintenanceContract lives here rather than in deals because it points at devices, and devices
point at deals: keeping it here keeps imports (and migrations) flowing one way.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Product, ServicePlan
from kokuchi.core.models import TimeStampedModel
from kokuchi.customers.models import Customer
from kokuchi.deals.models import Deal


class FirmwareFrozenError(ValidationError):
    """Raised when code tries to overwrite the firmware version recorded at sale (G5.1-3)."""


class DeviceQuerySet(models.QuerySet):
    def in_scope(self):
        """Devices whose product is in the guideline's scope (G4)."""
        return self.filter(product__internet_connectable=True, product__firmware_updatable=True)

    def delivered(self):
        return self.filter(delivered_on__isnull=False)

    def under_contract(self, on: datetime.date | None = None):
        """Devices covered by a maintenance contract active on `on` (today by default)."""
        day = on or timezone.localdate()
        return self.filter(pk__in=_covered_device_ids(day))

    def without_contract(self, on: datetime.date | None = None):
        day = on or timezone.localdate()
        return self.exclude(pk__in=_covered_device_ids(day))

    def with_contract_flag(self, on: datetime.date | None = None):
        """Annotate `has_contract`: a maintenance contract active on `on` (today) covers the device."""
        covering = MaintenanceContract.objects.covering(on or timezone.localdate()).filter(
            devices=models.OuterRef("pk")
        )
        return self.annotate(has_contract=models.Exists(covering))


def _covered_device_ids(day: datetime.date):
    # Contracts without devices yield NULL, and NOT IN (…, NULL) matches nothing: drop them.
    return MaintenanceContract.objects.covering(day).filter(devices__isnull=False).values("devices")


class Device(TimeStampedModel):
    """A device (納入機器): one delivered unit of a product at one customer. The firmware version
    at sale (G5.1-3) is frozen once the device is delivered; later updates are kept as history
    (FirmwareChange) and change only `current_firmware`."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="devices", verbose_name=_("product"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="devices", verbose_name=_("customer"))
    deal = models.ForeignKey(
        Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="devices", verbose_name=_("deal")
    )
    serial_number = models.CharField(_("serial number"), max_length=100)
    installation_site = models.CharField(_("installation site"), max_length=200, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    firmware_at_sale = models.CharField(
        _("firmware version at sale"),
        max_length=80,
        blank=True,
        help_text=_("The latest firmware at the time of sale. Frozen once delivered."),
    )
    current_firmware = models.CharField(_("current firmware version"), max_length=80, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["customer__customer_code", "product__model_number", "serial_number"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "serial_number"],
                name="unique_device_serial",
                violation_error_message=_("A device of this product with this serial number exists."),
            ),
        ]
        # The API sorts by these, ties by id in the same direction (keyset cursor pages).
        indexes = [
            models.Index(fields=["serial_number", "id"], name="device_serial_id"),
            models.Index(fields=["delivered_on", "id"], name="device_delivered_id"),
        ]

    def __str__(self) -> str:
        return f"{self.product.model_number} {self.serial_number}"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = Device.objects.filter(pk=self.pk).values("delivered_on", "firmware_at_sale").first()
            if stored and stored["delivered_on"] is not None and stored["firmware_at_sale"] != self.firmware_at_sale:
                raise FirmwareFrozenError(
                    {
                        "firmware_at_sale": _(
                            "The firmware version at sale is frozen once the device "
                            "is delivered; record an update instead."
                        )
                    }
                )
        if not self.current_firmware:
            self.current_firmware = self.firmware_at_sale
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("devices:device_detail", args=[self.pk])

    @property
    def is_delivered(self) -> bool:
        return self.delivered_on is not None

    @property
    def firmware_behind_latest(self) -> bool:
        latest = self.product.latest_firmware
        return bool(latest and self.current_firmware and self.current_firmware != latest)

    def active_contracts(self, on: datetime.date | None = None):
        return self.contracts.covering(on or timezone.localdate())


class FirmwareChange(models.Model):
    """One firmware change on a delivered device: the history that keeps the version at sale."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="firmware_changes", verbose_name=_("device")
    )
    from_version = models.CharField(_("from version"), max_length=80, blank=True)
    to_version = models.CharField(_("to version"), max_length=80)
    changed_on = models.DateField(_("changed on"), default=timezone.localdate)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("recorded by")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_on", "-pk"]
        verbose_name = _("firmware change")
        verbose_name_plural = _("firmware changes")

    def __str__(self) -> str:
        return f"{self.device}: {self.from_version} → {self.to_version}"


class ContractStatus(models.TextChoices):
    FUTURE = "future", _("Not started")
    ACTIVE = "active", _("Active")
    NOTICE_PERIOD = "notice_period", _("In notice period")
    EXPIRED = "expired", _("Expired")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return `day` moved by `months`, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month_first = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_first - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


class MaintenanceContractQuerySet(models.QuerySet):
    def covering(self, day: datetime.date):
        """Contracts in force on `day`: started, and not past their end unless they renew
        automatically (an auto-renewing contract runs until notice is given)."""
        return self.filter(
            models.Q(start_date__lte=day)
            & (models.Q(end_date__gte=day) | models.Q(auto_renewal=True, notice_given_on__isnull=True))
        )


class MaintenanceContract(TimeStampedModel):
    """A maintenance contract (保守契約): the customer pays the reseller (or a third party) to
    handle vulnerabilities of the covered devices. Without one the customer bears that
    responsibility (G5.1-0, G5.3)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    plan = models.ForeignKey(
        ServicePlan, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("service plan")
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="contracts", verbose_name=_("deal")
    )
    contract_number = models.CharField(_("contract number"), max_length=40, blank=True)
    devices = models.ManyToManyField(Device, related_name="contracts", blank=True, verbose_name=_("covered devices"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    auto_renewal = models.BooleanField(_("automatic renewal"), default=False)
    renewal_term_months = models.PositiveSmallIntegerField(
        _("renewal term (months)"),
        default=12,
        help_text=_("Length of each automatic renewal."),
    )
    notice_period_days = models.PositiveIntegerField(
        _("notice period (days)"),
        default=30,
        help_text=_("Days before the end of a term by which either party must give notice."),
    )
    notice_given_on = models.DateField(_("notice given on"), null=True, blank=True)

    objects = MaintenanceContractQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("maintenance contract")
        verbose_name_plural = _("maintenance contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.name} / {self.plan.name} ({self.start_date}〜{self.end_date})"

    def get_absolute_url(self) -> str:
        return reverse("devices:contract_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    def term_end_on(self, day: datetime.date) -> datetime.date:
        """End of the term running on `day`. An auto-renewing contract rolls over by
        `renewal_term_months` at each end date; giving notice stops that (G: end_date is final)."""
        end = self.end_date
        # A zero-month term would never reach `day`: such a contract does not renew.
        term = self.renewal_term_months
        if self.auto_renewal and self.notice_given_on is None and term > 0 and end < day:
            # Jump to the first renewal that can reach `day` (an old contract may have renewed
            # hundreds of times), then step to the one that does.
            months_behind = (day.year - end.year) * 12 + day.month - end.month
            step = max(1, months_behind // term)
            end = add_months(self.end_date, term * step)
            while end < day:
                step += 1
                end = add_months(self.end_date, term * step)
        return end

    def notice_deadline_on(self, day: datetime.date) -> datetime.date:
        """The last day to give notice before the term running on `day` ends."""
        return self.term_end_on(day) - datetime.timedelta(days=self.notice_period_days)

    def status_on(self, day: datetime.date) -> ContractStatus:
        """Status on `day`. Future before the start; expired after the (possibly renewed) end;
        in its notice period from the day after the notice deadline to the end of the term
        (both inclusive); active otherwise."""
        if day < self.start_date:
            return ContractStatus.FUTURE
        if day > self.term_end_on(day):
            return ContractStatus.EXPIRED
        if day > self.notice_deadline_on(day):
            return ContractStatus.NOTICE_PERIOD
        return ContractStatus.ACTIVE

    @property
    def status(self) -> ContractStatus:
        return self.status_on(timezone.localdate())

    def covers_on(self, day: datetime.date) -> bool:
        return self.status_on(day) in (ContractStatus.ACTIVE, ContractStatus.NOTICE_PERIOD)
