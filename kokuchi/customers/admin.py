from django.contrib import admin

from kokuchi.core.admin import EvidenceReferencedAdmin, EvidenceReferencedInline
from kokuchi.customers.models import Contact, Customer, SkillAssessment


class ContactInline(EvidenceReferencedInline, admin.TabularInline):
    model = Contact
    extra = 0


class SkillAssessmentInline(admin.StackedInline):
    model = SkillAssessment
    extra = 0
    readonly_fields = ["level"]


@admin.register(Customer)
class CustomerAdmin(EvidenceReferencedAdmin):
    list_display = ["customer_code", "name", "phone", "notify_without_contract"]
    search_fields = ["customer_code", "name", "name_kana"]
    inlines = [ContactInline, SkillAssessmentInline]
