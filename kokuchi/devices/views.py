from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, FormView, UpdateView

from kokuchi.core.roles import EditorRequiredMixin, StaffRequiredMixin
from kokuchi.core.ui import ExportColumn, FilteredListView, FormPageMixin, add_service_errors
from kokuchi.deals.models import Deal
from kokuchi.devices.filters import ContractFilter, DeviceFilter
from kokuchi.devices.forms import ContractForm, DeviceBulkForm, DeviceForm, FirmwareUpdateForm
from kokuchi.devices.models import Device, MaintenanceContract
from kokuchi.devices.selectors import with_open_exposure_counts
from kokuchi.devices.services import create_devices_from_deal, record_firmware_update, save_contract

# --- Devices --------------------------------------------------------------------------------


class DeviceListView(FilteredListView):
    filterset_class = DeviceFilter
    page_title = _("Devices")
    template_name = "devices/device_list.html"
    sort_fields = {
        "customer": "customer__name_kana",
        "product": "product__model_number",
        "serial": "serial_number",
        "delivered": "delivered_on",
        "exposures": "known_exploited_count",
    }
    export_filename = "devices"
    export_columns = (
        ExportColumn(_("Customer code"), "customer.customer_code"),
        ExportColumn(_("Customer"), "customer.name"),
        ExportColumn(_("Manufacturer"), "product.manufacturer.name_ja"),
        ExportColumn(_("Model number"), "product.model_number"),
        ExportColumn(_("Serial number"), "serial_number"),
        ExportColumn(_("Delivered on"), "delivered_on"),
        ExportColumn(_("Firmware at sale"), "firmware_at_sale"),
        ExportColumn(_("Current firmware"), "current_firmware"),
        ExportColumn(_("Open exposures"), "open_exposure_count"),
        ExportColumn(
            _("Maintenance contract"), lambda row: _("Under contract") if row.has_contract else _("Without contract")
        ),
    )

    def get_queryset(self):
        self.queryset = with_open_exposure_counts(
            Device.objects.select_related("product__manufacturer", "customer").with_contract_flag()
        )
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
    allow_add_another = True
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

    def form_valid(self, form):
        response = super().form_valid(form)
        if not self.object.firmware_at_sale:
            messages.warning(
                self.request,
                _("No firmware version is known for %(serials)s: record the version at sale before issuing.")
                % {"serials": self.object.serial_number},
            )
        return response


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
    sort_fields = {
        "number": "contract_number",
        "customer": "customer__name_kana",
        "plan": "plan__name",
        "start": "start_date",
        "devices": "device_count",
    }
    export_filename = "contracts"
    export_columns = (
        ExportColumn(_("Contract number"), "contract_number"),
        ExportColumn(_("Customer"), "customer.name"),
        ExportColumn(_("Service plan"), "plan.name"),
        ExportColumn(_("Start date"), "start_date"),
        ExportColumn(_("End date"), "end_date"),
        ExportColumn(_("Devices"), "device_count"),
    )
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


def save_contract_form(view: FormPageMixin, form: ContractForm):
    devices = form.cleaned_data.get("devices") or []
    return view.save_with(form, save_contract, contract=form.instance, device_ids=[device.pk for device in devices])


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

    def form_valid(self, form):
        return save_contract_form(self, form)


class ContractUpdateView(EditorRequiredMixin, FormPageMixin, UpdateView):
    model = MaintenanceContract
    form_class = ContractForm
    success_message = _("The maintenance contract was saved.")

    def get_page_title(self):
        return _("Edit maintenance contract of %(name)s") % {"name": self.object.customer.name}

    def form_valid(self, form):
        return save_contract_form(self, form)

    def get_breadcrumbs(self):
        return [
            (_("Maintenance contracts"), reverse("devices:contract_list")),
            (str(self.object), self.object.get_absolute_url()),
        ]


class DeviceBulkCreateView(EditorRequiredMixin, FormPageMixin, FormView):
    """The delivered units of a deal from its lines, in one page: serials and firmware per unit,
    typed, pasted or from a CSV. Then on to the disclosure's check and preview."""

    form_class = DeviceBulkForm
    template_name = "devices/device_bulk.html"
    success_message = _("The devices were recorded.")

    def dispatch(self, request, *args, **kwargs):
        self.deal = get_object_or_404(Deal.objects.select_related("customer"), pk=kwargs["deal_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "deal": self.deal}

    def get_initial(self):
        return {"delivered_on": self.deal.delivered_on}

    def get_page_title(self):
        return _("Devices of %(number)s") % {"number": self.deal.number}

    def get_breadcrumbs(self):
        return [(_("Deals"), reverse("deals:deal_list")), (self.deal.number, self.deal.get_absolute_url())]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            deal=self.deal,
            recorded=Device.objects.filter(deal=self.deal).select_related("product").order_by("product", "pk"),
        )
        return context

    def form_valid(self, form):
        try:
            result = create_devices_from_deal(
                deal=self.deal,
                entries=form.entries(),
                delivered_on=form.cleaned_data["delivered_on"],
                installation_site=form.cleaned_data["installation_site"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(count)d devices were recorded.") % {"count": len(result.devices)})
        if result.without_firmware:
            messages.warning(
                self.request,
                _("No firmware version is known for %(serials)s: record the version at sale before issuing.")
                % {"serials": ", ".join(device.serial_number for device in result.without_firmware)},
            )
        return HttpResponseRedirect(reverse("disclosures:deal_disclosure", args=[self.deal.pk]))
