from django.db import models
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, UpdateView

from kokuchi.core.roles import EditorRequiredMixin, StaffRequiredMixin
from kokuchi.core.ui import ExportColumn, FilteredListView, FormPageMixin
from kokuchi.customers.filters import CustomerFilter, with_latest_level
from kokuchi.customers.forms import ContactForm, CustomerForm, SkillAssessmentForm
from kokuchi.customers.models import Contact, Customer, SkillAssessment
from kokuchi.customers.services import record_assessment, save_contact


class CustomerListView(FilteredListView):
    model = Customer
    filterset_class = CustomerFilter
    page_title = _("Customers")
    template_name = "customers/customer_list.html"
    sort_fields = {
        "code": "customer_code",
        "name": "name_kana",
        "deals": "deal_count",
        "devices": "device_count",
        # Annotated by the devices app (core.ui.register_list_annotation).
        "exposures": "known_exploited_count",
    }
    export_filename = "customers"
    export_columns = (
        ExportColumn(_("Customer code"), "customer_code"),
        ExportColumn(_("Company name"), "name"),
        ExportColumn(_("Company name (kana)"), "name_kana"),
        ExportColumn(_("Self-maintenance level"), lambda row: row.latest_level or ""),
        ExportColumn(_("Deals"), "deal_count"),
        ExportColumn(_("Devices"), "device_count"),
    )

    def get_queryset(self):
        self.queryset = with_latest_level(
            Customer.objects.annotate(
                device_count=models.Count("devices", distinct=True), deal_count=models.Count("deals", distinct=True)
            )
        )
        return super().get_queryset()


class CustomerDetailView(StaffRequiredMixin, DetailView):
    model = Customer
    template_name = "customers/customer_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.object
        context.update(
            contacts=customer.contacts.all(),
            assessment=customer.latest_assessment,
            assessment_count=customer.assessments.count(),
            deals=customer.deals.order_by("-opened_on", "-pk"),
            devices=customer.devices.select_related("product__manufacturer").order_by(
                "product__model_number", "serial_number"
            ),
            contracts=customer.contracts.select_related("plan").prefetch_related("devices"),
            breadcrumbs=[(_("Customers"), reverse("customers:customer_list"))],
        )
        return context


class CustomerCreateView(EditorRequiredMixin, FormPageMixin, CreateView):
    allow_add_another = True
    model = Customer
    form_class = CustomerForm
    page_title = _("New customer")
    success_message = _("The customer was saved.")

    def get_breadcrumbs(self):
        return [(_("Customers"), reverse("customers:customer_list"))]


class CustomerUpdateView(EditorRequiredMixin, FormPageMixin, UpdateView):
    model = Customer
    form_class = CustomerForm
    success_message = _("The customer was saved.")

    def get_page_title(self):
        return _("Edit customer %(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("Customers"), reverse("customers:customer_list")),
            (self.object.name, self.object.get_absolute_url()),
        ]


class CustomerChildMixin:
    """Pages that add something to one customer (the customer comes from the URL)."""

    def dispatch(self, request, *args, **kwargs):
        self.customer = get_object_or_404(Customer, pk=kwargs["customer_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs(self):
        return [
            (_("Customers"), reverse("customers:customer_list")),
            (self.customer.name, self.customer.get_absolute_url()),
        ]

    def get_success_url(self):
        return self.customer.get_absolute_url()


class ContactCreateView(EditorRequiredMixin, CustomerChildMixin, FormPageMixin, CreateView):
    allow_add_another = True
    model = Contact
    form_class = ContactForm
    success_message = _("The contact was saved.")

    def get_page_title(self):
        return _("New contact for %(name)s") % {"name": self.customer.name}

    def form_valid(self, form):
        form.instance.customer = self.customer
        return self.save_with(form, save_contact, contact=form.instance)


class ContactUpdateView(EditorRequiredMixin, FormPageMixin, UpdateView):
    model = Contact
    form_class = ContactForm
    success_message = _("The contact was saved.")

    def get_queryset(self):
        return Contact.objects.select_related("customer")

    def get_page_title(self):
        return _("Edit contact %(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        customer = self.object.customer
        return [(_("Customers"), reverse("customers:customer_list")), (customer.name, customer.get_absolute_url())]

    def form_valid(self, form):
        return self.save_with(form, save_contact, contact=form.instance)

    def get_success_url(self):
        return self.object.customer.get_absolute_url()


class AssessmentCreateView(EditorRequiredMixin, CustomerChildMixin, FormPageMixin, CreateView):
    """Record a new self-maintenance assessment (S-SKILL); earlier ones are kept."""

    model = SkillAssessment
    form_class = SkillAssessmentForm
    success_message = _("The self-maintenance assessment was recorded.")

    def get_page_title(self):
        return _("Self-maintenance assessment of %(name)s") % {"name": self.customer.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _(
            "Answer the questions with the customer. The level (can maintain itself / needs "
            "support / difficult) is computed from the answers and decides how strongly "
            "maintenance is proposed."
        )
        return context

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = SkillAssessment(customer=self.customer)
        return kwargs

    def form_valid(self, form):
        return self.save_with(
            form, record_assessment, assessment=form.instance, customer=self.customer, assessed_by=self.request.user
        )
