from django.shortcuts import render
from django.utils import timezone

from kokuchi.core.roles import staff_required
from kokuchi.dashboard.selectors import dashboard_summary


@staff_required
def home(request):
    """The staff home page: the figures that need attention today."""
    today = timezone.localdate()
    return render(request, "dashboard/home.html", {"summary": dashboard_summary(on=today), "today": today})
