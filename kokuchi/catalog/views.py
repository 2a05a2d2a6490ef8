from django.db import models
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, FormView, UpdateView

from kokuchi.catalog.filters import ManufacturerFilter, ProductFilter, ServicePlanFilter
from kokuchi.catalog.forms import ManufacturerConfirmForm, ManufacturerForm, ProductForm, ServicePlanForm
from kokuchi.catalog.models import Manufacturer, Product, ServicePlan
from kokuchi.catalog.services import confirm_manufacturer
from kokuchi.core.roles import AdminRequiredMixin, EditorRequiredMixin, StaffRequiredMixin
from kokuchi.core.ui import ExportColumn, FilteredListView, FormPageMixin

# --- Products -------------------------------------------------------------------------------


class ProductListView(FilteredListView):
    filterset_class = ProductFilter
    page_title = _("Products")
    template_name = "catalog/product_list.html"
    sort_fields = {
        "model": "model_number",
        "maker": "manufacturer__name_ja",
        "category": "category",
        "firmware": "latest_firmware",
        "devices": "device_count",
    }
    export_filename = "products"
    export_columns = (
        ExportColumn(_("Manufacturer"), "manufacturer.name_ja"),
        ExportColumn(_("Model number"), "model_number"),
        ExportColumn(_("Product name"), "name"),
        ExportColumn(_("Category"), "get_category_display"),
        ExportColumn(_("Latest firmware"), "latest_firmware"),
        ExportColumn(_("Devices"), "device_count"),
    )
    queryset = Product.objects.select_related("manufacturer").annotate(device_count=models.Count("devices"))


class ProductDetailView(StaffRequiredMixin, DetailView):
    template_name = "catalog/product_detail.html"
    queryset = Product.objects.select_related("manufacturer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.object
        today = timezone.localdate()
        context.update(
            today=today,
            jc_star_valid=product.jc_star_valid_on(today),
            device_count=product.devices.count(),
            delivered_count=product.devices.filter(delivered_on__isnull=False).count(),
            breadcrumbs=[(_("Products"), reverse("catalog:product_list"))],
        )
        return context


class ProductCreateView(EditorRequiredMixin, FormPageMixin, CreateView):
    allow_add_another = True
    model = Product
    form_class = ProductForm
    page_title = _("New product")
    success_message = _("The product was saved.")

    def get_breadcrumbs(self):
        return [(_("Products"), reverse("catalog:product_list"))]


class ProductUpdateView(EditorRequiredMixin, FormPageMixin, UpdateView):
    model = Product
    form_class = ProductForm
    success_message = _("The product was saved.")

    def get_page_title(self):
        return _("Edit product %(name)s") % {"name": self.object}

    def get_breadcrumbs(self):
        return [(_("Products"), reverse("catalog:product_list")), (str(self.object), self.object.get_absolute_url())]


# --- Manufacturers --------------------------------------------------------------------------


class ManufacturerListView(FilteredListView):
    filterset_class = ManufacturerFilter
    page_title = _("Manufacturers")
    template_name = "catalog/manufacturer_list.html"
    sort_fields = {"name": "name_ja", "status": "verified", "products": "product_count"}
    export_filename = "manufacturers"
    export_columns = (
        ExportColumn(_("Name"), "name_ja"),
        ExportColumn(_("Name (English)"), "name_en"),
        ExportColumn(_("Vulnerability information URL"), "vulnerability_info_url"),
        ExportColumn(_("Confirmed"), lambda row: _("Yes") if row.verified else _("No")),
        ExportColumn(_("Products"), "product_count"),
    )
    queryset = Manufacturer.objects.annotate(product_count=models.Count("products"))


class ManufacturerDetailView(StaffRequiredMixin, DetailView):
    model = Manufacturer
    template_name = "catalog/manufacturer_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            products=self.object.products.annotate(device_count=models.Count("devices")),
            breadcrumbs=[(_("Manufacturers"), reverse("catalog:manufacturer_list"))],
        )
        return context


class ManufacturerCreateView(AdminRequiredMixin, FormPageMixin, CreateView):
    model = Manufacturer
    form_class = ManufacturerForm
    page_title = _("New manufacturer")
    success_message = _("The manufacturer was saved.")

    def get_breadcrumbs(self):
        return [(_("Manufacturers"), reverse("catalog:manufacturer_list"))]


class ManufacturerUpdateView(AdminRequiredMixin, FormPageMixin, UpdateView):
    model = Manufacturer
    form_class = ManufacturerForm
    success_message = _("The manufacturer was saved.")

    def get_page_title(self):
        return _("Edit manufacturer %(name)s") % {"name": self.object.name_ja}

    def get_breadcrumbs(self):
        return [
            (_("Manufacturers"), reverse("catalog:manufacturer_list")),
            (self.object.name_ja, self.object.get_absolute_url()),
        ]


class ManufacturerConfirmView(AdminRequiredMixin, FormPageMixin, FormView):
    """Admins confirm or fill the vulnerability-information URL, clearing 要確認 (G5.2-3)."""

    form_class = ManufacturerConfirmForm
    success_message = _("The vulnerability-information URL is confirmed.")

    def dispatch(self, request, *args, **kwargs):
        self.manufacturer = get_object_or_404(Manufacturer, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"vulnerability_info_url": self.manufacturer.vulnerability_info_url}

    def get_page_title(self):
        return _("Confirm the vulnerability-information URL of %(name)s") % {"name": self.manufacturer.name_ja}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _(
            "Open the manufacturer's site, check that the page publishes its security advisories, "
            "then save. Disclosures print this URL as the source of vulnerability information."
        )
        return context

    def get_breadcrumbs(self):
        return [
            (_("Manufacturers"), reverse("catalog:manufacturer_list")),
            (self.manufacturer.name_ja, self.manufacturer.get_absolute_url()),
        ]

    def get_success_url(self):
        return self.manufacturer.get_absolute_url()

    def form_valid(self, form):
        return self.save_with(
            form, confirm_manufacturer, manufacturer=self.manufacturer, user=self.request.user, **form.cleaned_data
        )


# --- Service plans --------------------------------------------------------------------------


class ServicePlanListView(FilteredListView):
    filterset_class = ServicePlanFilter
    page_title = _("Service plans")
    template_name = "catalog/plan_list.html"
    sort_fields = {"name": "name", "kind": "kind", "price": "price", "provider": "provider_name", "active": "active"}
    export_filename = "service-plans"
    export_columns = (
        ExportColumn(_("Name"), "name"),
        ExportColumn(_("Kind"), "get_kind_display"),
        ExportColumn(_("Price (yen)"), "price"),
        ExportColumn(_("Price unit"), "price_unit"),
    )
    queryset = ServicePlan.objects.all()


class ServicePlanDetailView(StaffRequiredMixin, DetailView):
    model = ServicePlan
    template_name = "catalog/plan_detail.html"
    context_object_name = "plan"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            proposal_count=self.object.proposals.count(),
            contract_count=self.object.contracts.count(),
            breadcrumbs=[(_("Service plans"), reverse("catalog:plan_list"))],
        )
        return context


class ServicePlanCreateView(AdminRequiredMixin, FormPageMixin, CreateView):
    model = ServicePlan
    form_class = ServicePlanForm
    page_title = _("New service plan")
    success_message = _("The service plan was saved.")

    def get_breadcrumbs(self):
        return [(_("Service plans"), reverse("catalog:plan_list"))]

    def get_success_url(self):
        return reverse("catalog:plan_detail", args=[self.object.pk])


class ServicePlanUpdateView(AdminRequiredMixin, FormPageMixin, UpdateView):
    model = ServicePlan
    form_class = ServicePlanForm
    success_message = _("The service plan was saved.")

    def get_page_title(self):
        return _("Edit service plan %(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("Service plans"), reverse("catalog:plan_list")),
            (self.object.name, reverse("catalog:plan_detail", args=[self.object.pk])),
        ]

    def get_success_url(self):
        return reverse("catalog:plan_detail", args=[self.object.pk])
