"""Filter sets of the exposures lists (bound to the query string; bad values are ignored)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kokuchi.customers.models import Customer
from kokuchi.exposures.models import Exposure, ExposureStatus, Priority


class CustomerExposureFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ExposureStatus.choices, empty_label=_("All"))

    class Meta:
        model = Exposure
        fields = ["status"]


class ExposureFilter(CustomerExposureFilter):
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=[(str(value), label) for value, label in Priority.choices], empty_label=_("All")
    )
    customer = django_filters.CharFilter(label=_("Customer code"), method="filter_customer_code")

    class Meta:
        model = Exposure
        fields = ["status", "priority", "customer"]

    def filter_customer_code(self, queryset: QuerySet[Exposure], name: str, value: str) -> QuerySet[Exposure]:
        # By the customer's primary key: the list then reads one index (customer, status, priority).
        customer_pk = Customer.objects.filter(customer_code=value.strip()).values_list("pk", flat=True).first()
        return queryset.filter(customer_id=customer_pk or 0)
