from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from kokuchi.core.logos import check_logo, check_logo_size, set_reseller_logo
from kokuchi.core.models import Reseller
from kokuchi.core.ui import StaffModelForm


class ResellerForm(StaffModelForm):
    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Reseller
        fields = [
            "company_name",
            "company_name_en",
            "postal_code",
            "address",
            "phone",
            "support_desk_name",
            "support_desk_phone",
            "support_desk_email",
            "support_desk_hours",
            "offers_maintenance_menu",
            "vulnerability_policy",
            "firmware_update_price",
            "firmware_update_note",
            "nonstandard_configuration_price",
            "nonstandard_configuration_note",
            "standard_setting_change_price",
            "standard_setting_change_note",
            "external_fault_price",
            "external_fault_note",
            "incident_response_price",
            "incident_response_note",
            "document_number_prefix",
            "retention_years",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["logo_file"].help_text = _(
            "PNG, JPEG or WebP, up to %(limit)s. Shown at the top of the customer's page and in the "
            "disclosure's header; without one, the first letter of the company name is shown."
        ) % {"limit": filesizeformat(settings.RESELLER_LOGO_MAX_BYTES)}
        if not self.instance.logo_sha256:
            del self.fields["remove_logo"]

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        # The size alone refuses a large file, before anything is read.
        check_logo_size(upload.size)
        return check_logo(upload.read())

    def save(self, commit=True):
        reseller = super().save(commit=False)
        if self.cleaned_data.get("logo_file"):
            set_reseller_logo(reseller=reseller, logo=self.cleaned_data["logo_file"])
        elif self.cleaned_data.get("remove_logo"):
            set_reseller_logo(reseller=reseller, logo=None)
        if commit:
            reseller.save()
        return reseller
