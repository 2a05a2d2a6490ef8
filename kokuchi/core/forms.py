from kokuchi.core.models import Reseller
from kokuchi.core.ui import StaffModelForm


class ResellerForm(StaffModelForm):
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
