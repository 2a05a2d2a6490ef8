from django.shortcuts import render

from kokuchi.core.roles import staff_required


@staff_required
def dashboard(request):
    return render(request, "core/dashboard.html", {})
