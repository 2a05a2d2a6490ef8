"""Staff pages (deal panel, link, in person, paper, compliance, search) and the customer page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from kokuchi.acknowledgements import selectors, services
from kokuchi.acknowledgements.forms import (
    ConfirmationForm,
    InPersonForm,
    LinkForm,
    PaperForm,
    RevokeForm,
    SearchForm,
)
from kokuchi.acknowledgements.models import AckMethod, Acknowledgement, CustomerLink
from kokuchi.acknowledgements.sending import remember_customer_link, remembered_links, send_links
from kokuchi.core import throttles
from kokuchi.core.clients import client_ip
from kokuchi.core.models import Reseller
from kokuchi.core.roles import editor_required, staff_required
from kokuchi.deals.models import Deal
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.evidence.models import Channel
from kokuchi.evidence.services import Origin, anchor_fingerprint
from kokuchi.exposures.selectors import customer_notices

# The issued document's own HTML, shown in a sandboxed frame of a Kokuchi page: its stylesheet is
# inline (the same HTML makes the PDF), so this one response allows inline styles and nothing else.
DOCUMENT_FRAME_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "font-src": ["data:"],
    "frame-ancestors": ["'self'"],
}


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _stored_pdf(path: str, filename: str) -> HttpResponse:
    if not path or not default_storage.exists(path):
        raise Http404
    with default_storage.open(path, "rb") as handle:
        return _pdf_response(handle.read(), filename)


def _deal_redirect(version: DisclosureVersion):
    return redirect("acknowledgements:deal", deal_pk=version.disclosure.deal_id)


# ---------------------------------------------------------------------------- staff


@staff_required
def deal_panel(request, deal_pk: int):
    deal = get_object_or_404(Deal.objects.select_related("customer"), pk=deal_pk)
    status = selectors.deal_ack_status(deal)
    return render(
        request,
        "acknowledgements/deal.html",
        {
            "deal": deal,
            "status": status,
            "link_form": LinkForm(customer=deal.customer),
            "revoke_form": RevokeForm(),
            "send_links": send_links(status, remembered_links(request)),
            "breadcrumbs": [(_("Deals"), reverse("deals:deal_list")), (deal.number, deal.get_absolute_url())],
        },
    )


@editor_required
@require_POST
def create_link(request, version_pk: int):
    version = get_object_or_404(DisclosureVersion.objects.select_related("disclosure__deal__customer"), pk=version_pk)
    form = LinkForm(request.POST, customer=version.disclosure.deal.customer)
    if not form.is_valid():
        messages.error(request, _("The link could not be created: %(errors)s") % {"errors": form.errors.as_text()})
        return _deal_redirect(version)
    try:
        new = services.create_customer_link(
            version=version,
            created_by=request.user,
            contact=form.cleaned_data["contact"],
            days=form.cleaned_data["days"],
            origin=Origin.from_request(request, channel=Channel.STAFF_UI),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _deal_redirect(version)
    if new.emailed:
        messages.success(request, _("The link was e-mailed to %(email)s.") % {"email": new.link.recipient_email})
    elif new.link.recipient_email:
        messages.error(
            request,
            _("The e-mail to %(email)s could not be sent (%(error)s); send the link another way.")
            % {"email": new.link.recipient_email, "error": new.email_error},
        )
    # Only the token's hash is stored; the link itself stays in this staff user's session so
    # that the send panel (copy button, QR code) still shows it after navigating away.
    remember_customer_link(request, link_pk=new.link.pk, url=new.url)
    return _deal_redirect(version)


@editor_required
@require_POST
def revoke_link(request, link_pk: int):
    link = get_object_or_404(CustomerLink.objects.select_related("version__disclosure"), pk=link_pk)
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.revoke_customer_link(
        link=link, revoked_by=request.user, reason=reason, origin=Origin.from_request(request, channel=Channel.STAFF_UI)
    )
    messages.success(request, _("The link was revoked."))
    return _deal_redirect(link.version)


def _staff_acknowledgement(request, version_pk: int, *, method: str, form_class, template: str):
    version = get_object_or_404(DisclosureVersion.objects.select_related("disclosure__deal__customer"), pk=version_pk)
    items = selectors.required_items(version)
    form = form_class(request.POST or None, request.FILES or None, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            extra = {}
            if method == AckMethod.IN_PERSON:
                extra["typed_signature"] = data["typed_signature"]
                if data["signature"]:
                    extra["signature_png"] = services.decode_signature(data["signature"])
            else:
                extra["scan"] = services.read_scan(data["scan"])
                extra["scan_name"] = data["scan"].name
            services.record_acknowledgement(
                version=version,
                method=method,
                items=form.confirmed_items(),
                signer=services.Signer(
                    name=data["signer_name"], title=data["signer_title"], company=data["signer_company"]
                ),
                origin=Origin.from_request(
                    request, channel=Channel.IN_PERSON if method == AckMethod.IN_PERSON else Channel.PAPER
                ),
                staff=request.user,
                **extra,
            )
        except services.AlreadyAcknowledged:
            messages.info(request, _("This version was already acknowledged."))
            return _deal_redirect(version)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, _("The acknowledgement was recorded."))
            return _deal_redirect(version)
    return render(
        request,
        template,
        {
            "version": version,
            "deal": version.disclosure.deal,
            "form": form,
            "already": Acknowledgement.objects.filter(version=version).first(),
        },
    )


@editor_required
def in_person(request, version_pk: int):
    return _staff_acknowledgement(
        request,
        version_pk,
        method=AckMethod.IN_PERSON,
        form_class=InPersonForm,
        template="acknowledgements/in_person.html",
    )


@editor_required
def paper(request, version_pk: int):
    return _staff_acknowledgement(
        request, version_pk, method=AckMethod.PAPER, form_class=PaperForm, template="acknowledgements/paper.html"
    )


def _document_frame(version: DisclosureVersion) -> HttpResponse:
    return HttpResponse(version.html, content_type="text/html; charset=utf-8")


@staff_required
@never_cache
@xframe_options_sameorigin
@csp_override(DOCUMENT_FRAME_CSP)
def document_frame(request, version_pk: int):
    return _document_frame(get_object_or_404(DisclosureVersion, pk=version_pk))


@staff_required
def receipt(request, ack_pk: int):
    acknowledgement = get_object_or_404(Acknowledgement.objects.select_related("version"), pk=ack_pk)
    return _stored_pdf(acknowledgement.receipt_path, f"receipt-{acknowledgement.version.document_number}.pdf")


@staff_required
def scan(request, ack_pk: int):
    acknowledgement = get_object_or_404(Acknowledgement, pk=ack_pk)
    if not acknowledgement.scan_path or not default_storage.exists(acknowledgement.scan_path):
        raise Http404
    with default_storage.open(acknowledgement.scan_path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type=acknowledgement.scan_content_type)
    response["Content-Disposition"] = "attachment"
    return response


@staff_required
def compliance(request):
    return render(request, "acknowledgements/compliance.html", {"deals": selectors.deals_without_acknowledgement()})


@staff_required
def search(request):
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = selectors.search_disclosures(**form.cleaned_data)[:500]
    elif not form.is_bound:
        results = selectors.search_disclosures()[:100]
    return render(request, "acknowledgements/search.html", {"form": form, "results": results})


# ---------------------------------------------------------------------------- customer


def _render_customer(request, template: str, context: dict | None = None, status: int = 200):
    """Render a page of the customer's link under the reseller's name and contact (its header)."""
    return render(request, template, {"reseller": Reseller.get(), **(context or {})}, status=status)


def _client_failures_key(request) -> str:
    return throttles.throttle_key("customer-link-client", client_ip(request))


def _token_failures_key(request, token: str) -> str:
    return throttles.throttle_key("customer-link-token", token, client_ip(request))


def _customer_link_or_response(request, token: str):
    """Return (link, None) or (None, refusal response) for the customer pages.

    Wrong tokens are counted per client address (behind a trusted proxy: the forwarded address);
    refused links (expired, revoked) per token and address. Past the limit, unknown tokens from that
    address get 429 for the rest of the window, but a valid token still opens its page: a customer
    who mistyped a link, or shares an office address with someone who did, is not locked out.
    """
    window, limit = settings.CUSTOMER_LINK_FAILURE_WINDOW, settings.CUSTOMER_LINK_FAILURE_LIMIT
    try:
        link = services.resolve_customer_link(token)
    except services.LinkRefused as refused:
        key = _token_failures_key(request, token)
        if throttles.failures(key=key, window=window) >= limit:
            return None, _refusal(request, "rate_limited", status=429)
        throttles.count_failure(key=key, window=window)
        return None, _refusal(request, refused.reason, status=410)
    if link is None:
        key = _client_failures_key(request)
        if throttles.failures(key=key, window=window) >= limit:
            return None, _refusal(request, "rate_limited", status=429)
        throttles.count_failure(key=key, window=window)
        return None, _refusal(request, "unknown", status=404)
    return link, None


def _refusal(request, reason: str, *, status: int) -> HttpResponse:
    return _render_customer(request, "acknowledgements/customer_refused.html", {"reason": reason}, status=status)


@never_cache
def customer(request, token: str):
    """The page the customer opens from the e-mail: the document, one checkbox per item, the signer."""
    with translation.override("ja"):
        link, refusal = _customer_link_or_response(request, token)
        if refusal is not None:
            return refusal
        version = link.version
        acknowledgement = Acknowledgement.objects.filter(version=version).first()
        if acknowledgement is not None:
            anchor = selectors.receipt_anchor(acknowledgement)
            return _render_customer(
                request,
                "acknowledgements/customer_done.html",
                {
                    "link": link,
                    "version": version,
                    "ack": acknowledgement,
                    "token": token,
                    "notices": customer_notices(version.disclosure.deal.customer),
                    "anchor_fingerprint": anchor_fingerprint(anchor) if anchor else "",
                    "anchor_sequence": anchor["event"]["sequence"] if anchor else None,
                    "anchor_event_hash": anchor["event"]["hash"] if anchor else "",
                },
            )
        items = selectors.required_items(version)
        form = ConfirmationForm(
            request.POST or None, items=items, initial={"signer_company": version.disclosure.deal.customer.name}
        )
        origin = Origin.from_request(request, channel=Channel.CUSTOMER_LINK)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.record_acknowledgement(
                    version=version,
                    method=AckMethod.CUSTOMER_LINK,
                    items=form.confirmed_items(),
                    signer=services.Signer(
                        name=data["signer_name"], title=data["signer_title"], company=data["signer_company"]
                    ),
                    origin=origin,
                    link=link,
                )
            except services.AlreadyAcknowledged:
                pass
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
                return _customer_form(request, link, version, form, token)
            return redirect("acknowledgements:customer", token=token)
        if request.method == "GET":
            services.record_link_opened(link=link, origin=origin)
        return _customer_form(request, link, version, form, token)


def _customer_form(request, link, version, form, token):
    deal = version.disclosure.deal
    return _render_customer(
        request,
        "acknowledgements/customer.html",
        {
            "link": link,
            "version": version,
            "deal": deal,
            "customer": deal.customer,
            "form": form,
            "token": token,
            # The customer's vulnerability notices (S-VULN) are shown on the same link page.
            "notices": customer_notices(deal.customer),
        },
    )


@never_cache
@xframe_options_sameorigin
@csp_override(DOCUMENT_FRAME_CSP)
def customer_document_frame(request, token: str):
    with translation.override("ja"):
        link, refusal = _customer_link_or_response(request, token)
        if refusal is not None:
            return refusal
        return _document_frame(link.version)


@never_cache
def customer_document(request, token: str):
    with translation.override("ja"):
        link, refusal = _customer_link_or_response(request, token)
        if refusal is not None:
            return refusal
        return _pdf_response(link.version.pdf, link.version.filename)


@never_cache
def customer_receipt(request, token: str):
    with translation.override("ja"):
        link, refusal = _customer_link_or_response(request, token)
        if refusal is not None:
            return refusal
        acknowledgement = get_object_or_404(Acknowledgement, version=link.version)
        return _stored_pdf(acknowledgement.receipt_path, f"receipt-{link.version.document_number}.pdf")
