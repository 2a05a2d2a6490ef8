"""Deals with their lines and proposed service plans (G5.1-4, G5.3)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from kokuchi.api.endpoints.base import READ_ERRORS, WRITE_ERRORS, ApiViewMixin, write_schema
from kokuchi.api.endpoints.common import CleanModelSerializer
from kokuchi.catalog.models import ServicePlan
from kokuchi.deals.filters import DealFilter
from kokuchi.deals.models import Deal, DealLine, DealStatus, ProposalResponse, ProposedPlan
from kokuchi.deals.services import change_deal_status, propose_plan, record_plan_answer, save_deal_line


class DealLineSerializer(CleanModelSerializer):
    class Meta:
        model = DealLine
        fields = ["id", "product", "quantity", "unit_price", "position"]


class ProposedPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposedPlan
        fields = ["id", "plan", "response", "decline_reason", "answered_on"]
        read_only_fields = ["response", "decline_reason", "answered_on"]


class PlanAnswerSerializer(serializers.Serializer):
    response = serializers.ChoiceField(choices=ProposalResponse.choices)
    decline_reason = serializers.CharField(required=False, allow_blank=True, default="")
    answered_on = serializers.DateField(required=False, allow_null=True, default=None)


class ProposeSerializer(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=ServicePlan.objects.all())


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DealStatus.choices)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class DealSerializer(CleanModelSerializer):
    # Active staff only, as the staff UI's deal form offers them.
    sales_rep = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    lines = DealLineSerializer(many=True, read_only=True)
    proposed_plans = ProposedPlanSerializer(many=True, read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "number",
            "title",
            "customer",
            "sales_rep",
            "status",
            "opened_on",
            "quoted_on",
            "quote_valid_until",
            "ordered_on",
            "delivered_on",
            "closed_on",
            "notes",
            "lines",
            "proposed_plans",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "quoted_on",
            "ordered_on",
            "delivered_on",
            "closed_on",
            "created_at",
            "updated_at",
        ]


@extend_schema_view(
    list=extend_schema(responses={200: DealSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: DealSerializer, **READ_ERRORS}),
    create=write_schema(responses={201: DealSerializer}),
    partial_update=extend_schema(responses={200: DealSerializer, **WRITE_ERRORS}),
)
class DealViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Deals (商談); the status moves only through the status action, as in the staff UI."""

    api_resource = "deals"
    queryset = Deal.objects.select_related("customer").prefetch_related("lines", "proposed_plans")
    serializer_class = DealSerializer
    filterset_class = DealFilter
    ordering_fields = ["id", "number", "opened_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @write_schema(request=DealLineSerializer, responses={201: DealLineSerializer})
    @action(detail=True, methods=["post"], serializer_class=DealLineSerializer)
    def lines(self, request, pk=None):
        """Add a line (product, quantity, unit price) to a deal not yet delivered or closed."""
        deal = self.get_object()
        serializer = DealLineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = save_deal_line(line=DealLine(deal=deal, **serializer.validated_data))
        return Response(DealLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @write_schema(request=ProposeSerializer, responses={201: ProposedPlanSerializer})
    @action(detail=True, methods=["post"], url_path="proposed-plans", serializer_class=ProposeSerializer)
    def proposed_plans(self, request, pk=None):
        """Record that a service plan was proposed in the deal (G5.1-4, G5.3)."""
        deal = self.get_object()
        serializer = ProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = propose_plan(deal=deal, plan=serializer.validated_data["plan"])
        return Response(ProposedPlanSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @write_schema(request=PlanAnswerSerializer, responses={200: ProposedPlanSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"proposed-plans/(?P<proposal_id>[0-9]+)/answer",
        serializer_class=PlanAnswerSerializer,
    )
    def answer_plan(self, request, pk=None, proposal_id=None):
        """Record the customer's answer to a proposed plan; a decline needs its reason (G5.3)."""
        deal = self.get_object()
        proposal = deal.proposed_plans.filter(pk=proposal_id).first()
        if proposal is None:
            raise NotFound()
        serializer = PlanAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = record_plan_answer(proposal=proposal, **serializer.validated_data)
        return Response(ProposedPlanSerializer(proposal).data)

    @write_schema(request=StatusSerializer, responses={200: DealSerializer})
    @action(detail=True, methods=["post"], url_path="status", serializer_class=StatusSerializer)
    def change_status(self, request, pk=None):
        """Move the deal to another status (quoted, ordered, delivered, closed, or back)."""
        deal = self.get_object()
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal = change_deal_status(
            deal=deal, status=serializer.validated_data["status"], user=request.user, on=serializer.validated_data["on"]
        )
        return Response(DealSerializer(self.get_queryset().get(pk=deal.pk)).data)
