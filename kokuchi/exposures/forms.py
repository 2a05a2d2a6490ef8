"""Forms of the exposures pages: they check the shape of what staff send; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kokuchi.exposures.models import ExposureStatus
from kokuchi.exposures.product_cpe import CpeKind

# Statuses staff may set by hand; the others follow the device and the vulnerability data.
STAFF_STATUSES = (ExposureStatus.OPEN, ExposureStatus.RISK_ACCEPTED, ExposureStatus.FALSE_POSITIVE)


class ExposureStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[(s.value, s.label) for s in STAFF_STATUSES])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class CpeConfirmationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("CPE kind"), choices=[(CpeKind.HARDWARE, _("Hardware")), (CpeKind.FIRMWARE, _("Firmware / OS"))]
    )
    vendor = forms.CharField(label=_("vendor"), max_length=200)
    product_name = forms.CharField(label=_("product"), max_length=200)


class CandidateReviewForm(forms.Form):
    """Staff's decision on a candidate to confirm (要確認)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", pgettext_lazy("exposure decision", "Confirm")), ("dismiss", _("Dismiss"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)
