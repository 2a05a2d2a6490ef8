"""Exposures in the admin.

Matching results, status history, notices and their deliveries are records written by their
workflows (a status change must leave its history row, a notice's text is frozen when created,
a delivery holds the hash of the link sent): read-only here. Work items and sales leads are the
staff's own follow-up and may be edited.
"""

from django.contrib import admin

from kokuchi.core.admin import ReadOnlyAdmin
from kokuchi.exposures.models import (
    Exposure,
    ExposureStatusChange,
    FirmwareFinding,
    MatchRun,
    Notice,
    NoticeDelivery,
    SalesLead,
    WorkItem,
)


@admin.register(Exposure)
class ExposureAdmin(ReadOnlyAdmin):
    list_display = ["device", "vulnerability", "customer", "status", "priority", "method", "confidence"]
    list_filter = ["status", "priority", "method"]
    search_fields = ["vulnerability__vuln_id", "device__serial_number", "customer__customer_code"]
    list_select_related = ["device", "vulnerability", "customer"]
    show_full_result_count = False


@admin.register(FirmwareFinding)
class FirmwareFindingAdmin(ReadOnlyAdmin):
    list_display = ["product", "firmware", "vulnerability", "method", "confidence", "priority"]
    search_fields = ["vulnerability__vuln_id", "product__model_number", "firmware"]
    list_select_related = ["product", "vulnerability"]
    show_full_result_count = False


@admin.register(ExposureStatusChange)
class ExposureStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["exposure", "from_status", "to_status", "changed_by", "automatic", "changed_at"]
    list_filter = ["to_status", "automatic"]
    list_select_related = ["changed_by"]
    show_full_result_count = False


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = ["kind", "started_at", "finished_at", "succeeded", "created", "resolved", "unchanged"]
    list_filter = ["kind", "succeeded"]


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    list_display = ["customer", "vulnerability", "priority", "due_on", "status"]
    list_filter = ["status", "priority"]
    search_fields = ["customer__name", "customer__customer_code", "vulnerability__vuln_id"]
    list_select_related = ["customer", "vulnerability"]
    fields = ["customer", "vulnerability", "priority", "due_on", "status", "closed_at"]
    readonly_fields = ["customer", "vulnerability", "priority"]

    def has_add_permission(self, request):
        return False


@admin.register(SalesLead)
class SalesLeadAdmin(admin.ModelAdmin):
    list_display = ["customer", "vulnerability", "proposed_plan", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["customer__name", "customer__customer_code", "vulnerability__vuln_id"]
    list_select_related = ["customer", "vulnerability", "proposed_plan"]
    fields = ["customer", "vulnerability", "proposed_plan", "note", "status"]
    readonly_fields = ["customer", "vulnerability"]

    def has_add_permission(self, request):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["subject", "customer", "vulnerability", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "customer__name", "vulnerability__vuln_id"]
    list_select_related = ["customer", "vulnerability"]


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notice", "recipient", "status", "attempts", "sent_at", "first_read_at", "read_count"]
    list_filter = ["status"]
    search_fields = ["recipient"]
    exclude = ["token_sha256"]
    list_select_related = ["notice"]
