from django.urls import path

from kokuchi.deals import views

app_name = "deals"

urlpatterns = [
    path("", views.DealListView.as_view(), name="deal_list"),
    path("new/", views.DealCreateView.as_view(), name="deal_create"),
    path("<int:pk>/", views.DealDetailView.as_view(), name="deal_detail"),
    path("<int:pk>/edit/", views.DealUpdateView.as_view(), name="deal_edit"),
    path("<int:pk>/status/", views.deal_status, name="deal_status"),
    path("<int:deal_pk>/lines/new/", views.DealLineCreateView.as_view(), name="line_create"),
    path("lines/<int:pk>/edit/", views.DealLineUpdateView.as_view(), name="line_edit"),
    path("lines/<int:pk>/delete/", views.deal_line_delete, name="line_delete"),
    path("<int:deal_pk>/plans/new/", views.PlanProposeView.as_view(), name="plan_propose"),
    path("proposals/<int:pk>/answer/", views.PlanAnswerView.as_view(), name="plan_answer"),
]
