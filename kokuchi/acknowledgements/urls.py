from django.urls import path

from kokuchi.acknowledgements import views

app_name = "acknowledgements"

urlpatterns = [
    path("deals/<int:deal_pk>/", views.deal_panel, name="deal"),
    path("versions/<int:version_pk>/links/", views.create_link, name="create_link"),
    path("versions/<int:version_pk>/in-person/", views.in_person, name="in_person"),
    path("versions/<int:version_pk>/paper/", views.paper, name="paper"),
    path("versions/<int:version_pk>/document.html", views.document_frame, name="document_frame"),
    path("links/<int:link_pk>/revoke/", views.revoke_link, name="revoke_link"),
    path("acknowledgements/<int:ack_pk>/receipt.pdf", views.receipt, name="receipt"),
    path("acknowledgements/<int:ack_pk>/scan/", views.scan, name="scan"),
    path("compliance/", views.compliance, name="compliance"),
    path("search/", views.search, name="search"),
    path("c/<str:token>/", views.customer, name="customer"),
    path("c/<str:token>/document.pdf", views.customer_document, name="customer_document"),
    path("c/<str:token>/document.html", views.customer_document_frame, name="customer_document_frame"),
    path("c/<str:token>/receipt.pdf", views.customer_receipt, name="customer_receipt"),
]
