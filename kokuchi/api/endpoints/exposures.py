"""Exposures (filter by customer, priority, status; change a status with a reason) and notices."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kokuchi.api.endpoints.base import READ_ERRORS, ApiViewMixin, write_schema
from kokuchi.exposures.filters import ExposureFilter
from kokuchi.exposures.models import Exposure, ExposureStatus, Notice
from kokuchi.exposures.status import change_exposure_status


class ExposureSerializer(serializers.ModelSerializer):
    vulnerability_id = serializers.CharField(source="vulnerability.vuln_id", read_only=True)

    class Meta:
        model = Exposure
        fields = [
            "id",
            "device",
            "customer",
            "vulnerability_id",
            "status",
            "priority",
            "method",
            "confidence",
            "explanation",
            "matched_firmware",
            "status_reason",
            "status_changed_at",
            "first_matched_at",
            "last_matched_at",
        ]
        read_only_fields = fields


class ExposureStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[ExposureStatus.OPEN, ExposureStatus.RISK_ACCEPTED, ExposureStatus.FALSE_POSITIVE]
    )
    reason = serializers.CharField(allow_blank=True, default="", max_length=2000)


@extend_schema_view(
    list=extend_schema(responses={200: ExposureSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: ExposureSerializer, **READ_ERRORS}),
)
class ExposureViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Exposures (影響): a delivered device matched to a vulnerability (S-VULN)."""

    api_resource = "exposures"
    queryset = Exposure.objects.select_related("vulnerability")
    serializer_class = ExposureSerializer
    filterset_class = ExposureFilter
    ordering_fields = ["id", "priority", "first_matched_at"]

    @write_schema(request=ExposureStatusSerializer, responses={200: ExposureSerializer})
    @action(detail=True, methods=["post"], url_path="status", serializer_class=ExposureStatusSerializer)
    def change_status(self, request, pk=None):
        """Accept the risk, mark a false positive, or reopen, with the reason kept in the history."""
        exposure = self.get_object()
        serializer = ExposureStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exposure = change_exposure_status(
            exposure=exposure,
            status=serializer.validated_data["status"],
            reason=serializer.validated_data["reason"],
            changed_by=request.user,
        )
        return Response(ExposureSerializer(exposure).data)


class NoticeSerializer(serializers.ModelSerializer):
    vulnerability_id = serializers.CharField(source="vulnerability.vuln_id", read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "customer", "vulnerability_id", "kind", "subject", "body", "created_at", "read"]
        read_only_fields = fields

    def get_read(self, notice: Notice) -> bool:
        return any(d.first_read_at is not None for d in notice.deliveries.all())


@extend_schema_view(
    list=extend_schema(responses={200: NoticeSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: NoticeSerializer, **READ_ERRORS}),
)
class NoticeViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Notices (お知らせ) sent to customers about vulnerabilities of their devices."""

    api_resource = "notices"
    queryset = Notice.objects.select_related("vulnerability").prefetch_related("deliveries")
    serializer_class = NoticeSerializer
    filterset_fields = ["customer", "kind"]
    ordering_fields = ["id", "created_at"]
