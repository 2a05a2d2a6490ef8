from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kokuchi.disclosures.models import ClauseFamily, ClauseOption


class ClauseOverrideForm(forms.Form):
    family = forms.ChoiceField(label=_("Clause family"), choices=ClauseFamily.choices)
    option = forms.TypedChoiceField(label=_("Clause variant"), choices=ClauseOption.choices, coerce=int)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class TemplateVersionForm(forms.Form):
    body = forms.CharField(label=_("Template source"), widget=forms.Textarea(attrs={"rows": 30, "cols": 120}))
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)
