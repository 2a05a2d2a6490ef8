from django.contrib import admin

from kokuchi.core.models import Reseller, ThrottleCounter


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that are records (evidence, issued documents, feed data, match history): the admin
    shows them and never adds, changes or deletes one; their own workflows write them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    list_display = ["company_name", "support_desk_name", "offers_maintenance_menu", "retention_years"]

    def has_add_permission(self, request):
        # One profile per installation.
        return not Reseller.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ThrottleCounter)
class ThrottleCounterAdmin(ReadOnlyAdmin):
    """Shared failure counts (customer-link guesses); keys are hashes, so nothing here names a client.
    Deleting a counter lifts its limit at once."""

    list_display = ["key", "count", "window_started"]

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)
