"""Open exposures of a device, a deal or a customer as badges, for the pages of the apps below
(devices, deals, customers) that cannot import exposures: the tag is loaded by their templates."""

from __future__ import annotations

from django import template
from django.urls import reverse

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
