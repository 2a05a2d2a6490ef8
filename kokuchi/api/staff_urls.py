from django.urls import path

from kokuchi.api import views

app_name = "integrations"

urlpatterns = [
    path("", views.IntegrationListView.as_view(), name="integration_list"),
    path("new/", views.integration_create, name="integration_create"),
    path("<int:pk>/", views.IntegrationDetailView.as_view(), name="integration_detail"),
    path("<int:pk>/tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("deliveries/", views.DeliveryListView.as_view(), name="delivery_list"),
]
