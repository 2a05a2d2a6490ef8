from django.urls import path

from kokuchi.vulnerabilities import views

app_name = "vulnerabilities"

urlpatterns = [
    path("", views.vulnerability_list, name="list"),
    path("feeds/", views.feed_status, name="feed_status"),
    path("feeds/sync/", views.feed_sync, name="feed_sync"),
    # Last: a vulnerability ID would otherwise shadow the fixed paths above.
    path("<str:vuln_id>/", views.vulnerability_detail, name="detail"),
]
