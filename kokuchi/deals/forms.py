from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import Product, ServicePlan
from kokuchi.core.ui import DateInput, StaffModelForm
from kokuchi.deals.models import Deal, DealLine, ProposedPlan


class DealForm(StaffModelForm):
    """The deal's own data; its status moves only through the status buttons."""

    class Meta:
        model = Deal
        fields = ["title", "customer", "sales_rep", "opened_on", "quote_valid_until", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sales_rep"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


class DealLineForm(StaffModelForm):
    class Meta:
        model = DealLine
        fields = ["product", "quantity", "unit_price", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.select_related("manufacturer")


class ProposePlanForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("service plan"), queryset=ServicePlan.objects.none())

    def __init__(self, *args, deal: Deal, **kwargs):
        super().__init__(*args, **kwargs)
        # Only active plans not yet proposed in this deal.
        self.fields["plan"].queryset = ServicePlan.objects.filter(active=True).exclude(proposals__deal=deal)


class PlanAnswerForm(StaffModelForm):
    class Meta:
        model = ProposedPlan
        fields = ["response", "decline_reason", "answered_on"]
        widgets = {"answered_on": DateInput(), "decline_reason": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "decline_reason": _(
                "Required when the customer declines: the disclosure's no-liability statement rests on it."
            )
        }
