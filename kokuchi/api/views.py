"""Staff pages: integrations and their tokens (admins change them) and the webhook delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from kokuchi.api.forms import IntegrationForm, TokenForm
from kokuchi.api.models import ApiToken, Integration, WebhookDelivery
from kokuchi.api.tokens import create_integration, create_token, revoke_token
from kokuchi.core.roles import Role, StaffRequiredMixin, admin_required, has_role
from kokuchi.core.ui import LIST_PAGE_SIZE, add_service_errors

SHOWN_ONCE_KEY = "api_token_shown_once"


class IntegrationListView(StaffRequiredMixin, ListView):
    model = Integration
    template_name = "api/integration_list.html"

    def get_queryset(self):
        return Integration.objects.select_related("user").prefetch_related("tokens")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"user_is_admin": has_role(self.request.user, Role.ADMIN)}


class IntegrationDetailView(StaffRequiredMixin, DetailView):
    model = Integration
    template_name = "api/integration_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = self.request.session.pop(SHOWN_ONCE_KEY, None)
        # The secret is shown once, on the page the creator is sent to, and then forgotten.
        if shown and shown.get("integration") == self.object.pk:
            context["new_secret"] = shown["secret"]
        context["tokens"] = self.object.tokens.all()
        context["subscriptions"] = self.object.subscriptions.all()
        context["user_is_admin"] = has_role(self.request.user, Role.ADMIN)
        return context


@admin_required
def integration_create(request):
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            integration = create_integration(
                name=form.cleaned_data["name"], role=form.cleaned_data["role"], created_by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The integration was created."))
            return redirect("integrations:integration_detail", integration.pk)
    return render(
        request,
        "includes/form_page.html",
        {"form": form, "page_title": _("New integration"), "cancel_url": reverse("integrations:integration_list")},
    )


@admin_required
def token_create(request, pk: int):
    integration = get_object_or_404(Integration, pk=pk)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = create_token(
                integration=integration,
                scopes=form.scopes(),
                days=form.cleaned_data["days"],
                created_by=request.user,
                label=form.cleaned_data["label"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[SHOWN_ONCE_KEY] = {"integration": integration.pk, "secret": new.secret}
            return redirect("integrations:integration_detail", integration.pk)
    return render(
        request,
        "includes/form_page.html",
        {
            "form": form,
            "page_title": _("New token for %(name)s") % {"name": integration.name},
            "cancel_url": reverse("integrations:integration_detail", args=[integration.pk]),
        },
    )


@admin_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk)
    revoke_token(token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("integrations:integration_detail", token.integration_id)


class DeliveryListView(StaffRequiredMixin, ListView):
    """The webhook delivery log: what was sent where, how often, and the last answer."""

    template_name = "api/delivery_list.html"
    paginate_by = LIST_PAGE_SIZE

    def get_queryset(self):
        return WebhookDelivery.objects.select_related("subscription__integration").order_by("-pk")
