"""Staff pages of exposures (per device, per customer, list) and the customer-facing notice page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kokuchi.catalog.models import Product
from kokuchi.core.roles import can_edit, editor_required, staff_required
from kokuchi.core.ui import CountlessPaginator, ExportColumn, FilteredListView
from kokuchi.customers.models import Customer
from kokuchi.devices.models import Device
from kokuchi.exposures.filters import CustomerExposureFilter, ExposureFilter
from kokuchi.exposures.forms import CandidateReviewForm, CpeConfirmationForm, ExposureStatusForm
from kokuchi.exposures.matching import method_source
from kokuchi.exposures.models import Exposure, ExposureStatus
from kokuchi.exposures.notices import LINK_PLACEHOLDER, record_notice_read
from kokuchi.exposures.product_cpe import confirm_product_cpe
from kokuchi.exposures.reports import render_customer_report
from kokuchi.exposures.selectors import exposure_counts, product_cpe_suggestions, vendor_statements_for_device
from kokuchi.exposures.status import change_exposure_status, confirm_candidate, dismiss_candidate
from kokuchi.vulnerabilities.selectors import attach_jvn_titles

# Exposures run to millions: these lists page without counting (CountlessPaginator).
PAGE_SIZE = 50


def _form_errors(form: forms.Form) -> str:
    return "; ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


class ExposureListView(FilteredListView):
    """Exposures of every customer, most urgent first; open ones unless a status is chosen."""

    filterset_class = ExposureFilter
    paginator_class = CountlessPaginator
    paginate_by = PAGE_SIZE
    page_title = gettext_lazy("Exposures")
    template_name = "exposures/exposure_list.html"
    export_filename = "exposures"
    export_columns = (
        ExportColumn(gettext_lazy("Priority"), "get_priority_display"),
        ExportColumn(gettext_lazy("Customer"), "customer.name"),
        ExportColumn(gettext_lazy("Model number"), "device.product.model_number"),
        ExportColumn(gettext_lazy("Serial number"), "device.serial_number"),
        ExportColumn(gettext_lazy("Current firmware"), "device.current_firmware"),
        ExportColumn(gettext_lazy("Vulnerability"), "vulnerability.vuln_id"),
        ExportColumn(gettext_lazy("Status"), "get_status_display"),
        ExportColumn(gettext_lazy("Explanation"), "explanation"),
    )

    def get_queryset(self):
        self.queryset = Exposure.objects.for_list().order_by("priority", "-pk")
        return super().get_queryset()

    def get_filter_data(self):
        data = self.request.GET.copy()
        data.setdefault("status", ExposureStatus.OPEN)
        return data

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attach_jvn_titles(exposure.vulnerability for exposure in context["object_list"])
        return context


class CustomerExposureListView(ExposureListView):
    """One customer's exposures with the number in each status."""

    filterset_class = CustomerExposureFilter
    template_name = "exposures/customer_exposures.html"

    def get_queryset(self):
        self.customer = get_object_or_404(Customer, pk=self.kwargs["pk"])
        self.queryset = Exposure.objects.for_list().filter(customer=self.customer).order_by("priority", "-pk")
        return super(ExposureListView, self).get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            customer=self.customer,
            page_title=self.customer.name,
            counts=exposure_counts(customer_pk=self.customer.pk),
            statuses=ExposureStatus.choices,
        )
        return context


@staff_required
def device_exposures_view(request, pk: int):
    device = get_object_or_404(Device.objects.select_related("product__manufacturer", "customer"), pk=pk)
    exposures = list(
        Exposure.objects.filter(device=device).select_related("vulnerability").prefetch_related("history__changed_by")
    )
    for exposure in exposures:
        exposure.source = method_source(exposure.method)  # type: ignore[attr-defined]
    attach_jvn_titles(exposure.vulnerability for exposure in exposures)
    return render(
        request,
        "exposures/device_exposures.html",
        {
            "device": device,
            "exposures": exposures,
            "statuses": ExposureStatus.choices,
            "vendor_statements": vendor_statements_for_device(device),
        },
    )


@editor_required
@require_POST
def exposure_candidate_view(request, pk: int):
    """Confirm or dismiss a candidate staff must check (要確認); who and when go into the history."""
    exposure = get_object_or_404(Exposure, pk=pk)
    form = CandidateReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("exposures:device_exposures", pk=exposure.device_id)
    review = confirm_candidate if form.cleaned_data["decision"] == "confirm" else dismiss_candidate
    try:
        review(exposure=exposure, reason=form.cleaned_data["reason"], changed_by=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("exposures:device_exposures", pk=exposure.device_id)


@editor_required
@require_POST
def exposure_status_view(request, pk: int):
    exposure = get_object_or_404(Exposure, pk=pk)
    form = ExposureStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("exposures:device_exposures", pk=exposure.device_id)
    try:
        change_exposure_status(
            exposure=exposure,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            changed_by=request.user,
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, _("Status changed."))
    return redirect("exposures:device_exposures", pk=exposure.device_id)


@staff_required
def customer_report_view(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    pdf = render_customer_report(customer=customer)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="vulnerability-report-{customer.customer_code}.pdf"'
    return response


@never_cache
def notice_read_view(request, token: str):
    """Customer-facing page of one notice (no login): opening it records the reading."""
    delivery = record_notice_read(token=token)
    if delivery is None:
        raise Http404
    notice = delivery.notice
    exposures = notice.exposures.select_related("device__product__manufacturer").order_by(
        "device__product__model_number", "device__serial_number"
    )
    return render(
        request,
        "exposures/notice_read.html",
        {
            "notice": notice,
            "delivery": delivery,
            "exposures": exposures,
            "vulnerability": notice.vulnerability,
            "body": notice.body.replace(LINK_PLACEHOLDER, "（このページです）"),
        },
    )


@staff_required
def product_cpe_view(request, pk: int):
    """CPE suggestions for a product (any staff role); POST confirms one (admin and sales)."""
    product = get_object_or_404(Product.objects.select_related("manufacturer"), pk=pk)
    if request.method == "POST":
        if not can_edit(request.user):
            return HttpResponseForbidden()
        form = CpeConfirmationForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("exposures:product_cpe", pk=product.pk)
        try:
            result = confirm_product_cpe(
                product=product,
                kind=form.cleaned_data["kind"],
                vendor=form.cleaned_data["vendor"],
                product_name=form.cleaned_data["product_name"],
                user=request.user,
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, _("CPE confirmed: %(cpe)s") % {"cpe": result.cpe23})
        return redirect("exposures:product_cpe", pk=product.pk)
    return render(
        request,
        "exposures/product_cpe.html",
        {"product": product, "suggestions": product_cpe_suggestions(product)},
    )
