"""The calling integration's webhook subscriptions and their delivery log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kokuchi.api.endpoints.base import READ_ERRORS, WRITE_ERRORS, ApiViewMixin, write_schema
from kokuchi.api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from kokuchi.api.webhooks import create_subscription


class SubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "active", "created_at"]
        read_only_fields = ["created_at"]


class CreatedSubscriptionSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret; shown only in this answer.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "message_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(responses={200: SubscriptionSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: SubscriptionSerializer, **READ_ERRORS}),
    partial_update=extend_schema(responses={200: SubscriptionSerializer, **WRITE_ERRORS}),
    destroy=extend_schema(responses={204: None, **WRITE_ERRORS}),
)
class SubscriptionViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook subscriptions of the calling integration; payloads are signed with its secret."""

    api_resource = "webhooks"
    serializer_class = SubscriptionSerializer
    ordering_fields = ["id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookSubscription.objects.none()
        return WebhookSubscription.objects.filter(integration=self.request.auth.integration)

    @write_schema(request=SubscriptionSerializer, responses={201: CreatedSubscriptionSerializer})
    def create(self, request):
        serializer = SubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = create_subscription(
            integration=request.auth.integration,
            url=serializer.validated_data["url"],
            events=serializer.validated_data["events"],
        )
        data = SubscriptionSerializer(subscription).data | {"secret": subscription.secret}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DeliverySerializer(many=True), **READ_ERRORS})
    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request, pk=None):
        """The delivery log of this subscription, newest first."""
        subscription = self.get_object()
        queryset = WebhookDelivery.objects.filter(subscription=subscription).order_by("-pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
