from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Manufacturer, Product, ServicePlan
from kokuchi.core.admin import EvidenceReferencedAdmin


@admin.register(Manufacturer)
class ManufacturerAdmin(EvidenceReferencedAdmin):
    list_display = ["name_ja", "name_en", "vulnerability_info_url", "confirmation"]
    list_filter = ["verified"]
    search_fields = ["name_ja", "name_en", "slug"]

    def get_search_results(self, request, queryset, search_term):
        # The JSON lists are searched in Python: SQLite stores them with non-ASCII escaped.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            by_other_name = [m.pk for m in queryset if m.other_names_contain(search_term)]
            results |= queryset.filter(pk__in=by_other_name)
        return results, may_have_duplicates

    @admin.display(description=_("URL status"))
    def confirmation(self, obj):
        return _("Needs checking") if obj.needs_confirmation else _("Confirmed")


@admin.register(Product)
class ProductAdmin(EvidenceReferencedAdmin):
    list_display = [
        "model_number",
        "manufacturer",
        "category",
        "internet_connectable",
        "firmware_updatable",
        "latest_firmware",
        "jc_star_level",
    ]
    list_filter = ["category", "manufacturer", "internet_connectable", "firmware_updatable"]
    search_fields = ["model_number", "name", "manufacturer__name_ja", "manufacturer__name_en"]
    autocomplete_fields = ["manufacturer"]


@admin.register(ServicePlan)
class ServicePlanAdmin(EvidenceReferencedAdmin):
    list_display = ["name", "kind", "price", "is_third_party", "ipa_registration_number", "active"]
    list_filter = ["kind", "is_third_party", "active"]
    search_fields = ["name", "provider_name"]
