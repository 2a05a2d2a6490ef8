"""Disclosure workflows: choose (override) the chapter-6 clause, render, issue (freeze) a version,
and manage the reseller's template versions. The document contexts are built in `context`."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.template import TemplateSyntaxError, engines
from django.template.backends.django import Template as DjangoTemplate
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _

from kokuchi.core.hashing import sha256_hex
from kokuchi.core.models import Reseller
from kokuchi.core.pdf import PageNumbers, render_pdf
from kokuchi.deals.models import Deal
from kokuchi.disclosures import content
from kokuchi.disclosures.checks import PreIssueBlocked, WarningsNotAcknowledged, check_sheet, contradictions
from kokuchi.disclosures.context import (
    build_disclosure_context,
    build_quote_context,
    disclosure_number,
)
from kokuchi.disclosures.exports import html_to_docx, quote_to_xlsx
from kokuchi.disclosures.facts import build_fact_sheet, snapshot
from kokuchi.disclosures.models import (
    ClauseFamily,
    ClauseOption,
    ClauseOverride,
    Disclosure,
    DisclosureVersion,
    DocumentKind,
    DocumentTemplate,
    FirmwareUnknown,
)
from kokuchi.disclosures.signals import disclosure_issued
from kokuchi.evidence.services import record_disclosure_issued
from kokuchi.evidence.signing import sign_pdf

# Page numbers of the disclosure and the quote: centred in the 20 mm bottom margin of
# _document_style.html (stamped after the PDF parts are joined, see kokuchi/core/pdf.py).
DOCUMENT_PAGE_NUMBERS = PageNumbers(bottom_mm=10)

PACKAGED_TEMPLATE_VERSION = "standard-2"  # 2: PDF in two parts, stamped page numbers
PACKAGED_TEMPLATES: dict[str, str] = {
    DocumentKind.DISCLOSURE: "disclosures/document.html",
    DocumentKind.QUOTE: "disclosures/quote.html",
}
REQUIRED_IDS: dict[str, tuple[str, ...]] = {
    DocumentKind.DISCLOSURE: content.DISCLOSURE_REQUIRED_IDS,
    DocumentKind.QUOTE: content.QUOTE_REQUIRED_IDS,
}
DATA_REQ_RE = re.compile(r"""data-req\s*=\s*["']([^"']+)["']""")


# ---------------------------------------------------------------------------- clause (G6)


def override_clause(*, deal: Deal, family: str, option: int, reason: str, user) -> ClauseOverride:
    """Record staff's choice of clause variant for the deal, with its reason (G6)."""
    errors = {}
    if family not in ClauseFamily.values:
        errors["family"] = _("Unknown clause family: %(value)s") % {"value": family}
    if option not in ClauseOption.values:
        errors["option"] = _("Unknown clause variant: %(value)s") % {"value": option}
    if not reason.strip():
        errors["reason"] = _("Give the reason for choosing another clause than the automatic one.")
    if errors:
        raise ValidationError(errors)
    override, _created = ClauseOverride.objects.update_or_create(
        deal=deal, defaults={"family": family, "option": option, "reason": reason.strip(), "set_by": user}
    )
    return override


def clear_clause_override(*, deal: Deal) -> None:
    """Return the deal to the automatic clause."""
    ClauseOverride.objects.filter(deal=deal).delete()


# ---------------------------------------------------------------------------- templates


class DocumentTemplateLike(Protocol):
    """What a template from Django's template engine offers: render a context dictionary."""

    def render(self, context: dict[str, Any] | None = None, request: HttpRequest | None = None) -> str: ...


def active_template(*, kind: str) -> tuple[DocumentTemplateLike, str]:
    """Return the template used for new documents of `kind` and its version label."""
    custom = DocumentTemplate.objects.filter(kind=kind).order_by("-version").first()
    if custom is not None:
        return engines["django"].from_string(custom.body), custom.label
    return get_template(PACKAGED_TEMPLATES[kind]), PACKAGED_TEMPLATE_VERSION


def active_template_source(*, kind: str) -> str:
    """Return the source text staff start from when editing the template of `kind`."""
    custom = DocumentTemplate.objects.filter(kind=kind).order_by("-version").first()
    if custom is not None:
        return custom.body
    template = get_template(PACKAGED_TEMPLATES[kind])
    assert isinstance(template, DjangoTemplate)  # the packaged templates are Django templates
    return template.template.source


def missing_requirement_ids(*, kind: str, body: str) -> list[str]:
    """Return the required requirement IDs that have no data-req attribute in `body`."""
    present = set(DATA_REQ_RE.findall(body))
    return [req_id for req_id in REQUIRED_IDS[kind] if req_id not in present]


def save_template_version(*, kind: str, body: str, note: str, user) -> DocumentTemplate:
    """Store a new version of the reseller's template of `kind` after checking that it compiles
    and still carries every required requirement ID."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Unknown document: %(value)s") % {"value": kind}})
    missing = missing_requirement_ids(kind=kind, body=body)
    if missing:
        raise ValidationError(
            {"body": _("The template drops required requirement IDs: %(ids)s") % {"ids": ", ".join(missing)}}
        )
    try:
        engines["django"].from_string(body)
    except TemplateSyntaxError as error:
        raise ValidationError({"body": _("The template does not compile: %(error)s") % {"error": error}}) from error
    with transaction.atomic():
        last = (
            DocumentTemplate.objects.select_for_update()
            .filter(kind=kind)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        return DocumentTemplate.objects.create(
            kind=kind, version=(last or 0) + 1, body=body, note=note, created_by=user
        )


# ---------------------------------------------------------------------------- rendering


def render_disclosure_html(
    *,
    deal: Deal,
    issued_at: datetime.datetime,
    document_number: str,
    version_number: int | None = None,
    preview: bool = False,
) -> tuple[str, str]:
    """Return the disclosure HTML and the template version it was rendered with."""
    template, label = active_template(kind=DocumentKind.DISCLOSURE)
    context = build_disclosure_context(
        deal=deal, issued_at=issued_at, document_number=document_number, version_number=version_number, preview=preview
    )
    return template.render(context), label


def render_disclosure_preview(*, deal: Deal, at: datetime.datetime | None = None) -> str:
    """Return the HTML of the disclosure as it would be issued now (not frozen)."""
    reseller = Reseller.get()
    last = DisclosureVersion.objects.filter(disclosure__deal=deal).aggregate(last=Max("number"))["last"]
    number = (last or 0) + 1
    html, _label = render_disclosure_html(
        deal=deal,
        issued_at=at or timezone.now(),
        preview=True,
        version_number=number,
        document_number=disclosure_number(deal=deal, version_number=number, reseller=reseller),
    )
    return html


def render_quote_html(*, deal: Deal, issued_on: datetime.date | None = None) -> str:
    template, _label = active_template(kind=DocumentKind.QUOTE)
    day = issued_on or deal.quoted_on or timezone.localdate()
    return template.render(build_quote_context(deal=deal, issued_on=day))


@dataclass(frozen=True)
class ExportedFile:
    """A rendered document ready to download or write: bytes, MIME type and file name."""

    content: bytes
    content_type: str
    filename: str


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DISCLOSURE_FORMATS = ("pdf", "html", "docx")
QUOTE_FORMATS = ("pdf", "xlsx", "html")


def export_disclosure(*, deal: Deal, fmt: str, at: datetime.datetime | None = None) -> ExportedFile:
    """Render the deal's disclosure as it would be issued at `at` (now by default) in `fmt`."""
    if fmt not in DISCLOSURE_FORMATS:
        raise ValueError(f"Unknown disclosure format {fmt!r}; use one of {', '.join(DISCLOSURE_FORMATS)}.")
    html = render_disclosure_preview(deal=deal, at=at)
    if fmt == "pdf":
        data = render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS)
    elif fmt == "docx":
        data = html_to_docx(html)
    else:
        data = html.encode("utf-8")
    return ExportedFile(content=data, content_type=CONTENT_TYPES[fmt], filename=f"disclosure-{deal.number}.{fmt}")


def export_quote(*, deal: Deal, fmt: str, issued_on: datetime.date | None = None) -> ExportedFile:
    """Render the deal's quote (見積書) in `fmt`."""
    if fmt not in QUOTE_FORMATS:
        raise ValueError(f"Unknown quote format {fmt!r}; use one of {', '.join(QUOTE_FORMATS)}.")
    if fmt == "xlsx":
        day = issued_on or deal.quoted_on or timezone.localdate()
        data = quote_to_xlsx(build_quote_context(deal=deal, issued_on=day))
    else:
        html = render_quote_html(deal=deal, issued_on=issued_on)
        data = render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS) if fmt == "pdf" else html.encode("utf-8")
    return ExportedFile(content=data, content_type=CONTENT_TYPES[fmt], filename=f"quote-{deal.number}.{fmt}")


def mark_firmware_unknown(*, device, reason: str, user) -> FirmwareUnknown:
    """Record that the device's firmware at sale cannot be known, with the reason (G5.1-3);
    the pre-issue check then lets the disclosure state it as unknown."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason why the firmware at sale is unknown.")})
    if device.firmware_at_sale:
        raise ValidationError({"reason": _("The device has a firmware version at sale already.")})
    mark, _created = FirmwareUnknown.objects.update_or_create(
        device=device, defaults={"reason": reason.strip(), "marked_by": user}
    )
    return mark


@transaction.atomic
def issue_disclosure(
    *,
    deal: Deal,
    issued_by,
    issued_at: datetime.datetime | None = None,
    acknowledged_warnings: dict[str, str] | None = None,
) -> DisclosureVersion:
    """Freeze the deal's disclosure as a new version (PDF bytes, sha256, template version, time,
    issuer) and mark the previous current version superseded by it.

    The pre-issue check runs first: blocking items raise PreIssueBlocked; warnings not given a
    reason in `acknowledged_warnings` ("<code>:<device_id or ->" → reason) raise
    WarningsNotAcknowledged. The acknowledgements are kept on the version and in the evidence log.
    """
    disclosure, _created = Disclosure.objects.get_or_create(deal=deal)
    # Lock the container so that two simultaneous issues cannot take the same version number.
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    reseller = Reseller.get()
    issued_at = issued_at or timezone.now()
    sheet = build_fact_sheet(deal=deal, at=issued_at)
    check = check_sheet(sheet, contradictions=contradictions(sheet=sheet, reseller=reseller))
    if check.blocking:
        raise PreIssueBlocked(check.blocking)
    missing = check.unacknowledged(acknowledged_warnings)
    if missing:
        raise WarningsNotAcknowledged(missing)
    given = acknowledged_warnings or {}
    acknowledged = [item.as_dict() | {"reason": given[item.key].strip()} for item in check.warnings]
    previous = disclosure.versions.current().order_by("-number").first()
    last_number = disclosure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    number = last_number + 1
    document_number = disclosure_number(deal=deal, version_number=number, reseller=reseller)
    template, label = active_template(kind=DocumentKind.DISCLOSURE)
    context = build_disclosure_context(
        deal=deal, issued_at=issued_at, document_number=document_number, version_number=number, sheet=sheet
    )
    html = template.render(context)
    # The frozen PDF is PAdES-signed with the reseller's certificate (S-EVID).
    pdf = sign_pdf(
        render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS),
        reason=f"告知書 {document_number}",
        location=reseller.address,
    )
    clause = context["clause"]
    version = DisclosureVersion.objects.create(
        disclosure=disclosure,
        number=number,
        document_number=document_number,
        template_version=label,
        clause_family=clause.family,
        clause_option=clause.option,
        html=html,
        pdf=pdf,
        sha256=sha256_hex(pdf),
        issued_at=issued_at,
        issued_by=issued_by,
        acknowledged_warnings=acknowledged,
        facts=snapshot(sheet, clause=f"{clause.family}-{clause.option}"),
        changes=context["changes"],
    )
    if previous is not None:
        DisclosureVersion.objects.filter(pk=previous.pk, superseded_by__isnull=True).update(
            superseded_by=version, superseded_at=issued_at
        )
    record_disclosure_issued(
        deal_number=deal.number,
        version_id=version.pk,
        document_number=document_number,
        pdf=pdf,
        issued_by=issued_by,
        previous_version_id=previous.pk if previous else None,
        previous_sha256=previous.sha256 if previous else "",
        acknowledged_warnings=acknowledged,
    )
    transaction.on_commit(lambda: disclosure_issued.send(sender=DisclosureVersion, version=version))
    return version
