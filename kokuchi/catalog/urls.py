from django.urls import path

from kokuchi.catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", views.ProductUpdateView.as_view(), name="product_edit"),
    path("manufacturers/", views.ManufacturerListView.as_view(), name="manufacturer_list"),
    path("manufacturers/new/", views.ManufacturerCreateView.as_view(), name="manufacturer_create"),
    path("manufacturers/<int:pk>/", views.ManufacturerDetailView.as_view(), name="manufacturer_detail"),
    path("manufacturers/<int:pk>/edit/", views.ManufacturerUpdateView.as_view(), name="manufacturer_edit"),
    path("manufacturers/<int:pk>/confirm/", views.ManufacturerConfirmView.as_view(), name="manufacturer_confirm"),
    path("plans/", views.ServicePlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.ServicePlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.ServicePlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.ServicePlanUpdateView.as_view(), name="plan_edit"),
]
