from django import forms
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Manufacturer, Product, ServicePlan
from kokuchi.core.ui import StaffModelForm


class ProductForm(StaffModelForm):
    """Product master data; CPEs are validated by the fields, the JC-STAR label (G5.1-5) by
    Product.clean (complete label, expiry at most two years after issue, filled in if empty)."""

    class Meta:
        model = Product
        fields = [
            "manufacturer",
            "model_number",
            "name",
            "category",
            "internet_connectable",
            "firmware_updatable",
            "latest_firmware",
            "latest_firmware_date",
            "end_of_sale",
            "end_of_support",
            "hardware_cpe",
            "firmware_cpe",
            "jc_star_level",
            "jc_star_registration_number",
            "jc_star_issued_on",
            "jc_star_expires_on",
            "jc_star_product_page_url",
        ]


class NameListField(forms.JSONField):
    """A list of names edited as text, one name a line (blank lines and repeats dropped)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return list(dict.fromkeys(line.strip() for line in (value or "").splitlines() if line.strip()))

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)

    def bound_data(self, data, initial):
        return data


class ManufacturerForm(StaffModelForm):
    cpe_vendors = NameListField(
        label=_("CPE vendor names"),
        required=False,
        help_text=_("As NVD/JVN CPEs write them (e.g. yamaha), one a line."),
    )
    aliases = NameListField(
        label=_("other names"),
        required=False,
        help_text=_("Other ways staff write the manufacturer's name (e.g. ヤマハ), one a line."),
    )

    class Meta:
        model = Manufacturer
        fields = [
            "slug",
            "name_ja",
            "customer_name_ja",
            "name_en",
            "aliases",
            "cpe_vendors",
            "vulnerability_info_url",
            "support_url",
            "csaf_provider_metadata_url",
            "verified",
            "source",
            "notes",
        ]


class ManufacturerConfirmForm(forms.Form):
    """Confirm (or fill) the vulnerability-information URL so the 要確認 mark goes away."""

    vulnerability_info_url = forms.URLField(
        label=_("vulnerability-information URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The manufacturer's security advisory (PSIRT) page, as checked just now."),
    )
    source = forms.CharField(
        label=_("where the URL was checked"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ServicePlanForm(StaffModelForm):
    class Meta:
        model = ServicePlan
        fields = [
            "name",
            "kind",
            "description",
            "price",
            "price_unit",
            "is_third_party",
            "provider_name",
            "ipa_service_category",
            "ipa_registration_number",
            "active",
        ]
