from django.utils.translation import gettext_lazy as _

from kokuchi.core.ui import StaffModelForm
from kokuchi.customers.models import Contact, Customer, SkillAssessment
from kokuchi.customers.services import next_customer_code


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            code = self.fields["customer_code"]
            code.required = False
            code.help_text = _("Left empty, the next free code is given (%(example)s).") % {
                "example": next_customer_code()
            }

    def clean_customer_code(self):
        code = self.cleaned_data.get("customer_code", "").strip()
        return code or next_customer_code()


class ContactForm(StaffModelForm):
    class Meta:
        model = Contact
        fields = ["name", "department", "title", "email", "phone", "is_primary"]
        # The model's field is shared wording ("title"); for a person it is the job title (役職).
        labels = {"title": _("job title")}


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
