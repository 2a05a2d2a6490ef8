import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Manufacturer, Product, ProductCategory, ServicePlan, ServicePlanKind
from kokuchi.core.ui import search_filter

YES_NO = [("true", _("Yes")), ("false", _("No"))]


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    manufacturer = django_filters.ModelChoiceFilter(label=_("Manufacturer"), queryset=Manufacturer.objects.all())
    category = django_filters.ChoiceFilter(label=_("Category"), choices=ProductCategory.choices)
    in_scope = django_filters.ChoiceFilter(label=_("In scope"), choices=YES_NO, method="filter_in_scope")

    class Meta:
        model = Product
        fields = ["q", "manufacturer", "category", "in_scope"]

    def search(self, queryset, name, value):
        return search_filter(
            queryset, value, ["model_number", "name", "manufacturer__name_ja", "manufacturer__name_en"]
        )

    def filter_in_scope(self, queryset, name, value):
        in_scope = models.Q(internet_connectable=True, firmware_updatable=True)
        return queryset.filter(in_scope) if value == "true" else queryset.exclude(in_scope)


class ManufacturerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    needs_confirmation = django_filters.ChoiceFilter(
        label=_("Needs checking (要確認)"), choices=YES_NO, method="filter_needs_confirmation"
    )

    class Meta:
        model = Manufacturer
        fields = ["q", "needs_confirmation"]

    def search(self, queryset, name, value):
        by_other_name = [m.pk for m in queryset if m.other_names_contain(value)]
        return search_filter(queryset, value, ["name_ja", "name_en", "slug"]) | queryset.filter(pk__in=by_other_name)

    def filter_needs_confirmation(self, queryset, name, value):
        unconfirmed = models.Q(verified=False) | models.Q(vulnerability_info_url="")
        return queryset.filter(unconfirmed) if value == "true" else queryset.exclude(unconfirmed)


class ServicePlanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ServicePlanKind.choices)
    active = django_filters.ChoiceFilter(label=_("Active"), choices=YES_NO, method="filter_active")

    class Meta:
        model = ServicePlan
        fields = ["q", "kind", "active"]

    def search(self, queryset, name, value):
        return search_filter(queryset, value, ["name", "provider_name", "description"])

    def filter_active(self, queryset, name, value):
        return queryset.filter(active=value == "true")
