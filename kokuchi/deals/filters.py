import django_filters
from django.utils.translation import gettext_lazy as _

from kokuchi.core.ui import search_filter
from kokuchi.customers.models import Customer
from kokuchi.deals.models import Deal, DealStatus


class DealFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DealStatus.choices)
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.all())

    class Meta:
        model = Deal
        fields = ["q", "status", "customer"]

    def search(self, queryset, name, value):
        return search_filter(
            queryset, value, ["number", "title", "customer__name", "customer__customer_code", "customer__name_kana"]
        )
