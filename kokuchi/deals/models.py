"""Deals (見積・契約): what is sold to a customer, and which service plans were proposed (G5.3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Product, ServicePlan
from kokuchi.core.models import TimeStampedModel
from kokuchi.customers.models import Customer

CONSUMPTION_TAX_RATE = Decimal("0.10")


class DealStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUOTED = "quoted", _("Quoted")
    ORDERED = "ordered", _("Ordered")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")


# Allowed forward steps; a deal may also step back one stage before delivery (a re-quote).
DEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    DealStatus.DRAFT: frozenset({DealStatus.QUOTED}),
    DealStatus.QUOTED: frozenset({DealStatus.DRAFT, DealStatus.ORDERED}),
    DealStatus.ORDERED: frozenset({DealStatus.QUOTED, DealStatus.DELIVERED}),
    DealStatus.DELIVERED: frozenset({DealStatus.CLOSED}),
    DealStatus.CLOSED: frozenset(),
}


class DealQuerySet(models.QuerySet):
    def delivered(self):
        return self.filter(status__in=[DealStatus.DELIVERED, DealStatus.CLOSED])

    def undisclosed(self):
        """Past the draft stage with no issued sale-time disclosure (告知書) yet: the guideline
        asks for it before or at the sale (G5.2-0). The disclosures app (above) issues versions
        under the reverse relation `disclosure__versions`."""
        return self.filter(status__in=[DealStatus.QUOTED, DealStatus.ORDERED, DealStatus.DELIVERED]).exclude(
            disclosure__versions__isnull=False
        )


class Deal(TimeStampedModel):
    """A deal (見積・契約) with one customer: its lines, its status and the service plans
    proposed during the sale (G5.1-4, G5.3). Its number identifies it in the UI and the CLI."""

    number = models.CharField(_("deal number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals", verbose_name=_("customer"))
    sales_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("sales rep"),
    )
    status = models.CharField(_("status"), max_length=20, choices=DealStatus.choices, default=DealStatus.DRAFT)
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    quoted_on = models.DateField(_("quoted on"), null=True, blank=True)
    quote_valid_until = models.DateField(_("quote valid until"), null=True, blank=True)
    ordered_on = models.DateField(_("ordered on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = self._next_number()
        super().save(*args, **kwargs)

    def _next_number(self) -> str:
        year = (self.opened_on or timezone.localdate()).year
        prefix = f"D{year}-"
        last = (
            Deal.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
        )
        sequence = int(last.removeprefix(prefix)) + 1 if last else 1
        return f"{prefix}{sequence:04d}"

    def get_absolute_url(self) -> str:
        return reverse("deals:deal_detail", args=[self.pk])

    @property
    def subtotal(self) -> int:
        return sum(line.amount for line in self.lines.all())

    @property
    def tax(self) -> int:
        # 消費税: rounded down to the yen, the common practice on Japanese quotes.
        return int(Decimal(self.subtotal) * CONSUMPTION_TAX_RATE)

    @property
    def total(self) -> int:
        return self.subtotal + self.tax

    @property
    def has_network_device(self) -> bool:
        return any(line.product.is_network_device for line in self.lines.select_related("product"))

    def can_transition_to(self, status: str) -> bool:
        return status in DEAL_TRANSITIONS[self.status]


class DealLine(models.Model):
    """One line of a deal: a product, a quantity and a unit price (税抜)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("deal"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="deal_lines", verbose_name=_("product"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.PositiveIntegerField(_("unit price (yen, excl. tax)"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="deal_line_quantity_positive",
                violation_error_message=_("The quantity must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


class ProposalResponse(models.TextChoices):
    PENDING = "pending", _("Awaiting answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class ProposedPlan(TimeStampedModel):
    """A service plan proposed in a deal (G5.1-4, G5.3, G5.4) and the customer's answer. A
    decline keeps its reason: it is what the disclosure's no-liability statement rests on."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proposed_plans", verbose_name=_("deal"))
    plan = models.ForeignKey(
        ServicePlan, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("service plan")
    )
    response = models.CharField(
        _("answer"), max_length=20, choices=ProposalResponse.choices, default=ProposalResponse.PENDING
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("proposed plan")
        verbose_name_plural = _("proposed plans")
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "plan"],
                name="unique_plan_per_deal",
                violation_error_message=_("This plan is already proposed in the deal."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.get_response_display()})"

    def clean(self) -> None:
        super().clean()
        if self.response == ProposalResponse.DECLINED and not self.decline_reason.strip():
            raise ValidationError({"decline_reason": _("A declined plan needs the customer's reason.")})
