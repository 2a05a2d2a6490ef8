from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import UpdateView

from kokuchi.core import two_factor
from kokuchi.core.forms import ResellerForm
from kokuchi.core.models import Reseller
from kokuchi.core.roles import AdminRequiredMixin, staff_required
from kokuchi.core.ui import FormPageMixin


@staff_required
def reseller_detail(request):
    """The reseller profile as printed in disclosures: identity, support desk, policy (G5.1-1)
    and paid services (G5.2-1a–e)."""
    return render(request, "core/reseller_detail.html", {"reseller": Reseller.get()})


@require_safe
def reseller_logo(request):
    """The reseller's logo, without login: the customer's page shows it before anything else, and
    it is the reseller's public mark, not evidence. The URL carries the logo's hash, so it may be cached."""
    row = Reseller.objects.order_by("pk").values("logo", "logo_content_type", "logo_sha256").first()
    if not row or not row["logo_sha256"]:
        raise Http404
    response = HttpResponse(bytes(row["logo"]), content_type=row["logo_content_type"])
    response["Cache-Control"] = "public, max-age=86400"
    response["ETag"] = f'"{row["logo_sha256"]}"'
    response["Content-Disposition"] = 'inline; filename="logo"'
    return response


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


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from the authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("dashboard:home")


@never_cache
@login_required
def two_factor_verify(request):
    """After the password: the authenticator's code (staff who enrolled one)."""
    if request.user.is_verified() or not two_factor.has_device(request.user):
        return redirect(_next_url(request))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", _("The code is wrong or has expired; enter the current code."))
    return render(
        request,
        "core/two_factor_verify.html",
        {"form": form, "next": _next_url(request), "page_title": _("Two-factor login")},
    )


@never_cache
@login_required
def two_factor_enrol(request):
    """Set up an authenticator app: QR code (or the otpauth:// URI), then the first code confirms it."""
    if two_factor.has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_enrol')}")
    device = two_factor.pending_device(request.user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm_enrolment(request=request, device=device, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", _("The code is wrong or has expired; enter the current code."))
    uri = two_factor.provisioning_uri(device)
    return render(
        request,
        "core/two_factor_enrol.html",
        {
            "form": form,
            "uri": uri,
            "qr_svg": two_factor.qr_svg(uri),
            "enrolled": two_factor.has_device(request.user),
            "next": _next_url(request),
            "page_title": _("Set up two-factor login"),
        },
    )
