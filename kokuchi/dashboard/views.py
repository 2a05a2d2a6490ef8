from django.shortcuts import render
from django.utils import timezone

from kokuchi.core.roles import staff_required
from kokuchi.dashboard.selectors import dashboard_summary, search_everything, urgent_work


@staff_required
def home(request):
    """The staff home page: the figures that need attention today."""
    today = timezone.localdate()
    return render(
        request,
        "dashboard/home.html",
        {"summary": dashboard_summary(on=today), "urgent": urgent_work(on=today), "today": today},
    )


@staff_required
def search(request):
    """One search box for everything staff quote on the phone: customer, deal number, serial,
    CVE or JVNDB ID, maker or model."""
    query = request.GET.get("q", "")
    results = search_everything(query=query)
    return render(request, "dashboard/search.html", {"results": results, "search_query": results.query})
