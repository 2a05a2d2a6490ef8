"""Manufacturers and products."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from kokuchi.api.endpoints.base import READ_ERRORS, WRITE_ERRORS, ApiViewMixin
from kokuchi.api.endpoints.common import CleanModelSerializer
from kokuchi.catalog.filters import ManufacturerFilter, ProductFilter
from kokuchi.catalog.models import Manufacturer, Product
from kokuchi.core.roles import Role


class ManufacturerSerializer(CleanModelSerializer):
    class Meta:
        model = Manufacturer
        fields = [
            "id",
            "slug",
            "name_ja",
            "name_en",
            "vulnerability_info_url",
            "support_url",
            "csaf_provider_metadata_url",
            "verified",
            "cpe_vendors",
            "aliases",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["verified", "created_at", "updated_at"]


class ProductSerializer(CleanModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "manufacturer",
            "model_number",
            "name",
            "category",
            "internet_connectable",
            "firmware_updatable",
            "latest_firmware",
            "latest_firmware_date",
            "end_of_sale",
            "end_of_support",
            "hardware_cpe",
            "firmware_cpe",
            "jc_star_level",
            "jc_star_registration_number",
            "jc_star_issued_on",
            "jc_star_expires_on",
            "jc_star_product_page_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


@extend_schema_view(
    list=extend_schema(responses={200: ManufacturerSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: ManufacturerSerializer, **READ_ERRORS}),
    create=extend_schema(responses={201: ManufacturerSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(responses={200: ManufacturerSerializer, **WRITE_ERRORS}),
)
class ManufacturerViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Manufacturers (メーカー); only admins change them, as in the staff UI."""

    api_resource = "manufacturers"
    write_roles = (Role.ADMIN,)
    queryset = Manufacturer.objects.all()
    serializer_class = ManufacturerSerializer
    filterset_class = ManufacturerFilter
    ordering_fields = ["id", "slug", "name_ja"]
    http_method_names = ["get", "post", "patch", "head", "options"]


@extend_schema_view(
    list=extend_schema(responses={200: ProductSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: ProductSerializer, **READ_ERRORS}),
    create=extend_schema(responses={201: ProductSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(responses={200: ProductSerializer, **WRITE_ERRORS}),
)
class ProductViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Products (製品) of the catalogue."""

    api_resource = "products"
    queryset = Product.objects.select_related("manufacturer")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["id", "model_number", "end_of_support"]
    http_method_names = ["get", "post", "patch", "head", "options"]
