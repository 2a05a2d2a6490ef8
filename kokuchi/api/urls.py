"""/api/v1/: the resources, the OpenAPI schema and its documentation (served locally)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from kokuchi.api.endpoints.catalog import ManufacturerViewSet, ProductViewSet
from kokuchi.api.endpoints.customers import CustomerViewSet
from kokuchi.api.endpoints.deals import DealViewSet
from kokuchi.api.endpoints.devices import ContractViewSet, DeviceViewSet
from kokuchi.api.endpoints.disclosures import AcknowledgementViewSet, CustomerLinkViewSet, DisclosureViewSet
from kokuchi.api.endpoints.exposures import ExposureViewSet, NoticeViewSet
from kokuchi.api.endpoints.webhooks import SubscriptionViewSet
from kokuchi.api.errors import not_found

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("manufacturers", ManufacturerViewSet, basename="manufacturer")
router.register("products", ProductViewSet, basename="product")
router.register("customers", CustomerViewSet, basename="customer")
router.register("deals", DealViewSet, basename="deal")
router.register("devices", DeviceViewSet, basename="device")
router.register("contracts", ContractViewSet, basename="contract")
router.register("disclosures", DisclosureViewSet, basename="disclosure")
router.register("customer-links", CustomerLinkViewSet, basename="customer-link")
router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")
router.register("exposures", ExposureViewSet, basename="exposure")
router.register("notices", NoticeViewSet, basename="notice")
router.register("webhooks", SubscriptionViewSet, basename="webhook")

# The schema and its documentation describe shapes only; they are readable without a token.
PUBLIC = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="1", **PUBLIC), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **PUBLIC), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", **PUBLIC), name="redoc"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ answers 404 as a problem, not as the staff HTML page.
    re_path(r"^.*$", not_found),
]
