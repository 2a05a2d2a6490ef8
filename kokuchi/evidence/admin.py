from django.contrib import admin

from kokuchi.core.admin import ReadOnlyAdmin
from kokuchi.evidence.models import EvidenceChainHead, EvidenceCheckpoint, EvidenceEvent

# Evidence is append-only (S-EVID): the admin may look, never add, change or delete.


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


@admin.register(EvidenceCheckpoint)
class EvidenceCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["id", "tree_size", "root_hash", "signed_at", "reason", "key_id"]
    list_filter = ["reason"]
    search_fields = ["root_hash", "head_hash", "key_id"]
