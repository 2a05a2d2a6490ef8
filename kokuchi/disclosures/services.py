"""Disclosure workflows: build the document contexts, choose the chapter-6 clause, render, issue
(freeze) a version, and manage the reseller's template versions."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
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

from kokuchi.catalog.models import JcStarLevel, Product, ProductCategory, ServicePlanKind
from kokuchi.core.hashing import sha256_hex
from kokuchi.core.models import Reseller
from kokuchi.core.pdf import PageNumbers, render_pdf
from kokuchi.customers.models import SelfMaintenanceLevel
from kokuchi.deals.models import CONSUMPTION_TAX_RATE, Deal, ProposalResponse
from kokuchi.devices.models import Device
from kokuchi.disclosures import content
from kokuchi.disclosures.clauses import ClauseChoice, choose_clause_variant, clause_text
from kokuchi.disclosures.exports import html_to_docx, quote_to_xlsx
from kokuchi.disclosures.models import (
    ClauseFamily,
    ClauseOption,
    ClauseOverride,
    Disclosure,
    DisclosureVersion,
    DocumentKind,
    DocumentTemplate,
)
from kokuchi.evidence.services import record_disclosure_issued
from kokuchi.evidence.signing import sign_pdf
from kokuchi.vulnerabilities.selectors import VulnerabilityHistory, product_vulnerability_history

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
DEFAULT_QUOTE_VALIDITY_DAYS = 30
DATA_REQ_RE = re.compile(r"""data-req\s*=\s*["']([^"']+)["']""")


# ---------------------------------------------------------------------------- clause (G6)


def select_clause(*, deal: Deal, reseller: Reseller | None = None) -> ClauseChoice:
    """Return the chapter-6 clause of the deal: the automatic variant, or the staff override."""
    reseller = reseller or Reseller.get()
    lines = list(deal.lines.select_related("product"))
    plans = list(deal.proposed_plans.select_related("plan"))
    family, option = choose_clause_variant(
        has_network_device=any(line.product.is_network_device for line in lines),
        offers_maintenance_menu=reseller.offers_maintenance_menu,
        maintenance_proposed=any(proposal.plan.is_maintenance for proposal in plans),
        has_support_desk=reseller.has_support_desk,
    )
    override = ClauseOverride.objects.filter(deal=deal).first()
    chosen_family, chosen_option = (override.family, override.option) if override else (family, option)
    return ClauseChoice(
        family=chosen_family,
        option=chosen_option,
        automatic_family=family,
        automatic_option=option,
        overridden=override is not None,
        override_reason=override.reason if override else "",
        text=clause_text(family=chosen_family, option=chosen_option, reseller_name=reseller.company_name),
    )


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


# ---------------------------------------------------------------------------- disclosure context


@dataclass
class ProductRow:
    """One in-scope product of the deal as the disclosure shows it (G5.1-3, G5.1-5, G5.2-3, S-RISK)."""

    product: Product
    quantity: int
    firmware_versions: list[str]
    firmware_from_devices: bool
    vulnerability_info_url: str
    needs_confirmation: bool
    history: VulnerabilityHistory | None
    jc_star_valid: bool
    jc_star_level_label: str

    @property
    def manufacturer_name(self) -> str:
        return self.product.manufacturer.name_ja

    @property
    def severity_rows(self) -> list[tuple[str, int]]:
        if self.history is None:
            return []
        labels = {"CRITICAL": "緊急", "HIGH": "重要", "MEDIUM": "警告", "LOW": "注意", "UNKNOWN": "深刻度不明"}
        return [(f"{labels[key]}（{key}）", count) for key, count in self.history.by_severity.items()]


@dataclass
class MatrixRow:
    """One device (or, before delivery, one product line) of the responsibility matrix."""

    label: str
    cells: list[list[str]]  # per task (content.TASKS order): mark per party (content.PARTIES order)
    basis: list[str] = field(default_factory=list)

    @property
    def responsible(self) -> list[str]:
        """Per task, the party (or parties) doing it, by short label (the printed table)."""
        labels = [label for _party, label in content.PARTIES_SHORT]
        return [
            "・".join(label for label, mark in zip(labels, row, strict=True) if mark == content.RESPONSIBLE)
            for row in self.cells
        ]


@dataclass
class PlanRow:
    """One proposed plan as the disclosure lists it (G5.1-4, G5.1-6, G5.3, G5.4)."""

    plan_name: str
    kind_label: str
    kind: str
    description: str
    price: int | None
    price_unit: str
    provider: str
    registered: bool
    ipa_service_category: str
    ipa_registration_number: str
    response: str
    response_label: str
    decline_reason: str


def _firmware_rows(product: Product, devices: list[Device]) -> tuple[list[str], bool]:
    versions = sorted({device.firmware_at_sale for device in devices if device.firmware_at_sale})
    if versions:
        return versions, True
    # Before delivery no device exists yet: the product's latest firmware is the version at sale.
    return ([product.latest_firmware] if product.latest_firmware else []), False


def _plan_rows(deal: Deal, reseller: Reseller) -> list[PlanRow]:
    rows = []
    for proposal in deal.proposed_plans.select_related("plan").order_by("pk"):
        plan = proposal.plan
        rows.append(
            PlanRow(
                plan_name=plan.name,
                kind_label=content.PLAN_KIND_LABELS_JA[plan.kind],
                kind=plan.kind,
                description=plan.description,
                price=plan.price,
                price_unit=plan.price_unit,
                provider=plan.provider_name if plan.is_third_party else reseller.company_name,
                registered=plan.is_registered,
                ipa_service_category=plan.ipa_service_category,
                ipa_registration_number=plan.ipa_registration_number,
                response=proposal.response,
                response_label=content.RESPONSE_LABELS_JA[proposal.response],
                decline_reason=proposal.decline_reason,
            )
        )
    return rows


def _matrix_row(label: str, plans, reseller: Reseller) -> MatrixRow:
    """Derive one row: a task is the plan provider's when an accepted plan or an active contract
    covers it, the customer's otherwise; the manufacturer provides information and firmware."""
    responsible: dict[str, set[str]] = {task: set() for task, _label in content.TASKS}
    basis = []
    for plan, source in plans:
        party = "third_party" if plan.is_third_party else "reseller"
        for task in content.PLAN_TASKS.get(plan.kind, frozenset()):
            responsible[task].add(party)
        provider = plan.provider_name if plan.is_third_party else reseller.company_name
        basis.append(f"{source}：{plan.name}（{provider}）")
    cells = []
    for task, _label in content.TASKS:
        parties = responsible[task] or {"customer"}
        row = []
        for party, _party_label in content.PARTIES:
            if party in parties:
                row.append(content.RESPONSIBLE)
            elif party == "manufacturer" and task in content.MANUFACTURER_TASKS:
                row.append(content.PROVIDER)
            else:
                row.append("")
        cells.append(row)
    return MatrixRow(label=label, cells=cells, basis=basis)


def _responsibility_matrix(
    *, deal: Deal, lines, devices: list[Device], reseller: Reseller, day: datetime.date
) -> list[MatrixRow]:
    accepted = [
        (proposal.plan, "ご契約のプラン")
        for proposal in deal.proposed_plans.select_related("plan")
        if proposal.response == ProposalResponse.ACCEPTED
    ]
    in_scope_devices = [device for device in devices if device.product.in_scope]
    if in_scope_devices:
        # Devices of one product with the same split are printed as one row naming every serial
        # number: the table stays readable (and quick to render) for deals of many units.
        groups: dict[tuple, tuple[list[str], MatrixRow]] = {}
        for device in in_scope_devices:
            contracts = [
                (contract.plan, f"保守契約 {contract.contract_number or contract.pk}")
                for contract in device.contracts.all()
                if contract.covers_on(day)
            ]
            row = _matrix_row("", accepted + contracts, reseller)
            key = (device.product_id, tuple(map(tuple, row.cells)), tuple(row.basis))
            groups.setdefault(key, ([], row))[0].append(device.serial_number)
        rows = []
        for (product_id, _cells, _basis), (serials, row) in groups.items():
            product = next(device.product for device in in_scope_devices if device.product_id == product_id)
            row.label = f"{product.manufacturer.name_ja} {product.model_number}（S/N {'、'.join(serials)}）"
            rows.append(row)
        return rows
    return [
        _matrix_row(
            f"{line.product.manufacturer.name_ja} {line.product.model_number} × {line.quantity}", accepted, reseller
        )
        for line in lines
        if line.product.in_scope
    ]


def _jc_star_label(product: Product) -> str:
    return JcStarLevel(product.jc_star_level).label if product.jc_star_level else ""


def build_disclosure_context(
    *,
    deal: Deal,
    issued_at: datetime.datetime,
    document_number: str,
    version_number: int | None = None,
    preview: bool = False,
) -> dict:
    """Return everything the disclosure template shows for the deal, as of `issued_at`.

    Deterministic: the same deal data and arguments give the same context (no clock is read).
    """
    reseller = Reseller.get()
    issue_date = timezone.localdate(issued_at)
    customer = deal.customer
    lines = list(deal.lines.select_related("product__manufacturer").order_by("position", "pk"))
    devices = list(
        Device.objects.filter(deal=deal)
        .select_related("product__manufacturer")
        .prefetch_related("contracts__plan")
        .order_by("product__model_number", "serial_number")
    )

    products: dict[int, ProductRow] = {}
    out_of_scope = []
    for line in lines:
        product = line.product
        if not product.in_scope:
            out_of_scope.append(line)
            continue
        if product.pk in products:
            products[product.pk].quantity += line.quantity
            continue
        versions, from_devices = _firmware_rows(product, [d for d in devices if d.product_id == product.pk])
        manufacturer = product.manufacturer
        products[product.pk] = ProductRow(
            product=product,
            quantity=line.quantity,
            firmware_versions=versions,
            firmware_from_devices=from_devices,
            vulnerability_info_url="" if manufacturer.needs_confirmation else manufacturer.vulnerability_info_url,
            needs_confirmation=manufacturer.needs_confirmation,
            history=product_vulnerability_history(product, today=issue_date),
            jc_star_valid=product.jc_star_valid_on(issue_date),
            jc_star_level_label=_jc_star_label(product),
        )
    product_rows = list(products.values())
    plan_rows = _plan_rows(deal, reseller)
    maintenance_kinds = {ServicePlanKind.CONTINUOUS_MAINTENANCE, ServicePlanKind.SPOT_MAINTENANCE}
    support_kinds = {ServicePlanKind.OPERATIONS_SUPPORT, ServicePlanKind.SOC, ServicePlanKind.INCIDENT_RESPONSE}
    matrix = _responsibility_matrix(deal=deal, lines=lines, devices=devices, reseller=reseller, day=issue_date)
    categories = sorted(
        {row.product.category for row in product_rows}, key=lambda category: ProductCategory.values.index(category)
    )
    level = customer.self_maintenance_level
    assessment = customer.latest_assessment
    # Maintenance covers the customer's gap only when it takes over the vulnerability-information task.
    # Without any in-scope device nothing is covered either: the statement still applies.
    uncovered = not matrix or any(row.cells[0][0] == content.RESPONSIBLE for row in matrix)
    return {
        "deal": deal,
        "customer": customer,
        "contact": customer.primary_contact,
        "reseller": reseller,
        # Keyed by the letter of G5.2-1a–e so that the template can name each service.
        "paid": {service["req_id"][-1]: service for service in reseller.paid_services()},
        "document_number": document_number,
        "version_number": version_number,
        "preview": preview,
        "issued_at": issued_at,
        "issue_date": issue_date,
        "products": product_rows,
        "iot_products": [row for row in product_rows if row.product.is_iot],
        "out_of_scope_lines": out_of_scope,
        "devices": devices,
        "matrix": matrix,
        "tasks": [label for _task, label in content.TASKS],
        "parties": [label for _party, label in content.PARTIES],
        "maintenance_plans": [row for row in plan_rows if row.kind in maintenance_kinds],
        "support_plans": [row for row in plan_rows if row.kind in support_kinds],
        "other_plans": [row for row in plan_rows if row.kind not in maintenance_kinds | support_kinds],
        "declined_plans": [row for row in plan_rows if row.response == ProposalResponse.DECLINED],
        "registered_plans": [row for row in plan_rows if row.registered],
        "has_registered_plan": any(row.registered for row in plan_rows),
        "uncovered": uncovered,
        "device_tasks": [
            (content.CATEGORY_LABELS_JA[category], content.DEVICE_SPECIFIC_TASKS[category]) for category in categories
        ],
        "assessment": assessment,
        "skill_level": level,
        "skill_level_label": content.SKILL_LEVEL_LABELS_JA[level] if level else "",
        "strong_wording": level in (SelfMaintenanceLevel.NEEDS_SUPPORT, SelfMaintenanceLevel.DIFFICULT),
        "risk_facts": content.current_risk_facts(),
        "clause": select_clause(deal=deal, reseller=reseller),
        "jvn_ipedia_url": content.JVN_IPEDIA_URL,
        "jvn_url": content.JVN_URL,
        "ipa_alert_url": content.IPA_SECURITY_ALERT_URL,
        "jc_star_url": content.JC_STAR_URL,
    }


def build_quote_context(*, deal: Deal, issued_on: datetime.date) -> dict:
    """Return what the quote (見積書) shows: lines, subtotal, 消費税 10 %, total, validity, clause."""
    reseller = Reseller.get()
    lines = list(deal.lines.select_related("product__manufacturer").order_by("position", "pk"))
    subtotal = sum(line.amount for line in lines)
    # 消費税: rounded down to the yen, as Deal.tax does.
    tax = int(Decimal(subtotal) * CONSUMPTION_TAX_RATE)
    return {
        "deal": deal,
        "customer": deal.customer,
        "contact": deal.customer.primary_contact,
        "reseller": reseller,
        "document_number": quote_number(deal=deal, reseller=reseller),
        "issue_date": issued_on,
        "valid_until": deal.quote_valid_until or issued_on + datetime.timedelta(days=DEFAULT_QUOTE_VALIDITY_DAYS),
        "lines": lines,
        "subtotal": subtotal,
        "tax": tax,
        "total": subtotal + tax,
        "tax_rate_percent": 10,
        "clause": select_clause(deal=deal, reseller=reseller),
    }


def quote_number(*, deal: Deal, reseller: Reseller) -> str:
    return f"{reseller.document_number_prefix}-{deal.number}-Q"


def disclosure_number(*, deal: Deal, version_number: int, reseller: Reseller) -> str:
    return f"{reseller.document_number_prefix}-{deal.number}-{version_number:02d}"


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


@transaction.atomic
def issue_disclosure(*, deal: Deal, issued_by, issued_at: datetime.datetime | None = None) -> DisclosureVersion:
    """Freeze the deal's disclosure as a new version (PDF bytes, sha256, template version, time,
    issuer) and mark the previous current version superseded by it."""
    disclosure, _created = Disclosure.objects.get_or_create(deal=deal)
    # Lock the container so that two simultaneous issues cannot take the same version number.
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    reseller = Reseller.get()
    previous = disclosure.versions.current().order_by("-number").first()
    last_number = disclosure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    number = last_number + 1
    issued_at = issued_at or timezone.now()
    document_number = disclosure_number(deal=deal, version_number=number, reseller=reseller)
    html, label = render_disclosure_html(
        deal=deal, issued_at=issued_at, document_number=document_number, version_number=number
    )
    # The frozen PDF is PAdES-signed with the reseller's certificate (S-EVID).
    pdf = sign_pdf(
        render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS),
        reason=f"告知書 {document_number}",
        location=reseller.address,
    )
    clause = select_clause(deal=deal, reseller=reseller)
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
    )
    return version
