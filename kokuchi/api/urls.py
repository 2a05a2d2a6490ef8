"""/api/v1/: the resources, the OpenAPI schema and its documentation (served locally)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from kokuchi.api.endpoints.catalog import ManufacturerViewSet, ProductViewSet
from kokuchi.api.endpoints.customers import CustomerViewSet
from kokuchi.api.endpoints.deals import DealViewSet
from kokuchi.api.endpoints.devices import ContractViewSet, DeviceViewSet
from kokuchi.api.endpoints.disclosures import AcknowledgementViewSet, CustomerLinkViewSet, DisclosureViewSet
from kokuchi.api.endpoints.exposures import ExposureViewSet, NoticeViewSet
from kokuchi.api.endpoints.webhooks import SubscriptionViewSet

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

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
