from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import UpdateView

from kokuchi.core.forms import ResellerForm
from kokuchi.core.models import Reseller
from kokuchi.core.roles import AdminRequiredMixin, staff_required
from kokuchi.core.ui import FormPageMixin


@staff_required
def reseller_detail(request):
    """The reseller profile as printed in disclosures: identity, support desk, policy (G5.1-1)
    and paid services (G5.2-1a–e)."""
    return render(request, "core/reseller_detail.html", {"reseller": Reseller.get()})


class ResellerUpdateView(AdminRequiredMixin, FormPageMixin, UpdateView):
    form_class = ResellerForm
    page_title = _("Edit reseller profile")
    success_message = _("The reseller profile was saved.")

    def get_object(self, queryset=None):
        return Reseller.get()

    def get_breadcrumbs(self):
        return [(_("Reseller profile"), reverse("core:reseller_detail"))]

    def get_success_url(self):
        return reverse("core:reseller_detail")
