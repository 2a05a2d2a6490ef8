from django.contrib import admin

from kokuchi.acknowledgements.models import Acknowledgement, CustomerLink, CustomerLinkView


class KeptRecordAdmin(admin.ModelAdmin):
    """Acknowledgements and links are evidence: visible in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Acknowledgement)
class AcknowledgementAdmin(KeptRecordAdmin):
    list_display = ["version", "method", "signer_name", "signer_company", "acknowledged_at"]
    list_filter = ["method"]
    search_fields = ["signer_name", "signer_company", "version__document_number"]


@admin.register(CustomerLink)
class CustomerLinkAdmin(KeptRecordAdmin):
    list_display = [
        "version",
        "recipient_email",
        "created_at",
        "emailed_at",
        "reminder_number",
        "expires_at",
        "revoked_at",
    ]
    exclude = ["token_sha256"]


@admin.register(CustomerLinkView)
class CustomerLinkViewAdmin(KeptRecordAdmin):
    list_display = ["link", "day", "first_viewed_at", "views"]
