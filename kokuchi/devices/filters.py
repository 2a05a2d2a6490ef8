import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import ProductCategory, ServicePlan
from kokuchi.core.ui import search_filter
from kokuchi.customers.models import Customer
from kokuchi.devices.models import Device, MaintenanceContract
from kokuchi.devices.selectors import contracts_ending_soon_ids

YES_NO = [("true", _("Yes")), ("false", _("No"))]
CONTRACT_CHOICES = [("under", _("Under contract")), ("without", _("Without contract"))]


class DeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.all())
    category = django_filters.ChoiceFilter(
        label=_("Category"), field_name="product__category", choices=ProductCategory.choices
    )
    contract = django_filters.ChoiceFilter(
        label=_("Maintenance contract"), choices=CONTRACT_CHOICES, method="filter_contract"
    )
    in_scope = django_filters.ChoiceFilter(label=_("In scope"), choices=YES_NO, method="filter_in_scope")
    delivered = django_filters.ChoiceFilter(label=_("Delivered"), choices=YES_NO, method="filter_delivered")

    class Meta:
        model = Device
        fields = ["q", "customer", "category", "contract", "in_scope", "delivered"]

    def search(self, queryset, name, value):
        return search_filter(
            queryset,
            value,
            [
                "serial_number",
                "product__model_number",
                "product__name",
                "customer__name",
                "customer__customer_code",
                "installation_site",
            ],
        )

    def filter_contract(self, queryset, name, value):
        # `has_contract` is annotated by DeviceQuerySet.with_contract_flag (today).
        return queryset.filter(has_contract=value == "under")

    def filter_in_scope(self, queryset, name, value):
        in_scope_ids = Device.objects.in_scope().values("pk")
        return queryset.filter(pk__in=in_scope_ids) if value == "true" else queryset.exclude(pk__in=in_scope_ids)

    def filter_delivered(self, queryset, name, value):
        return queryset.filter(delivered_on__isnull=value != "true")


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.all())
    plan = django_filters.ModelChoiceFilter(label=_("Service plan"), queryset=ServicePlan.objects.all())
    in_force = django_filters.ChoiceFilter(label=_("In force today"), choices=YES_NO, method="filter_in_force")
    ending_soon = django_filters.ChoiceFilter(
        label=_("Ending within 60 days"), choices=YES_NO, method="filter_ending_soon"
    )

    class Meta:
        model = MaintenanceContract
        fields = ["q", "customer", "plan", "in_force", "ending_soon"]

    def search(self, queryset, name, value):
        return search_filter(
            queryset, value, ["contract_number", "customer__name", "customer__customer_code", "plan__name"]
        )

    def filter_in_force(self, queryset, name, value):
        covering = MaintenanceContract.objects.covering(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=covering) if value == "true" else queryset.exclude(pk__in=covering)

    def filter_ending_soon(self, queryset, name, value):
        ending = contracts_ending_soon_ids(on=timezone.localdate())
        return queryset.filter(pk__in=ending) if value == "true" else queryset.exclude(pk__in=ending)
