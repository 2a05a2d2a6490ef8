"""Open exposures of a device, a deal or a customer as badges, for the pages of the apps below
(devices, deals, customers) that cannot import exposures: the tag is loaded by their templates."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy

from kokuchi.customers.models import Customer
from kokuchi.deals.models import Deal
from kokuchi.devices.models import Device
from kokuchi.devices.selectors import with_open_exposure_counts

register = template.Library()


@register.inclusion_tag("includes/exposure_badges.html")
def open_exposures(subject: Device | Deal | Customer) -> dict:
    """Badges for the open exposures of `subject`: known exploited, high, and how many are open,
    each linking to the list where staff act on them."""
    if isinstance(subject, Device):
        row = with_open_exposure_counts(Device.objects.filter(pk=subject.pk)).get()
        url = reverse("exposures:device_exposures", args=[subject.pk])
    elif isinstance(subject, Deal):
        row = with_open_exposure_counts(Deal.objects.filter(pk=subject.pk), device_field="deal").get()
        url = reverse("exposures:customer_exposures", args=[subject.customer_id])
    else:
        row = with_open_exposure_counts(Customer.objects.filter(pk=subject.pk), device_field="customer").get()
        url = reverse("exposures:customer_exposures", args=[subject.pk])
    return {"row": row, "exposures_url": url}


# Confidence of a match (0–100, see exposures.matching) in the words staff act on.
CONFIDENCE_WORDS = ((90, gettext_lazy("Certain")), (60, gettext_lazy("Likely")), (0, gettext_lazy("Check needed")))


@register.filter
def confidence_words(confidence: int) -> str:
    """A match's confidence in plain words ("Certain" from 90, "Likely" from 60, else "Check needed")."""
    return str(next(words for floor, words in CONFIDENCE_WORDS if (confidence or 0) >= floor))
