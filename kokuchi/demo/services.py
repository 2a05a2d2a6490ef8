"""The demo loaders (`kokuchi demo`): each step writes one part of the data set of
`kokuchi.demo.data`, keyed by natural keys so that loading twice leaves the same rows.

The steps are separate functions so that other demo steps (`kokuchi.demo.documents`) can run
after `load_demo`'s.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.utils import timezone

from kokuchi.catalog.manufacturers import load_manufacturers
from kokuchi.catalog.models import Manufacturer, Product, ServicePlan
from kokuchi.core.models import Reseller
from kokuchi.core.roles import Role
from kokuchi.customers.models import Contact, Customer, SkillAssessment
from kokuchi.deals.models import Deal, DealLine, DealStatus, ProposalResponse, ProposedPlan
from kokuchi.demo.data import (
    ASSESSMENT_OFFSET,
    CUSTOMERS,
    DEALS,
    DEMO_USERS,
    JC_STAR_DEMO_ISSUE_OFFSET,
    PLANS,
    PRODUCTS,
    RESELLER,
    ContractSpec,
    DealSpec,
    DeviceSpec,
)
from kokuchi.devices.models import Device, FirmwareChange, MaintenanceContract, add_months


class DemoRefused(Exception):
    """Raised when demo users with published passwords would be created outside DEBUG."""


def load_reseller() -> Reseller:
    """Fill the installation's reseller profile with the fictional 株式会社デモ販売."""
    reseller = Reseller.get()
    for field, value in RESELLER.items():
        setattr(reseller, field, value)
    reseller.full_clean()
    reseller.save()
    return reseller


def load_manufacturer_list() -> None:
    """Load or refresh the manufacturers of the packaged manufacturers.yaml, as `kokuchi load_manufacturers` does."""
    load_manufacturers()


def load_products(*, today: datetime.date) -> dict[str, Product]:
    """Create or refresh the demo products; return them by model number."""
    makers = {m.slug: m for m in Manufacturer.objects.all()}
    products: dict[str, Product] = {}
    for spec in PRODUCTS:
        fields = {
            "name": spec.name,
            "category": spec.category,
            "internet_connectable": spec.internet_connectable,
            "firmware_updatable": spec.firmware_updatable,
            "latest_firmware": spec.latest_firmware,
            "hardware_cpe": spec.hardware_cpe,
            "firmware_cpe": spec.firmware_cpe,
            "jc_star_level": spec.jc_star_level,
            "jc_star_registration_number": spec.jc_star_registration_number,
            "jc_star_issued_on": today - JC_STAR_DEMO_ISSUE_OFFSET if spec.jc_star_level else None,
            "jc_star_expires_on": None,  # clean() derives issue + 2 years
        }
        product = Product.objects.filter(manufacturer=makers[spec.manufacturer], model_number=spec.model_number).first()
        if product is None:
            product = Product(manufacturer=makers[spec.manufacturer], model_number=spec.model_number)
        for field, value in fields.items():
            setattr(product, field, value)
        product.full_clean()
        product.save()
        products[spec.model_number] = product
    return products


def load_plans() -> dict[str, ServicePlan]:
    """Create or refresh the service plans of every kind; return them by name."""
    plans: dict[str, ServicePlan] = {}
    for spec in PLANS:
        plan = ServicePlan.objects.filter(name=spec.name).first() or ServicePlan(name=spec.name)
        for field in (
            "kind",
            "description",
            "price",
            "price_unit",
            "is_third_party",
            "provider_name",
            "ipa_service_category",
            "ipa_registration_number",
        ):
            setattr(plan, field, getattr(spec, field))
        plan.active = True
        plan.full_clean()
        plan.save()
        plans[spec.name] = plan
    return plans


def load_customers(*, today: datetime.date) -> dict[str, Customer]:
    """Create or refresh the fictional customers, one primary contact each, and one
    self-maintenance assessment (S-SKILL) for all but the last; return them by code."""
    customers: dict[str, Customer] = {}
    for spec in CUSTOMERS:
        customer, _ = Customer.objects.update_or_create(
            customer_code=spec.code,
            defaults={
                "name": spec.name,
                "name_kana": spec.name_kana,
                "postal_code": "000-0000",
                "address": spec.address,
                "phone": spec.phone,
                "notify_without_contract": spec.notify_without_contract,
                "notes": "デモデータ（架空の顧客）",
            },
        )
        Contact.objects.update_or_create(
            customer=customer,
            email=spec.email,
            defaults={
                "name": spec.contact_name,
                "department": spec.department,
                "phone": spec.phone,
                "is_primary": True,
            },
        )
        if spec.assessment:
            it_staff, owner, practice, network, incident = spec.assessment
            assessment = SkillAssessment.objects.filter(customer=customer).order_by("pk").first()
            assessment = assessment or SkillAssessment(customer=customer)
            assessment.assessed_on = today - ASSESSMENT_OFFSET
            assessment.has_it_staff = it_staff
            assessment.has_security_owner = owner
            assessment.update_practice = practice
            assessment.can_check_network_settings = network
            assessment.has_incident_contact = incident
            assessment.save()
        customers[spec.code] = customer
    return customers


STATUS_ORDER = (DealStatus.DRAFT, DealStatus.QUOTED, DealStatus.ORDERED, DealStatus.DELIVERED, DealStatus.CLOSED)


def _deal_dates(spec: DealSpec, today: datetime.date) -> dict[str, datetime.date | None]:
    """Dates of each stage the deal has reached, spaced out after its opening day."""
    opened = today - datetime.timedelta(days=spec.opened_days_ago)
    reached = STATUS_ORDER.index(spec.status)
    step = max(spec.opened_days_ago // 5, 1)

    def stage(index: int) -> datetime.date | None:
        return opened + datetime.timedelta(days=step * index) if reached >= index else None

    quoted = stage(1)
    return {
        "opened_on": opened,
        "quoted_on": quoted,
        "quote_valid_until": quoted + datetime.timedelta(days=30) if quoted else None,
        "ordered_on": stage(2),
        "delivered_on": stage(3),
        "closed_on": stage(4),
    }


def load_deals(
    *,
    today: datetime.date,
    customers: dict[str, Customer],
    products: dict[str, Product],
    plans: dict[str, ServicePlan],
    sales_rep: User | None = None,
) -> list[Deal]:
    """Create or refresh the deals with their lines, proposed plans, delivered devices (with
    firmware history) and maintenance contracts."""
    deals = []
    for spec in DEALS:
        dates = _deal_dates(spec, today)
        deal = Deal.objects.filter(customer=customers[spec.customer], title=spec.title).first()
        deal = deal or Deal(customer=customers[spec.customer], title=spec.title)
        deal.status = spec.status
        deal.sales_rep = sales_rep
        deal.notes = "デモデータ"
        for field, value in dates.items():
            setattr(deal, field, value)
        deal.save()
        for position, (model_number, quantity, unit_price) in enumerate(spec.lines, start=1):
            DealLine.objects.update_or_create(
                deal=deal,
                position=position,
                defaults={"product": products[model_number], "quantity": quantity, "unit_price": unit_price},
            )
        DealLine.objects.filter(deal=deal, position__gt=len(spec.lines)).delete()
        for proposal in spec.proposals:
            answered = proposal.response != ProposalResponse.PENDING
            ProposedPlan.objects.update_or_create(
                deal=deal,
                plan=plans[proposal.plan],
                defaults={
                    "response": proposal.response,
                    "decline_reason": proposal.decline_reason,
                    "answered_on": (dates["quoted_on"] or dates["opened_on"]) if answered else None,
                },
            )
        devices = [
            load_device(
                deal=deal, spec=device, product=products[device.model_number], delivered_on=dates["delivered_on"]
            )
            for device in spec.devices
        ]
        if spec.contract:
            load_contract(deal=deal, spec=spec.contract, plan=plans[spec.contract.plan], devices=devices, today=today)
        deals.append(deal)
    return deals


def load_device(*, deal: Deal, spec: DeviceSpec, product: Product, delivered_on: datetime.date | None) -> Device:
    """Create or refresh one delivered device and, when it was updated, its FirmwareChange."""
    device = Device.objects.filter(product=product, serial_number=spec.serial_number).first()
    if device is None:
        device = Device(product=product, serial_number=spec.serial_number, firmware_at_sale=spec.firmware_at_sale)
    device.customer = deal.customer
    device.deal = deal
    device.installation_site = spec.site
    device.delivered_on = delivered_on
    device.current_firmware = spec.updated_to or spec.firmware_at_sale
    device.notes = "" if spec.firmware_at_sale else "納入時のファームウェア版数は未登録（デモデータ）"
    device.save()
    if spec.updated_to:
        FirmwareChange.objects.update_or_create(
            device=device,
            to_version=spec.updated_to,
            defaults={
                "from_version": spec.firmware_at_sale,
                "note": "脆弱性対策のため更新（デモデータ）",
                "changed_on": (delivered_on or deal.opened_on) + datetime.timedelta(days=60),
            },
        )
    return device


def load_contract(
    *, deal: Deal, spec: ContractSpec, plan: ServicePlan, devices: list[Device], today: datetime.date
) -> MaintenanceContract:
    """Create or refresh the maintenance contract (保守契約) concluded in `deal`."""
    start = today + datetime.timedelta(days=spec.start_offset_days)
    end = add_months(start, spec.months) - datetime.timedelta(days=1)
    contract, _ = MaintenanceContract.objects.update_or_create(
        contract_number=spec.number,
        defaults={
            "customer": deal.customer,
            "plan": plan,
            "deal": deal,
            "start_date": start,
            "end_date": end,
            "auto_renewal": spec.auto_renewal,
            "renewal_term_months": 12,
            "notice_period_days": spec.notice_period_days,
            "notice_given_on": None,
        },
    )
    contract.devices.set(devices)
    return contract


def load_users(*, force: bool = False) -> dict[str, User]:
    """Create the demo staff users in their role groups, with the published passwords."""
    if not settings.DEBUG and not force:
        raise DemoRefused(
            "KOKUCHI_DEBUG is off: refusing to create users with published passwords "
            "(use --force to do it anyway, or --no-users)."
        )
    users = {}
    for username, password, role in DEMO_USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.email = f"{username}@demo-hanbai.example.jp"
        user.is_active = True
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.set_password(password)
        user.save()
        group, _ = Group.objects.get_or_create(name=role.value)
        user.groups.set([group])
        users[username] = user
    return users


COUNTED_MODELS: tuple[type[models.Model], ...] = (
    Reseller,
    Manufacturer,
    Product,
    ServicePlan,
    Customer,
    Contact,
    SkillAssessment,
    Deal,
    DealLine,
    ProposedPlan,
    Device,
    FirmwareChange,
    MaintenanceContract,
    User,
    Group,
)


@dataclasses.dataclass
class DemoSummary:
    """Row counts after loading, and the demo logins (empty when users were skipped)."""

    counts: dict[str, int]
    logins: list[tuple[str, str, str]]  # (username, password, role)
    anchor: datetime.date


def count_rows() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in COUNTED_MODELS}


def load_demo(*, today: datetime.date | None = None, with_users: bool = True, force: bool = False) -> DemoSummary:
    """Load the whole demo data set in one transaction; safe to run again (same rows, same counts)."""
    anchor = today or timezone.localdate()
    with transaction.atomic():
        users = load_users(force=force) if with_users else {}
        # The demo deals belong to the demo sales user whenever it exists (also with --no-users).
        sales_rep = users.get("sales") or User.objects.filter(username="sales").first()
        load_reseller()
        load_manufacturer_list()
        products = load_products(today=anchor)
        plans = load_plans()
        customers = load_customers(today=anchor)
        load_deals(today=anchor, customers=customers, products=products, plans=plans, sales_rep=sales_rep)
    logins = [(username, password, role.value) for username, password, role in DEMO_USERS] if with_users else []
    return DemoSummary(counts=count_rows(), logins=logins, anchor=anchor)
