from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, FormView, UpdateView

from kokuchi.core.deletion import DeletionRefused
from kokuchi.core.roles import EditorRequiredMixin, StaffRequiredMixin, editor_required
from kokuchi.core.ui import ExportColumn, FilteredListView, FormPageMixin
from kokuchi.customers.models import Customer
from kokuchi.deals.filters import DealFilter
from kokuchi.deals.forms import DealForm, DealLineForm, PlanAnswerForm, ProposePlanForm
from kokuchi.deals.models import Deal, DealLine, DealStatus, ProposedPlan
from kokuchi.deals.services import (
    STATUS_ORDER,
    allowed_transitions,
    change_deal_status,
    check_lines_editable,
    delete_deal_line,
    lines_editable,
    propose_plan,
    record_plan_answer,
    save_deal_line,
)


def deal_crumbs(deal: Deal | None = None) -> list[tuple[str, str]]:
    crumbs = [(_("Deals"), reverse("deals:deal_list"))]
    if deal is not None:
        crumbs.append((deal.number, deal.get_absolute_url()))
    return crumbs


class DealListView(FilteredListView):
    filterset_class = DealFilter
    page_title = _("Deals")
    template_name = "deals/deal_list.html"
    sort_fields = {
        "number": "number",
        "title": "title",
        "customer": "customer__name_kana",
        "status": "status",
        "opened": "opened_on",
        "subtotal": "subtotal_amount",
        # Annotated by the devices app (core.ui.register_list_annotation).
        "exposures": "known_exploited_count",
    }
    export_filename = "deals"
    export_columns = (
        ExportColumn(_("Deal number"), "number"),
        ExportColumn(_("Title"), "title"),
        ExportColumn(_("Customer code"), "customer.customer_code"),
        ExportColumn(_("Customer"), "customer.name"),
        ExportColumn(_("Status"), "get_status_display"),
        ExportColumn(_("Opened on"), "opened_on"),
        ExportColumn(_("Subtotal (excl. tax)"), lambda row: row.subtotal_amount or 0),
        ExportColumn(_("Sales rep"), lambda row: row.sales_rep.get_username() if row.sales_rep else ""),
    )
    queryset = Deal.objects.select_related("customer", "sales_rep").annotate(
        subtotal_amount=models.Sum(models.F("lines__quantity") * models.F("lines__unit_price")),
        line_count=models.Count("lines"),
    )


class DealDetailView(StaffRequiredMixin, DetailView):
    template_name = "deals/deal_detail.html"
    # Prefetched lines let subtotal/tax/total reuse one query.
    queryset = Deal.objects.select_related("customer", "sales_rep").prefetch_related("lines__product__manufacturer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deal = self.object
        lines = list(deal.lines.all())
        context.update(
            lines=lines,
            proposals=deal.proposed_plans.select_related("plan"),
            devices=deal.devices.select_related("product"),
            transitions=allowed_transitions(deal),
            status_steps=STATUS_ORDER,
            lines_editable=lines_editable(deal),
            has_network_device=any(line.product.is_network_device for line in lines),
            can_propose=deal.status != DealStatus.CLOSED,
            # G5.3: the weaker the customer's self-maintenance, the stronger the proposal.
            customer_level=deal.customer.self_maintenance_level,
            breadcrumbs=deal_crumbs(),
            subtotal=deal.subtotal,
            tax=deal.tax,
            total=deal.total,
        )
        return context


class DealCreateView(EditorRequiredMixin, FormPageMixin, CreateView):
    model = Deal
    form_class = DealForm
    page_title = _("New deal")
    success_message = _("The deal was created.")

    def get_initial(self):
        initial = {"sales_rep": self.request.user.pk}
        customer_pk = self.request.GET.get("customer", "")
        if customer_pk.isdigit() and Customer.objects.filter(pk=customer_pk).exists():
            initial["customer"] = int(customer_pk)
        return initial

    def get_breadcrumbs(self):
        return deal_crumbs()


class DealUpdateView(EditorRequiredMixin, FormPageMixin, UpdateView):
    model = Deal
    form_class = DealForm
    success_message = _("The deal was saved.")

    def get_page_title(self):
        return _("Edit deal %(number)s") % {"number": self.object.number}

    def get_breadcrumbs(self):
        return deal_crumbs(self.object)


@editor_required
@require_POST
def deal_status(request, pk):
    """Status buttons: move the deal through DEAL_TRANSITIONS via the service."""
    deal = get_object_or_404(Deal, pk=pk)
    try:
        deal = change_deal_status(deal=deal, status=request.POST.get("status", ""), user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The deal is now %(status)s.") % {"status": deal.get_status_display()})
    return redirect(deal)


class DealChildMixin:
    """Pages acting on one deal taken from the URL."""

    def dispatch(self, request, *args, **kwargs):
        self.deal = get_object_or_404(Deal, pk=kwargs["deal_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs(self):
        return deal_crumbs(self.deal)

    def get_success_url(self):
        return self.deal.get_absolute_url()


class LineEditableMixin:
    """Refuse line changes once the deal is delivered or closed."""

    def line_change_refused(self):
        try:
            check_lines_editable(self.deal)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect(self.deal)
        return None

    def get(self, request, *args, **kwargs):
        return self.line_change_refused() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.line_change_refused() or super().post(request, *args, **kwargs)


class DealLineCreateView(EditorRequiredMixin, DealChildMixin, LineEditableMixin, FormPageMixin, CreateView):
    allow_add_another = True
    model = DealLine
    form_class = DealLineForm
    success_message = _("The line was added.")

    def get_page_title(self):
        return _("Add a line to %(number)s") % {"number": self.deal.number}

    def get_initial(self):
        return {"position": self.deal.lines.count() + 1}

    def form_valid(self, form):
        form.instance.deal = self.deal
        return self.save_with(form, save_deal_line, line=form.instance)


class DealLineMixin:
    """Pages acting on one deal line taken from the URL (after the role check)."""

    def dispatch(self, request, *args, **kwargs):
        self.line = get_object_or_404(DealLine.objects.select_related("deal"), pk=kwargs["pk"])
        self.deal = self.line.deal
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.line


class DealLineUpdateView(EditorRequiredMixin, DealLineMixin, LineEditableMixin, FormPageMixin, UpdateView):
    model = DealLine
    form_class = DealLineForm
    success_message = _("The line was saved.")

    def get_page_title(self):
        return _("Edit line of %(number)s") % {"number": self.deal.number}

    def form_valid(self, form):
        return self.save_with(form, save_deal_line, line=form.instance)

    def get_breadcrumbs(self):
        return deal_crumbs(self.deal)

    def get_success_url(self):
        return self.deal.get_absolute_url()


@editor_required
@require_POST
def deal_line_delete(request, pk):
    line = get_object_or_404(DealLine.objects.select_related("deal"), pk=pk)
    deal = line.deal
    try:
        delete_deal_line(line=line)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except DeletionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The line was deleted."))
    return redirect(deal)


class PlanProposeView(EditorRequiredMixin, DealChildMixin, FormPageMixin, FormView):
    """Propose a service plan in the deal (G5.1-4, G5.3, G5.4)."""

    form_class = ProposePlanForm
    success_message = _("The plan was proposed.")

    def get_page_title(self):
        return _("Propose a service plan in %(number)s") % {"number": self.deal.number}

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"deal": self.deal}

    def form_valid(self, form):
        return self.save_with(form, propose_plan, deal=self.deal, plan=form.cleaned_data["plan"])


class PlanAnswerView(EditorRequiredMixin, FormPageMixin, UpdateView):
    """Record the customer's answer to a proposed plan; a decline needs its reason."""

    form_class = PlanAnswerForm
    success_message = _("The answer was recorded.")
    queryset = ProposedPlan.objects.select_related("deal", "plan")

    def get_page_title(self):
        return _("Answer to the proposal of %(plan)s") % {"plan": self.object.plan.name}

    def get_breadcrumbs(self):
        return deal_crumbs(self.object.deal)

    def get_success_url(self):
        return self.object.deal.get_absolute_url()

    def form_valid(self, form):
        data = form.cleaned_data
        return self.save_with(
            form,
            record_plan_answer,
            proposal=self.get_object(),
            response=data["response"],
            decline_reason=data["decline_reason"],
            answered_on=data["answered_on"],
        )
