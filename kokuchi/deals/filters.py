import django_filters
from django.utils.translation import gettext_lazy as _

from kokuchi.core.ui import search_filter
from kokuchi.customers.models import Customer
from kokuchi.deals.models import Deal, DealStatus


class DealFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DealStatus.choices)
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.all())
    undisclosed = django_filters.ChoiceFilter(
        label=_("Disclosure not issued"), choices=[("true", _("Yes"))], method="filter_undisclosed"
    )

    class Meta:
        model = Deal
        fields = ["q", "status", "customer", "undisclosed"]

    def filter_undisclosed(self, queryset, name, value):
        return queryset.filter(pk__in=Deal.objects.undisclosed().values("pk"))

    def search(self, queryset, name, value):
        return search_filter(
            queryset, value, ["number", "title", "customer__name", "customer__customer_code", "customer__name_kana"]
        )
