"""Paths these pages had under /vulnerabilities/ before the exposures app existed.

The notice link was sent to customers by e-mail, so it keeps serving the page itself: a redirect
would put the token into a second request line and another log entry. The staff pages redirect
permanently to their new paths.
"""

from collections.abc import Callable

from django.http import HttpResponseBase
from django.urls import path
from django.views.generic import RedirectView

from kokuchi.exposures import views


def _moved(pattern_name: str) -> Callable[..., HttpResponseBase]:
    return RedirectView.as_view(pattern_name=pattern_name, permanent=True, query_string=True)


urlpatterns = [
    path("notices/<str:token>/", views.notice_read_view, name="legacy_notice_read"),
    path("exposures/", _moved("exposures:exposure_list")),
    path("devices/<int:pk>/exposures/", _moved("exposures:device_exposures")),
    path("customers/<int:pk>/exposures/", _moved("exposures:customer_exposures")),
    path("customers/<int:pk>/report.pdf", _moved("exposures:customer_report")),
    path("products/<int:pk>/cpe/", _moved("exposures:product_cpe")),
]
