from django.contrib import admin

from kokuchi.api.models import ApiToken, ApiWrite, IdempotencyRecord, Integration, WebhookDelivery, WebhookSubscription


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Integration)
class IntegrationAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["integration", "prefix", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["token_sha256"]


@admin.register(ApiWrite)
class ApiWriteAdmin(ReadOnlyAdmin):
    list_display = ["at", "token", "method", "path", "status_code"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["integration", "url", "active"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event_type", "status", "attempts", "last_status_code"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "token", "key", "status_code"]
    exclude = ["response_body"]
