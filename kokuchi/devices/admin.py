from django.contrib import admin

from kokuchi.core.admin import EvidenceReferencedAdmin
from kokuchi.devices.models import Device, FirmwareChange, MaintenanceContract


class FirmwareChangeInline(admin.TabularInline):
    model = FirmwareChange
    extra = 0
    readonly_fields = ["from_version", "to_version", "changed_on", "recorded_at", "recorded_by", "note"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Device)
class DeviceAdmin(EvidenceReferencedAdmin):
    list_display = ["serial_number", "product", "customer", "delivered_on", "firmware_at_sale", "current_firmware"]
    list_filter = ["product__category", "product__manufacturer"]
    search_fields = ["serial_number", "product__model_number", "customer__name", "customer__customer_code"]
    autocomplete_fields = ["product", "customer", "deal"]
    inlines = [FirmwareChangeInline]

    def get_readonly_fields(self, request, obj=None):
        # G5.1-3: the version at sale is frozen once the device is delivered.
        if obj is not None and obj.delivered_on:
            return ["firmware_at_sale", "current_firmware"]
        return []


@admin.register(MaintenanceContract)
class MaintenanceContractAdmin(EvidenceReferencedAdmin):
    list_display = ["customer", "plan", "start_date", "end_date", "auto_renewal", "status"]
    list_filter = ["plan", "auto_renewal"]
    search_fields = ["customer__name", "contract_number"]
    filter_horizontal = ["devices"]
