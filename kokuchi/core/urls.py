from django.urls import path

from kokuchi.core import views

app_name = "core"

urlpatterns = [
    path("reseller/", views.reseller_detail, name="reseller_detail"),
    path("reseller/edit/", views.ResellerUpdateView.as_view(), name="reseller_edit"),
    path("reseller/logo/", views.reseller_logo, name="reseller_logo"),
]
