from kokuchi.core.ui import StaffModelForm
from kokuchi.customers.models import Contact, Customer, SkillAssessment


class CustomerForm(StaffModelForm):
    class Meta:
        model = Customer
        fields = [
            "customer_code",
            "name",
            "name_kana",
            "postal_code",
            "address",
            "phone",
            "notify_without_contract",
            "notes",
        ]


class ContactForm(StaffModelForm):
    class Meta:
        model = Contact
        fields = ["name", "department", "title", "email", "phone", "is_primary"]


class SkillAssessmentForm(StaffModelForm):
    """The S-SKILL questionnaire; the level is computed by the model from the answers."""

    class Meta:
        model = SkillAssessment
        fields = [
            "assessed_on",
            "has_it_staff",
            "has_security_owner",
            "update_practice",
            "can_check_network_settings",
            "has_incident_contact",
            "notes",
        ]
