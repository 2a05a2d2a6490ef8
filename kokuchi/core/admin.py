from django.contrib import admin

from kokuchi.core.models import Reseller


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    list_display = ["company_name", "support_desk_name", "offers_maintenance_menu", "retention_years"]

    def has_add_permission(self, request):
        # One profile per installation.
        return not Reseller.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
