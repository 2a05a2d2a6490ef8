from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Manufacturer, Product, ServicePlan


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin):
    list_display = ["name_ja", "name_en", "vulnerability_info_url", "confirmation"]
    list_filter = ["verified"]
    search_fields = ["name_ja", "name_en", "slug", "cpe_vendor"]

    @admin.display(description=_("URL status"))
    def confirmation(self, obj):
        return _("Needs checking") if obj.needs_confirmation else _("Confirmed")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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
class ServicePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "price", "is_third_party", "ipa_registration_number", "active"]
    list_filter = ["kind", "is_third_party", "active"]
    search_fields = ["name", "provider_name"]
