from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
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
    path("api/v1/", include("kokuchi.api.urls")),
    path("integrations/", include("kokuchi.api.staff_urls")),
    path("", include("kokuchi.core.urls")),
    path("", include("kokuchi.dashboard.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
