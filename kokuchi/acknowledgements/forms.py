from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kokuchi.acknowledgements.models import DEFAULT_LINK_DAYS, AckItem
from kokuchi.customers.models import Contact


class ConfirmationForm(forms.Form):
    """The signer's confirmations (one checkbox per required item) and identity."""

    signer_name = forms.CharField(label=_("Your name"), max_length=100)
    signer_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    signer_company = forms.CharField(label=_("Company name"), max_length=200)

    def __init__(self, *args, items: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.item_ids = list(items)
        for item in items:
            self.fields[self.field_name(item)] = forms.BooleanField(label=AckItem(item).label, required=True)

    @staticmethod
    def field_name(item: str) -> str:
        return "item_" + item.replace(".", "_").replace("-", "_")

    def item_fields(self):
        return [(item, self[self.field_name(item)]) for item in self.item_ids]

    def confirmed_items(self) -> list[str]:
        return [item for item in self.item_ids if self.cleaned_data.get(self.field_name(item))]


class InPersonForm(ConfirmationForm):
    """At the counter: the same confirmations plus a drawn (canvas PNG) or typed signature."""

    signature = forms.CharField(widget=forms.HiddenInput, required=False)
    typed_signature = forms.CharField(label=_("Typed signature"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("signature") or cleaned.get("typed_signature", "").strip()):
            raise forms.ValidationError(_("Draw the signature or type it."))
        return cleaned


class PaperForm(ConfirmationForm):
    """A signed paper form, scanned: the items ticked on paper, the signer, and the scan."""

    scan = forms.FileField(label=_("Signed scan (PDF, JPEG or PNG)"))


class LinkForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Send to"), queryset=Contact.objects.none(), required=False)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=DEFAULT_LINK_DAYS)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["contact"].initial = customer.primary_contact


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class SearchForm(forms.Form):
    """The 電子帳簿保存法 search keys: transaction date (range), amount (range), counterparty."""

    date_from = forms.DateField(label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Issued to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    customer = forms.CharField(label=_("Customer"), max_length=200, required=False)
    amount_min = forms.IntegerField(label=_("Amount from (yen, incl. tax)"), min_value=0, required=False)
    amount_max = forms.IntegerField(label=_("Amount to (yen, incl. tax)"), min_value=0, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The upper amount is below the lower amount."))
        return cleaned
