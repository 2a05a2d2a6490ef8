"""Devices (bulk upsert by serial number) and maintenance contracts."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kokuchi.api.endpoints.base import (
    PROBLEM_JSON,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewMixin,
    ProblemSerializer,
    write_schema,
)
from kokuchi.api.errors import problem
from kokuchi.devices.filters import ContractFilter, DeviceFilter
from kokuchi.devices.models import ContractStatus, Device, MaintenanceContract
from kokuchi.devices.services import BulkUpsertRejected, DeviceRow, save_contract, upsert_devices

MAX_BULK_ITEMS = 10_000
# The largest id a 64-bit primary key can hold.
MAX_ID = 2**63 - 1


class DeviceSerializer(serializers.ModelSerializer):
    has_contract = serializers.BooleanField(read_only=True, help_text="A maintenance contract covers it today.")

    class Meta:
        model = Device
        fields = [
            "id",
            "product",
            "customer",
            "deal",
            "serial_number",
            "installation_site",
            "delivered_on",
            "firmware_at_sale",
            "current_firmware",
            "notes",
            "has_contract",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeviceItemSerializer(serializers.Serializer):
    """One device of a bulk upsert; (product, serial_number) finds an existing device."""

    product = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    customer = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    serial_number = serializers.CharField(max_length=100)
    deal = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None)
    installation_site = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    delivered_on = serializers.DateField(required=False, allow_null=True, default=None)
    firmware_at_sale = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class BulkUpsertSerializer(serializers.Serializer):
    items = DeviceItemSerializer(many=True, allow_empty=False, max_length=MAX_BULK_ITEMS)


class BulkUpsertResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())
    updated = serializers.ListField(child=serializers.IntegerField())
    unchanged = serializers.ListField(child=serializers.IntegerField())


@extend_schema_view(
    list=extend_schema(responses={200: DeviceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: DeviceSerializer, **READ_ERRORS}),
)
class DeviceViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Delivered devices (納入機器); written in bulk by serial number."""

    api_resource = "devices"
    queryset = Device.objects.with_contract_flag()
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter
    ordering_fields = ["id", "serial_number", "delivered_on"]

    @write_schema(
        request=BulkUpsertSerializer,
        responses={200: BulkUpsertResultSerializer, (422, PROBLEM_JSON): OpenApiResponse(ProblemSerializer)},
    )
    @action(detail=False, methods=["post"], url_path="bulk-upsert", serializer_class=BulkUpsertSerializer)
    def bulk_upsert(self, request):
        """Create or update up to 10,000 devices by (product, serial number), all or nothing: any
        error rejects the batch and lists every item's errors (``#/items/<index>/<field>``)."""
        serializer = BulkUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = [
            DeviceRow(
                product_id=item["product"],
                customer_id=item["customer"],
                serial_number=item["serial_number"].strip(),
                deal_id=item["deal"],
                installation_site=item["installation_site"],
                delivered_on=item["delivered_on"],
                firmware_at_sale=item["firmware_at_sale"].strip(),
                notes=item["notes"],
            )
            for item in serializer.validated_data["items"]
        ]
        try:
            result = upsert_devices(rows=rows)
        except BulkUpsertRejected as rejected:
            return problem(
                status_code=422,
                title="The batch was rejected; nothing was saved.",
                kind="bulk_rejected",
                errors=[
                    {"pointer": f"#/items/{e.index}/{e.field}", "detail": e.message, "code": "invalid"}
                    for e in rejected.errors
                ],
            )
        return Response(
            BulkUpsertResultSerializer(
                {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
            ).data
        )


class ContractSerializer(serializers.ModelSerializer):
    """A maintenance contract; written through save_contract, as in the staff UI."""

    device_count = serializers.IntegerField(read_only=True, help_text="How many devices it covers.")
    status = serializers.ChoiceField(
        choices=ContractStatus.choices, read_only=True, help_text="Computed for today (renewals included)."
    )
    devices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_BULK_ITEMS,
        write_only=True,
        required=False,
        help_text="Ids of the covered devices (the customer's own); replaces the list. Left out: unchanged.",
    )

    class Meta:
        model = MaintenanceContract
        fields = [
            "id",
            "customer",
            "plan",
            "deal",
            "contract_number",
            "devices",
            "device_count",
            "status",
            "start_date",
            "end_date",
            "auto_renewal",
            "renewal_term_months",
            "notice_period_days",
            "notice_given_on",
        ]

    def create(self, validated_data):
        device_ids = validated_data.pop("devices", None)
        return save_contract(contract=MaintenanceContract(**validated_data), device_ids=device_ids)

    def update(self, instance, validated_data):
        device_ids = validated_data.pop("devices", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_contract(contract=instance, device_ids=device_ids)


@extend_schema_view(
    list=extend_schema(responses={200: ContractSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: ContractSerializer, **READ_ERRORS}),
    create=write_schema(responses={201: ContractSerializer}),
    partial_update=extend_schema(responses={200: ContractSerializer, **WRITE_ERRORS}),
)
class ContractViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Maintenance contracts (保守契約) and the devices they cover. Notice is given by setting
    notice_given_on, as in the staff UI; contracts are not deleted."""

    api_resource = "contracts"
    # A contract can cover thousands of devices: count them rather than list their ids.
    queryset = MaintenanceContract.objects.annotate(
        device_count=Coalesce(
            Subquery(
                MaintenanceContract.devices.through.objects.filter(maintenancecontract=OuterRef("pk"))
                .order_by()
                .values("maintenancecontract")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
    )
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["id", "start_date", "end_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = serializer.save()
        return Response(self._shown(contract), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        contract = serializer.save()
        return Response(self._shown(contract))

    def _shown(self, contract: MaintenanceContract) -> dict:
        """The saved contract as a read shows it (with its device count)."""
        return self.get_serializer(self.get_queryset().get(pk=contract.pk)).data
