from django.urls import path

from kokuchi.vulnerabilities import exposure_views, views

app_name = "vulnerabilities"

urlpatterns = [
    path("", views.vulnerability_list, name="list"),
    path("feeds/", views.feed_status, name="feed_status"),
    path("exposures/", exposure_views.exposure_list_view, name="exposure_list"),
    path("exposures/<int:pk>/status/", exposure_views.exposure_status_view, name="exposure_status"),
    path("devices/<int:pk>/exposures/", exposure_views.device_exposures_view, name="device_exposures"),
    path("customers/<int:pk>/exposures/", exposure_views.customer_exposures_view, name="customer_exposures"),
    path("customers/<int:pk>/report.pdf", exposure_views.customer_report_view, name="customer_report"),
    path("products/<int:pk>/cpe/", exposure_views.product_cpe_view, name="product_cpe"),
    path("notices/<str:token>/", exposure_views.notice_read_view, name="notice_read"),
    # Last: a vulnerability ID would otherwise shadow the fixed paths above.
    path("<str:vuln_id>/", views.vulnerability_detail, name="detail"),
]
