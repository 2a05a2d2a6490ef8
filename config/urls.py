from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kokuchi.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", core_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", core_views.two_factor_enrol, name="two_factor_enrol"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("catalog/", include("kokuchi.catalog.urls")),
    path("customers/", include("kokuchi.customers.urls")),
    path("deals/", include("kokuchi.deals.urls")),
    path("devices/", include("kokuchi.devices.urls")),
    path("vulnerabilities/", include("kokuchi.exposures.legacy_urls")),
    path("vulnerabilities/", include("kokuchi.vulnerabilities.urls")),
    path("exposures/", include("kokuchi.exposures.urls")),
    path("disclosures/", include("kokuchi.disclosures.urls")),
    path("ack/", include("kokuchi.acknowledgements.urls")),
    path("", include("kokuchi.operations.urls")),
    path("api/v1/", include("kokuchi.api.urls")),
    path("integrations/", include("kokuchi.api.staff_urls")),
    path("", include("kokuchi.core.urls")),
    path("", include("kokuchi.dashboard.urls")),
]
# Uploaded and generated files (MEDIA_ROOT) are never served as such, with or without DEBUG: each
# is answered by a view that checks the staff role or the customer's token.
