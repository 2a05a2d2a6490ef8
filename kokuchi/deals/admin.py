from django.contrib import admin

from kokuchi.core.admin import EvidenceReferencedAdmin, EvidenceReferencedInline
from kokuchi.deals.models import Deal, DealLine, ProposedPlan


class DealLineInline(EvidenceReferencedInline, admin.TabularInline):
    model = DealLine
    extra = 0
    autocomplete_fields = ["product"]


class ProposedPlanInline(admin.TabularInline):
    model = ProposedPlan
    extra = 0


@admin.register(Deal)
class DealAdmin(EvidenceReferencedAdmin):
    list_display = ["number", "title", "customer", "status", "opened_on", "sales_rep"]
    list_filter = ["status"]
    search_fields = ["number", "title", "customer__name", "customer__customer_code"]
    readonly_fields = ["number"]
    inlines = [DealLineInline, ProposedPlanInline]
