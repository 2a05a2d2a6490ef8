"""What the disclosure (告知書) and the quote (見積書) show: the template contexts built from the
deal, the reseller and the published vulnerability history, the chapter-6 clause (G6) and the
document numbers. Reads only; rendering and issuing are in services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from kokuchi.catalog.models import JcStarLevel, Product, ProductCategory, ServicePlanKind
from kokuchi.core.models import Reseller
from kokuchi.customers.models import SelfMaintenanceLevel
from kokuchi.deals.models import CONSUMPTION_TAX_RATE, Deal, ProposalResponse
from kokuchi.devices.models import Device
from kokuchi.disclosures import content
from kokuchi.disclosures.clauses import ClauseChoice, choose_clause_variant, clause_text
from kokuchi.disclosures.models import (
    ClauseOverride,
)
from kokuchi.vulnerabilities.selectors import VulnerabilityHistory, product_vulnerability_history

DEFAULT_QUOTE_VALIDITY_DAYS = 30


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
