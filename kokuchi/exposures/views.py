"""Staff pages of exposures (per device, per customer, list) and the customer-facing notice page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kokuchi.catalog.models import Product
from kokuchi.core.roles import can_edit, editor_required, staff_required
from kokuchi.customers.models import Customer
from kokuchi.devices.models import Device
from kokuchi.exposures.models import Exposure, ExposureStatus, Priority
from kokuchi.exposures.notices import LINK_PLACEHOLDER, record_notice_read
from kokuchi.exposures.product_cpe import confirm_product_cpe
from kokuchi.exposures.reports import render_customer_report
from kokuchi.exposures.selectors import exposure_counts, exposure_list, product_cpe_suggestions
from kokuchi.exposures.status import change_exposure_status

PAGE_SIZE = 50


@dataclass
class _Page:
    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _page_without_count(qs, number: str | None) -> _Page:
    """One page of `qs` without COUNT(*): counting millions of exposures would cost more than
    the page itself, and the list only needs "next"/"previous"."""
    page = int(number) if number and number.isdigit() and int(number) > 0 else 1
    start = (page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    return _Page(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


@staff_required
def exposure_list_view(request):
    status = request.GET.get("status", ExposureStatus.OPEN)
    priority = request.GET.get("priority") or None
    customer_code = request.GET.get("customer") or None
    qs = exposure_list(
        status=status or None,
        priority=int(priority) if priority and priority.isdigit() else None,
        customer_code=customer_code,
    )
    page = _page_without_count(qs, request.GET.get("page"))
    return render(
        request,
        "exposures/exposure_list.html",
        {
            "page": page,
            "statuses": ExposureStatus.choices,
            "priorities": Priority.choices,
            "status": status,
            "priority": priority or "",
            "customer_code": customer_code or "",
        },
    )


@staff_required
def device_exposures_view(request, pk: int):
    device = get_object_or_404(Device.objects.select_related("product__manufacturer", "customer"), pk=pk)
    exposures = (
        Exposure.objects.filter(device=device).select_related("vulnerability").prefetch_related("history__changed_by")
    )
    return render(
        request,
        "exposures/device_exposures.html",
        {"device": device, "exposures": exposures, "statuses": ExposureStatus.choices},
    )


@staff_required
def customer_exposures_view(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    status = request.GET.get("status") or ExposureStatus.OPEN
    exposures = exposure_list(status=status, customer_pk=customer.pk)
    page = _page_without_count(exposures, request.GET.get("page"))
    return render(
        request,
        "exposures/customer_exposures.html",
        {
            "customer": customer,
            "page": page,
            "counts": exposure_counts(customer_pk=customer.pk),
            "statuses": ExposureStatus.choices,
            "status": status,
        },
    )


@editor_required
@require_POST
def exposure_status_view(request, pk: int):
    exposure = get_object_or_404(Exposure, pk=pk)
    try:
        change_exposure_status(
            exposure=exposure,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
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
        try:
            result = confirm_product_cpe(
                product=product,
                kind=request.POST.get("kind", ""),
                vendor=request.POST.get("vendor", ""),
                product_name=request.POST.get("product_name", ""),
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
