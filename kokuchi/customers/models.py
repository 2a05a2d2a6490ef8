"""Customers (利用者): the businesses that buy and operate the devices, and their capacity to
maintain them (S-SKILL)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kokuchi.core.models import TimeStampedModel


class SelfMaintenanceLevel(models.TextChoices):
    CAPABLE = "capable", _("Can maintain itself")
    NEEDS_SUPPORT = "needs_support", _("Needs support")
    DIFFICULT = "difficult", _("Self-maintenance difficult")


class Customer(TimeStampedModel):
    """A customer (利用者): the business that buys devices from the reseller and, unless it
    contracts maintenance, is itself responsible for their vulnerabilities (G5.1-0)."""

    customer_code = models.CharField(_("customer code"), max_length=40, unique=True)
    name = models.CharField(_("company name"), max_length=200)
    name_kana = models.CharField(_("company name (kana)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notify_without_contract = models.BooleanField(
        _("send vulnerability notices without a contract"),
        default=False,
        help_text=_(
            "The reseller opted in to send informational notices to this customer even "
            "for devices without a maintenance contract."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["customer_code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.name}（{self.customer_code}）"

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    @property
    def latest_assessment(self) -> SkillAssessment | None:
        return self.assessments.order_by("-assessed_on", "-pk").first()

    @property
    def self_maintenance_level(self) -> str | None:
        assessment = self.latest_assessment
        return assessment.level if assessment else None

    @property
    def primary_contact(self) -> Contact | None:
        return self.contacts.order_by("-is_primary", "pk").first()


class Contact(TimeStampedModel):
    """A person at the customer: receives disclosures, notices and customer links."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class UpdatePractice(models.TextChoices):
    AUTOMATIC_OR_SCHEDULED = "scheduled", _("Applied regularly by own staff")
    WHEN_NOTIFIED = "when_notified", _("Applied when someone notices")
    NEVER = "never", _("Not applied / unknown")
    OUTSOURCED = "outsourced", _("Outsourced to a vendor")


class SkillAssessment(TimeStampedModel):
    """The self-maintenance assessment (S-SKILL): a short questionnaire on the customer's
    capacity to maintain its devices, kept with its date. Its level decides how strongly
    maintenance is proposed (G2, G5.3)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("customer")
    )
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("assessed by")
    )
    has_it_staff = models.BooleanField(_("has IT staff"), default=False)
    has_security_owner = models.BooleanField(_("has a person responsible for security"), default=False)
    update_practice = models.CharField(
        _("how updates are applied"), max_length=20, choices=UpdatePractice.choices, default=UpdatePractice.NEVER
    )
    can_check_network_settings = models.BooleanField(_("someone can check network settings"), default=False)
    has_incident_contact = models.BooleanField(_("has an incident contact (internal or external)"), default=False)
    level = models.CharField(_("level"), max_length=20, choices=SelfMaintenanceLevel.choices, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("self-maintenance assessment")
        verbose_name_plural = _("self-maintenance assessments")

    def __str__(self) -> str:
        return f"{self.customer} {self.assessed_on} {self.get_level_display()}"

    def save(self, *args, **kwargs):
        self.level = self.compute_level()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"level"}
        super().save(*args, **kwargs)

    def score(self) -> int:
        """One point per capability; updates outsourced count as practised."""
        practice_ok = self.update_practice in {UpdatePractice.AUTOMATIC_OR_SCHEDULED, UpdatePractice.OUTSOURCED}
        return sum(
            [
                self.has_it_staff,
                self.has_security_owner,
                practice_ok,
                self.can_check_network_settings,
                self.has_incident_contact,
            ]
        )

    def compute_level(self) -> str:
        """5 or 4 points with IT staff: capable; 2–3 (or 4 without staff): needs support; else difficult."""
        score = self.score()
        if score >= 4 and self.has_it_staff:
            return SelfMaintenanceLevel.CAPABLE
        if score >= 2:
            return SelfMaintenanceLevel.NEEDS_SUPPORT
        return SelfMaintenanceLevel.DIFFICULT
