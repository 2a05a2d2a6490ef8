"""What the disclosure (告知書) and the quote (見積書) show: the template contexts built from the
deal, the reseller and the published vulnerability history, the chapter-6 clause (G6) and the
document numbers. Reads only; rendering and issuing are in services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kokuchi.catalog.models import Product, ProductCategory, ServicePlanKind
from kokuchi.core.logos import logo_data_uri
from kokuchi.core.models import Reseller
from kokuchi.customers.models import SelfMaintenanceLevel
from kokuchi.deals.models import CONSUMPTION_TAX_RATE, Deal, ProposalResponse
from kokuchi.disclosures import content
from kokuchi.disclosures.clauses import ClauseChoice, choose_clause_variant, clause_text
from kokuchi.disclosures.facts import FactSheet, MakerSource, build_fact_sheet, describe_changes, snapshot
from kokuchi.disclosures.models import ClauseOverride, DisclosureVersion
from kokuchi.vulnerabilities.selectors import VulnerabilityHistory, product_vulnerability_history

DEFAULT_QUOTE_VALIDITY_DAYS = 30
LONG_DEAL_ROWS = 12


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


@dataclass
class ProductFacts:
    """One in-scope product of the deal: its maker's source, JC-STAR label and published
    history (G5.1-5, G5.2-3, S-RISK); per-device facts are in the fact rows."""

    product: Product
    maker: MakerSource
    quantity: int
    history: VulnerabilityHistory | None
    jc_star_valid: bool
    jc_star_level_label: str

    @property
    def manufacturer_name(self) -> str:
        return self.maker.maker_name

    @property
    def severity_rows(self) -> list[tuple[str, int]]:
        if self.history is None:
            return []
        return [
            (f"{content.SEVERITY_LABELS_JA.get(key, '深刻度不明')}（{key}）", count)
            for key, count in self.history.by_severity.items()
        ]


@dataclass
class PaidServiceRow:
    """One of G5.2-1a–e: priced, or marked as included where every device's contract covers it."""

    letter: str
    req_id: str
    label: str
    price: int | None
    note: str
    included: bool
    partly_included: bool


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


def _paid_services(sheet: FactSheet, reseller: Reseller) -> list[PaidServiceRow]:
    included, partly = sheet.included_tasks(), sheet.partly_included_tasks()
    rows = []
    for service in reseller.paid_services():
        letter = service["req_id"][-1]
        task = content.PAID_SERVICE_TASKS.get(letter)
        rows.append(
            PaidServiceRow(
                letter=letter,
                req_id=service["req_id"],
                label=service["label"],
                price=service["price"],
                note=service["note"],
                included=task in included,
                partly_included=task in partly,
            )
        )
    return rows


def _previous_version(deal: Deal, version_number: int | None):
    qs = DisclosureVersion.objects.filter(disclosure__deal=deal)
    if version_number is not None:
        qs = qs.filter(number__lt=version_number)
    return qs.order_by("-number").first()


def build_disclosure_context(
    *,
    deal: Deal,
    issued_at: datetime.datetime,
    document_number: str,
    version_number: int | None = None,
    preview: bool = False,
    sheet: FactSheet | None = None,
) -> dict:
    """Return everything the disclosure template shows for the deal, as of `issued_at`.

    Deterministic: the same deal data and arguments give the same context (no clock is read).
    """
    reseller = Reseller.get()
    sheet = sheet or build_fact_sheet(deal=deal, at=issued_at)
    issue_date = timezone.localdate(issued_at)
    customer = deal.customer
    lines = list(deal.lines.select_related("product__manufacturer").order_by("position", "pk"))
    products: dict[int, ProductFacts] = {}
    for facts in sheet.devices:
        row = products.get(facts.product.pk)
        if row is None:
            products[facts.product.pk] = ProductFacts(
                product=facts.product,
                maker=facts.maker,
                quantity=facts.quantity,
                history=product_vulnerability_history(facts.product, today=issue_date),
                jc_star_valid=facts.jc_star_valid,
                jc_star_level_label=facts.jc_star_level_label,
            )
        else:
            row.quantity += facts.quantity
    product_rows = list(products.values())
    out_of_scope = [line for line in lines if not line.product.in_scope]
    plan_rows = _plan_rows(deal, reseller)
    maintenance_kinds = {ServicePlanKind.CONTINUOUS_MAINTENANCE, ServicePlanKind.SPOT_MAINTENANCE}
    support_kinds = {ServicePlanKind.OPERATIONS_SUPPORT, ServicePlanKind.SOC, ServicePlanKind.INCIDENT_RESPONSE}
    categories = sorted(
        {row.product.category for row in product_rows}, key=lambda category: ProductCategory.values.index(category)
    )
    level = customer.self_maintenance_level
    assessment = customer.latest_assessment
    customer_tasks = sheet.customer_tasks
    fact_rows = sheet.rows
    previous = _previous_version(deal, version_number)
    clause = select_clause(deal=deal, reseller=reseller)
    changes = (
        describe_changes(previous.facts, snapshot(sheet, clause=f"{clause.family}-{clause.option}"))
        if previous is not None
        else []
    )
    return {
        "deal": deal,
        "customer": customer,
        "contact": customer.primary_contact,
        "reseller": reseller,
        "reseller_logo": logo_data_uri(reseller),
        "paid_services": _paid_services(sheet, reseller),
        "document_number": document_number,
        "version_number": version_number,
        "previous_version": previous,
        "changes": changes,
        "preview": preview,
        "issued_at": issued_at,
        "issue_date": issue_date,
        "sheet": sheet,
        "coverage": sheet.coverage,
        "fact_rows": fact_rows,
        "firmware_rows": sheet.firmware_rows,
        # Enough rows to fill pages: the device tables become a PDF part of their own.
        "long_deal": len(fact_rows) > LONG_DEAL_ROWS,
        "delivered": sheet.delivered,
        "products": product_rows,
        "makers": [row.maker for row in product_rows],
        "iot_products": [row for row in product_rows if row.product.is_iot],
        "out_of_scope_lines": out_of_scope,
        "tasks": [label for _task, label in content.TASKS],
        "task_headers": [content.TASK_HEADERS[task] for task, _label in content.TASKS],
        "parties": [label for _party, label in content.PARTIES],
        "maintenance_plans": [row for row in plan_rows if row.kind in maintenance_kinds],
        "support_plans": [row for row in plan_rows if row.kind in support_kinds],
        "other_plans": [row for row in plan_rows if row.kind not in maintenance_kinds | support_kinds],
        "declined_plans": [row for row in plan_rows if row.response == ProposalResponse.DECLINED],
        "registered_plans": [row for row in plan_rows if row.registered],
        "has_registered_plan": any(row.registered for row in plan_rows),
        # Nothing in-scope: the customer's own tasks still apply (the statement is printed).
        "uncovered": not sheet.devices or bool(customer_tasks),
        "customer_tasks": [content.CUSTOMER_TASK_LABELS_JA[task] for task in customer_tasks],
        "customer_does_device_specific": "device_specific" in customer_tasks or not sheet.devices,
        "device_tasks": [
            (content.CATEGORY_LABELS_JA[category], content.DEVICE_SPECIFIC_TASKS[category]) for category in categories
        ],
        "assessment": assessment,
        "skill_level": level,
        "skill_level_label": content.SKILL_LEVEL_LABELS_JA[level] if level else "",
        "strong_wording": level in (SelfMaintenanceLevel.NEEDS_SUPPORT, SelfMaintenanceLevel.DIFFICULT),
        "offers_menu": reseller.offers_maintenance_menu,
        "risk_facts": content.cited_risk_facts(),
        "clause": clause,
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
        "reseller_logo": logo_data_uri(reseller),
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
