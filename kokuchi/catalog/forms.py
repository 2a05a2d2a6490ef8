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


class ManufacturerForm(StaffModelForm):
    class Meta:
        model = Manufacturer
        fields = [
            "slug",
            "name_ja",
            "name_en",
            "cpe_vendor",
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
