from django.urls import path

from kokuchi.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
]
