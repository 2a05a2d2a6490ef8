from django.db import models
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, FormView, UpdateView

from kokuchi.core.roles import EditorRequiredMixin, StaffRequiredMixin
from kokuchi.core.ui import FilteredListView, FormPageMixin
from kokuchi.devices.filters import ContractFilter, DeviceFilter
from kokuchi.devices.forms import ContractForm, DeviceForm, FirmwareUpdateForm
from kokuchi.devices.models import Device, MaintenanceContract
from kokuchi.devices.services import record_firmware_update

# --- Devices --------------------------------------------------------------------------------


class DeviceListView(FilteredListView):
    filterset_class = DeviceFilter
    page_title = _("Devices")
    template_name = "devices/device_list.html"

    def get_queryset(self):
        self.queryset = Device.objects.select_related("product__manufacturer", "customer").with_contract_flag()
        return super().get_queryset()


class DeviceDetailView(StaffRequiredMixin, DetailView):
    template_name = "devices/device_detail.html"
    queryset = Device.objects.select_related("product__manufacturer", "customer", "deal")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.object
        today = timezone.localdate()
        context.update(
            today=today,
            history=device.firmware_changes.select_related("recorded_by"),
            contracts=device.contracts.select_related("plan"),
            active_contracts=list(device.active_contracts(today).select_related("plan")),
            jc_star_valid=device.product.jc_star_valid_on(today),
            breadcrumbs=[(_("Devices"), reverse("devices:device_list"))],
        )
        return context


class DeviceCreateView(EditorRequiredMixin, FormPageMixin, CreateView):
    model = Device
    form_class = DeviceForm
    page_title = _("New device")
    success_message = _("The device was saved.")

    def get_initial(self):
        initial = {}
        for name in ("customer", "deal", "product"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial

    def get_breadcrumbs(self):
        return [(_("Devices"), reverse("devices:device_list"))]


class DeviceUpdateView(EditorRequiredMixin, FormPageMixin, UpdateView):
    model = Device
    form_class = DeviceForm
    success_message = _("The device was saved.")

    def get_page_title(self):
        return _("Edit device %(name)s") % {"name": self.object}

    def get_breadcrumbs(self):
        return [(_("Devices"), reverse("devices:device_list")), (str(self.object), self.object.get_absolute_url())]


class FirmwareUpdateView(EditorRequiredMixin, FormPageMixin, FormView):
    """Record a firmware update of a delivered device; the version at sale is kept (G5.1-3)."""

    form_class = FirmwareUpdateForm
    success_message = _("The firmware update was recorded.")

    def dispatch(self, request, *args, **kwargs):
        self.device = get_object_or_404(Device.objects.select_related("product"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"version": self.device.product.latest_firmware}

    def get_page_title(self):
        return _("Record a firmware update of %(name)s") % {"name": self.device}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _("Current version: %(current)s. The version at sale (%(at_sale)s) stays unchanged.") % {
            "current": self.device.current_firmware or "—",
            "at_sale": self.device.firmware_at_sale or "—",
        }
        return context

    def get_breadcrumbs(self):
        return [(_("Devices"), reverse("devices:device_list")), (str(self.device), self.device.get_absolute_url())]

    def get_success_url(self):
        return self.device.get_absolute_url()

    def form_valid(self, form):
        data = form.cleaned_data
        return self.save_with(
            form,
            record_firmware_update,
            device=self.device,
            version=data["version"],
            changed_on=data["changed_on"],
            user=self.request.user,
            note=data["note"],
        )


# --- Maintenance contracts ------------------------------------------------------------------


class ContractListView(FilteredListView):
    filterset_class = ContractFilter
    page_title = _("Maintenance contracts")
    template_name = "devices/contract_list.html"
    queryset = MaintenanceContract.objects.select_related("customer", "plan").annotate(
        device_count=models.Count("devices")
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["rows"] = [
            (contract, contract.status_on(today), contract.term_end_on(today)) for contract in context["object_list"]
        ]
        return context


class ContractDetailView(StaffRequiredMixin, DetailView):
    template_name = "devices/contract_detail.html"
    context_object_name = "contract"
    queryset = MaintenanceContract.objects.select_related("customer", "plan", "deal")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        today = timezone.localdate()
        context.update(
            today=today,
            status=contract.status_on(today),
            term_end=contract.term_end_on(today),
            notice_deadline=contract.notice_deadline_on(today),
            devices=contract.devices.select_related("product__manufacturer"),
            breadcrumbs=[(_("Maintenance contracts"), reverse("devices:contract_list"))],
        )
        return context


class ContractCreateView(EditorRequiredMixin, FormPageMixin, CreateView):
    model = MaintenanceContract
    form_class = ContractForm
    page_title = _("New maintenance contract")
    success_message = _("The maintenance contract was saved.")

    def get_initial(self):
        initial = {}
        for name in ("customer", "deal", "plan"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial

    def get_breadcrumbs(self):
        return [(_("Maintenance contracts"), reverse("devices:contract_list"))]


class ContractUpdateView(EditorRequiredMixin, FormPageMixin, UpdateView):
    model = MaintenanceContract
    form_class = ContractForm
    success_message = _("The maintenance contract was saved.")

    def get_page_title(self):
        return _("Edit maintenance contract of %(name)s") % {"name": self.object.customer.name}

    def get_breadcrumbs(self):
        return [
            (_("Maintenance contracts"), reverse("devices:contract_list")),
            (str(self.object), self.object.get_absolute_url()),
        ]
