from django.urls import path

from kokuchi.exposures import views

app_name = "exposures"

urlpatterns = [
    path("", views.ExposureListView.as_view(), name="exposure_list"),
    path("<int:pk>/status/", views.exposure_status_view, name="exposure_status"),
    path("<int:pk>/candidate/", views.exposure_candidate_view, name="exposure_candidate"),
    path("devices/<int:pk>/", views.device_exposures_view, name="device_exposures"),
    path("customers/<int:pk>/", views.CustomerExposureListView.as_view(), name="customer_exposures"),
    path("customers/<int:pk>/report.pdf", views.customer_report_view, name="customer_report"),
    path("products/<int:pk>/cpe/", views.product_cpe_view, name="product_cpe"),
    path("notices/<str:token>/", views.notice_read_view, name="notice_read"),
]
