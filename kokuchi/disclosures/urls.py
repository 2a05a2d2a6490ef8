from django.urls import path

from kokuchi.disclosures import views

app_name = "disclosures"

urlpatterns = [
    path("deal/<int:deal_pk>/", views.deal_disclosure, name="deal_disclosure"),
    path("deal/<int:deal_pk>/preview/", views.preview, name="preview"),
    path("deal/<int:deal_pk>/download/<str:fmt>/", views.download, name="download"),
    path("deal/<int:deal_pk>/issue/", views.issue, name="issue"),
    path(
        "deal/<int:deal_pk>/device/<int:device_pk>/firmware-unknown/",
        views.firmware_unknown,
        name="firmware_unknown",
    ),
    path("deal/<int:deal_pk>/clause/", views.clause, name="clause"),
    path("deal/<int:deal_pk>/quote/", views.quote_preview, name="quote_preview"),
    path("deal/<int:deal_pk>/quote/<str:fmt>/", views.quote_download, name="quote_download"),
    path("version/<int:pk>/pdf/", views.version_pdf, name="version_pdf"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<str:kind>/edit/", views.template_edit, name="template_edit"),
]
