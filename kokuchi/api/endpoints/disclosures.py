"""Disclosures (issue, status, signed PDF) and acknowledgements (customer links, status)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kokuchi.acknowledgements.models import Acknowledgement, CustomerLink
from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.api.endpoints.base import PROBLEM_JSON, READ_ERRORS, ApiViewMixin, write_schema
from kokuchi.api.errors import problem
from kokuchi.customers.models import Contact
from kokuchi.deals.models import Deal
from kokuchi.disclosures.checks import PreIssueBlocked, WarningsNotAcknowledged, run_pre_issue_check
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.disclosures.services import issue_disclosure
from kokuchi.evidence.models import Channel
from kokuchi.evidence.services import Origin


class VersionStatus:
    ISSUED = "issued"
    SUPERSEDED = "superseded"
    ACKNOWLEDGED = "acknowledged"


class DisclosureSerializer(serializers.ModelSerializer):
    deal = serializers.IntegerField(source="disclosure.deal_id", read_only=True)
    status = serializers.SerializerMethodField()
    acknowledged_at = serializers.SerializerMethodField()

    class Meta:
        model = DisclosureVersion
        fields = [
            "id",
            "deal",
            "number",
            "document_number",
            "template_version",
            "sha256",
            "issued_at",
            "superseded_by",
            "superseded_at",
            "status",
            "acknowledged_at",
        ]
        read_only_fields = fields

    def _acknowledgement(self, version: DisclosureVersion) -> Acknowledgement | None:
        return getattr(version, "acknowledgement", None)

    def get_status(self, version: DisclosureVersion) -> str:
        if self._acknowledgement(version) is not None:
            return VersionStatus.ACKNOWLEDGED
        if version.superseded_by_id is not None:
            return VersionStatus.SUPERSEDED
        return VersionStatus.ISSUED

    def get_acknowledged_at(self, version: DisclosureVersion) -> str | None:
        acknowledgement = self._acknowledgement(version)
        return acknowledgement.acknowledged_at.isoformat() if acknowledgement else None


class IssueSerializer(serializers.Serializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all())
    acknowledged_warnings = serializers.DictField(
        child=serializers.CharField(max_length=2000),
        required=False,
        default=dict,
        help_text='Warnings of the pre-issue check accepted by staff: "<code>:<device_id or ->" → the reason.',
    )


class CheckItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    device_id = serializers.IntegerField(allow_null=True)
    requirement_id = serializers.CharField()


class PreIssueCheckSerializer(serializers.Serializer):
    deal = serializers.IntegerField()
    ok = serializers.BooleanField(help_text="Nothing blocks issuing (warnings still need a reason each).")
    blocking = CheckItemSerializer(many=True)
    warnings = CheckItemSerializer(many=True)


class CheckQuerySerializer(serializers.Serializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all())


class RefusedIssueSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField()
    items = CheckItemSerializer(many=True)


@extend_schema_view(
    list=extend_schema(responses={200: DisclosureSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: DisclosureSerializer, **READ_ERRORS}),
)
class DisclosureViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Issued disclosure versions (告知書), frozen and PAdES-signed (S-EVID)."""

    api_resource = "disclosures"
    queryset = DisclosureVersion.objects.select_related("disclosure", "acknowledgement").defer("html", "pdf")
    serializer_class = DisclosureSerializer
    filterset_fields = {"disclosure__deal": ["exact"]}
    ordering_fields = ["id", "issued_at"]

    @extend_schema(parameters=[CheckQuerySerializer], responses={200: PreIssueCheckSerializer, **READ_ERRORS})
    @action(detail=False, methods=["get"], url_path="pre-issue-check", filter_backends=[], pagination_class=None)
    def pre_issue_check(self, request):
        """Run the pre-issue check of a deal: what blocks issuing, and the warnings staff must
        accept with a reason."""
        query = CheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deal = query.validated_data["deal"]
        check = run_pre_issue_check(deal=deal)
        return Response(
            {
                "deal": deal.pk,
                "ok": check.ok,
                "blocking": [item.as_dict() for item in check.blocking],
                "warnings": [item.as_dict() for item in check.warnings],
            }
        )

    @write_schema(
        request=IssueSerializer,
        responses={201: DisclosureSerializer, (422, PROBLEM_JSON): OpenApiResponse(RefusedIssueSerializer)},
    )
    def create(self, request):
        """Issue the deal's disclosure: the pre-issue check runs, then a new version is rendered,
        signed and frozen. Blocking items, or warnings without a reason, refuse it (422)."""
        serializer = IssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            version = issue_disclosure(
                deal=serializer.validated_data["deal"],
                issued_by=request.user,
                acknowledged_warnings=serializer.validated_data["acknowledged_warnings"],
            )
        except PreIssueBlocked as refused:
            return problem(
                status_code=422,
                title=_("The pre-issue check found blocking items."),
                kind="pre_issue_blocked",
                items=[item.as_dict() for item in refused.items],
            )
        except WarningsNotAcknowledged as refused:
            return problem(
                status_code=422,
                title=_("Warnings of the pre-issue check need a reason each."),
                kind="warnings_not_acknowledged",
                items=[item.as_dict() for item in refused.items],
            )
        return Response(DisclosureSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The signed PDF exactly as issued (its sha256 is the version's)."""
        version = self.get_object()
        pdf = DisclosureVersion.objects.filter(pk=version.pk).values_list("pdf", flat=True).get()
        response = HttpResponse(bytes(pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{version.filename}"'
        return response


class LinkSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = CustomerLink
        fields = [
            "id",
            "version",
            "contact",
            "recipient_email",
            "created_at",
            "expires_at",
            "revoked_at",
            "reminder_of",
            "reminder_number",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, link: CustomerLink) -> str:
        if Acknowledgement.objects.filter(link=link).exists():
            return "acknowledged"
        if link.replaced_by_reminder():
            return "replaced"
        if link.is_revoked:
            return "revoked"
        if link.is_expired():
            return "expired"
        return "open"


class NewLinkSerializer(serializers.Serializer):
    version = serializers.PrimaryKeyRelatedField(queryset=DisclosureVersion.objects.defer("html", "pdf"))
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    days = serializers.IntegerField(min_value=1, max_value=90, default=14)


class CreatedLinkSerializer(LinkSerializer):
    url = serializers.CharField(read_only=True, help_text="The customer's link; shown only in this answer.")
    emailed = serializers.BooleanField(read_only=True)

    class Meta(LinkSerializer.Meta):
        fields = [*LinkSerializer.Meta.fields, "url", "emailed"]
        read_only_fields = fields


class AcknowledgementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "version",
            "method",
            "items",
            "signer_name",
            "signer_title",
            "signer_company",
            "acknowledged_at",
            "receipt_sha256",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(responses={200: LinkSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: LinkSerializer, **READ_ERRORS}),
)
class CustomerLinkViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customer links (確認用リンク) that let a customer read and acknowledge a disclosure."""

    api_resource = "acknowledgements"
    queryset = CustomerLink.objects.all()
    serializer_class = LinkSerializer
    filterset_fields = ["version"]
    ordering_fields = ["id", "created_at"]

    @write_schema(request=NewLinkSerializer, responses={201: CreatedLinkSerializer})
    def create(self, request):
        """Create a link for an issued version and e-mail it to the contact when given; the URL
        is in this answer only (only its hash is stored)."""
        serializer = NewLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = create_customer_link(
            version=serializer.validated_data["version"],
            created_by=request.user,
            origin=Origin.from_request(request, channel=Channel.API),
            contact=serializer.validated_data.get("contact"),
            days=serializer.validated_data["days"],
        )
        data = LinkSerializer(new.link).data | {"url": new.url, "emailed": new.emailed}
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: AcknowledgementSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: AcknowledgementSerializer, **READ_ERRORS}),
)
class AcknowledgementViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Acknowledgements (受領確認) recorded for issued versions."""

    api_resource = "acknowledgements"
    queryset = Acknowledgement.objects.all()
    serializer_class = AcknowledgementSerializer
    filterset_fields = ["version", "method"]
    ordering_fields = ["id", "acknowledged_at"]
