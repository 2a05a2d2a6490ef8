from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Product
from kokuchi.core.ui import DateInput, StaffModelForm
from kokuchi.deals.models import Deal
from kokuchi.devices.models import Device, MaintenanceContract
from kokuchi.devices.services import UnitEntry, parse_unit_csv, parse_unit_rows


class DeviceForm(StaffModelForm):
    """A delivered unit. Once the device is delivered its firmware version at sale is read-only
    (G5.1-3) and the delivery date can no longer be removed; later versions are recorded as
    firmware updates."""

    class Meta:
        model = Device
        fields = [
            "customer",
            "product",
            "deal",
            "serial_number",
            "installation_site",
            "delivered_on",
            "firmware_at_sale",
            "notes",
        ]
        help_texts = {
            "firmware_at_sale": _(
                "The latest firmware at the time of sale. Left empty, the "
                "product's latest firmware is used. Read-only once delivered."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.select_related("manufacturer")
        self.fields["deal"].queryset = Deal.objects.select_related("customer")
        # Once the customer (or the deal) is known, offer only its deals (and the deal's products).
        customer_id = self._chosen("customer") or self.instance.customer_id
        deal_id = self._chosen("deal") or self.instance.deal_id
        if customer_id:
            self.fields["deal"].queryset = self.fields["deal"].queryset.filter(customer_id=customer_id)
        if deal_id:
            deal_products = Product.objects.filter(deal_lines__deal_id=deal_id).values("pk")
            limited = self.fields["product"].queryset.filter(pk__in=deal_products)
            if self.instance.product_id:
                limited = limited | self.fields["product"].queryset.filter(pk=self.instance.product_id)
            if limited.exists():
                self.fields["product"].queryset = limited
        # The stored row decides, not the submitted data: a delivery date typed in this same
        # form does not freeze the version yet.
        self.was_delivered = bool(
            self.instance.pk and Device.objects.filter(pk=self.instance.pk, delivered_on__isnull=False).exists()
        )
        if self.was_delivered:
            field = self.fields["firmware_at_sale"]
            field.disabled = True
            field.help_text = _("Frozen since delivery. Record a firmware update to change the current version.")
            self.fields["delivered_on"].required = True

    def _chosen(self, name: str) -> int | None:
        """The primary key chosen for `name`, from the submitted data or the initial values."""
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        value = getattr(value, "pk", value)
        return int(value) if str(value or "").isdigit() else None

    def clean(self):
        cleaned = super().clean()
        customer, deal, product = cleaned.get("customer"), cleaned.get("deal"), cleaned.get("product")
        if deal and customer and deal.customer_id != customer.pk:
            self.add_error("deal", _("This deal belongs to another customer."))
        if not self.was_delivered and not cleaned.get("firmware_at_sale") and product:
            cleaned["firmware_at_sale"] = product.latest_firmware
            self.instance.firmware_at_sale = product.latest_firmware
        return cleaned

    def save(self, commit=True):
        device = super().save(commit=False)
        # Before delivery (and before any recorded update) the current version follows the
        # version at sale; afterwards only record_firmware_update changes it.
        if not self.was_delivered and not (device.pk and device.firmware_changes.exists()):
            device.current_firmware = device.firmware_at_sale
        if commit:
            device.save()
        return device


class FirmwareUpdateForm(forms.Form):
    version = forms.CharField(label=_("new firmware version"), max_length=80)
    changed_on = forms.DateField(label=_("updated on"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class ContractForm(StaffModelForm):
    """A maintenance contract; save_contract checks that the deal and the covered devices belong
    to the contract's customer."""

    class Meta:
        model = MaintenanceContract
        fields = [
            "customer",
            "plan",
            "deal",
            "contract_number",
            "start_date",
            "end_date",
            "auto_renewal",
            "renewal_term_months",
            "notice_period_days",
            "notice_given_on",
            "devices",
        ]
        widgets = {"devices": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deal"].queryset = Deal.objects.select_related("customer")
        customer_id = self._customer_id()
        devices = Device.objects.select_related("product", "customer")
        if customer_id:
            devices = devices.filter(customer_id=customer_id)
        self.fields["devices"].queryset = devices
        self.fields["devices"].help_text = (
            _("Choose the customer first (save once) to list only its devices.")
            if not customer_id
            else _("Devices of the contract's customer.")
        )

    def _customer_id(self) -> str | int | None:
        value = self.data.get(self.add_prefix("customer")) if self.is_bound else None
        if value is None:
            value = self.initial.get("customer") or self.instance.customer_id
        value = getattr(value, "pk", value)
        return value if str(value).isdigit() else None


class DeviceBulkForm(forms.Form):
    """The delivered units of a deal in one go: per deal line one box of "serial, firmware" rows
    (typed, or pasted from a spreadsheet), or a CSV file for all lines."""

    delivered_on = forms.DateField(label=_("delivered on"), required=False, widget=DateInput())
    installation_site = forms.CharField(label=_("installation site"), max_length=200, required=False)
    csv_file = forms.FileField(
        label=_("or a CSV file"),
        required=False,
        help_text=_("Columns model_number, serial_number, firmware (header row first); UTF-8 or Shift_JIS."),
    )

    # A CSV of a few thousand units is far below this; anything larger is not a deal's delivery.
    MAX_CSV_BYTES = 1_000_000

    def __init__(self, *args, deal: Deal, **kwargs):
        super().__init__(*args, **kwargs)
        self.deal = deal
        self.lines = list(deal.lines.select_related("product__manufacturer").order_by("position", "pk"))
        for line in self.lines:
            product = line.product
            self.fields[f"line_{line.pk}"] = forms.CharField(
                label=_("%(maker)s %(model)s: %(quantity)d units")
                % {"maker": product.manufacturer.name_ja, "model": product.model_number, "quantity": line.quantity},
                required=False,
                widget=forms.Textarea(attrs={"rows": min(max(line.quantity, 2), 8), "class": "units"}),
                help_text=_("One unit per row: serial number, firmware (blank = latest %(latest)s).")
                % {"latest": product.latest_firmware or "—"},
            )
        # The boxes of the lines first; the CSV file is the alternative to them.
        self.order_fields(
            [f"line_{line.pk}" for line in self.lines] + ["delivered_on", "installation_site", "csv_file"]
        )

    def clean_csv_file(self):
        upload = self.cleaned_data.get("csv_file")
        if upload and upload.size > self.MAX_CSV_BYTES:
            raise forms.ValidationError(_("The CSV file is larger than 1 MB."))
        return upload

    def entries(self) -> list[UnitEntry]:
        """The units entered, read from the boxes and the CSV file (ValidationError names the row)."""
        entries: list[UnitEntry] = []
        for line in self.lines:
            entries += parse_unit_rows(
                line=line, text=self.cleaned_data.get(f"line_{line.pk}", ""), source_label=line.product.model_number
            )
        upload = self.cleaned_data.get("csv_file")
        if upload:
            entries += parse_unit_csv(deal=self.deal, content=upload.read())
        return entries
