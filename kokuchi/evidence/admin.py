from django.contrib import admin

from kokuchi.evidence.models import EvidenceChainHead, EvidenceEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence is append-only: the admin may look but never add, change or delete (S-EVID)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EvidenceEvent)
class EvidenceEventAdmin(ReadOnlyAdmin):
    list_display = [
        "sequence",
        "event_type",
        "occurred_at",
        "actor_name",
        "channel",
        "deal_number",
        "disclosure_version_id",
    ]
    list_filter = ["event_type", "channel"]
    search_fields = ["deal_number", "actor_name", "document_sha256", "hash"]


@admin.register(EvidenceChainHead)
class EvidenceChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["last_sequence", "last_hash"]
