"""Customers with their contacts and self-maintenance assessments (S-SKILL)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kokuchi.api.endpoints.base import READ_ERRORS, WRITE_ERRORS, ApiViewMixin, write_schema
from kokuchi.api.endpoints.common import CleanModelSerializer
from kokuchi.customers.filters import CustomerFilter, with_latest_level
from kokuchi.customers.models import Contact, Customer, SkillAssessment
from kokuchi.customers.services import next_customer_code, record_assessment, save_contact


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "department", "title", "email", "phone", "is_primary"]


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SkillAssessment
        fields = [
            "id",
            "assessed_on",
            "has_it_staff",
            "has_security_owner",
            "update_practice",
            "can_check_network_settings",
            "has_incident_contact",
            "level",
            "notes",
        ]
        read_only_fields = ["level"]


class CustomerSerializer(CleanModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    assessments = AssessmentSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "customer_code",
            "name",
            "name_kana",
            "postal_code",
            "address",
            "phone",
            "notify_without_contract",
            "notes",
            "contacts",
            "assessments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "customer_code": {
                "required": False,
                "allow_blank": True,
                "help_text": "Left out or blank on create: the next code of the configured pattern (as the UI).",
            }
        }

    def validate(self, attrs):
        code = attrs.get("customer_code")
        if code is not None and not code.strip() and self.instance is not None:
            raise serializers.ValidationError({"customer_code": _("A customer keeps its customer code.")})
        if self.instance is None and not (code or "").strip():
            attrs["customer_code"] = next_customer_code()
        return super().validate(attrs)


@extend_schema_view(
    list=extend_schema(responses={200: CustomerSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: CustomerSerializer, **READ_ERRORS}),
    create=write_schema(responses={201: CustomerSerializer}),
    partial_update=extend_schema(responses={200: CustomerSerializer, **WRITE_ERRORS}),
)
class CustomerViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers (顧客) with their contacts and assessments."""

    api_resource = "customers"
    queryset = with_latest_level(Customer.objects.prefetch_related("contacts", "assessments"))
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["id", "customer_code", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @write_schema(request=ContactSerializer, responses={201: ContactSerializer})
    @action(detail=True, methods=["post"], serializer_class=ContactSerializer)
    def contacts(self, request, pk=None):
        """Add a contact; a primary contact demotes the customer's other contacts."""
        customer = self.get_object()
        serializer = ContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = save_contact(contact=Contact(customer=customer, **serializer.validated_data))
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @write_schema(request=AssessmentSerializer, responses={201: AssessmentSerializer})
    @action(detail=True, methods=["post"], serializer_class=AssessmentSerializer)
    def assessments(self, request, pk=None):
        """Record a self-maintenance assessment (S-SKILL); its level is computed."""
        customer = self.get_object()
        serializer = AssessmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = record_assessment(
            assessment=SkillAssessment(**serializer.validated_data), customer=customer, assessed_by=request.user
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)
