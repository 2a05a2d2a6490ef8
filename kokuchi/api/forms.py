from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kokuchi.api.models import RESOURCES, Access
from kokuchi.api.tokens import MAX_TOKEN_DAYS
from kokuchi.core.roles import Role

SCOPE_CHOICES = [("", _("None")), *Access.choices]


class IntegrationForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("e.g. the SFA or 販売管理 system"))
    role = forms.ChoiceField(
        label=_("acts as role"), choices=Role.choices, help_text=_("Its tokens may do what this role may do.")
    )


class TokenForm(forms.Form):
    label = forms.CharField(label=_("label"), max_length=100, required=False)
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=MAX_TOKEN_DAYS, initial=365)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for resource in RESOURCES:
            self.fields[f"scope_{resource}"] = forms.ChoiceField(label=resource, choices=SCOPE_CHOICES, required=False)

    def scopes(self) -> dict[str, str]:
        return {
            resource: self.cleaned_data[f"scope_{resource}"]
            for resource in RESOURCES
            if self.cleaned_data.get(f"scope_{resource}")
        }
