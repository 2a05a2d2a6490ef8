from django.contrib import admin

from kokuchi.core.admin import ReadOnlyAdmin
from kokuchi.disclosures.models import ClauseOverride, Disclosure, DisclosureVersion, DocumentTemplate, FirmwareUnknown


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin):
    list_display = ["deal", "created_at"]


@admin.register(DisclosureVersion)
class DisclosureVersionAdmin(ReadOnlyAdmin):
    list_display = ["document_number", "number", "issued_at", "issued_by", "template_version", "superseded_at"]
    exclude = ["pdf", "html"]
    readonly_fields = [
        "disclosure",
        "number",
        "document_number",
        "template_version",
        "clause_family",
        "clause_option",
        "sha256",
        "issued_at",
        "issued_by",
        "superseded_by",
        "superseded_at",
        "acknowledged_warnings",
        "facts",
        "changes",
    ]


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(ReadOnlyAdmin):
    list_display = ["kind", "version", "note", "created_at", "created_by"]


@admin.register(ClauseOverride)
class ClauseOverrideAdmin(ReadOnlyAdmin):
    list_display = ["deal", "family", "option", "reason", "set_by", "set_at"]


@admin.register(FirmwareUnknown)
class FirmwareUnknownAdmin(ReadOnlyAdmin):
    list_display = ["device", "reason", "marked_by", "marked_at"]
