"""Demo documents: issued disclosures and their acknowledgements, loaded by `kokuchi demo`
through `load_demo_acknowledgements()`.

It works on whatever delivered deals exist: each deal without an issued disclosure gets one of the
scenarios below, in this order, so a new user sees every channel and every state. Deals that already
have a disclosure are left alone, which makes a second run a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from kokuchi.acknowledgements.models import AckMethod
from kokuchi.acknowledgements.selectors import required_items
from kokuchi.acknowledgements.services import Signer, create_customer_link, record_acknowledgement, record_link_opened
from kokuchi.core.pdf import render_pdf
from kokuchi.core.roles import Role
from kokuchi.deals.models import Deal
from kokuchi.devices.models import Device
from kokuchi.disclosures.checks import run_pre_issue_check
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.disclosures.services import issue_disclosure, mark_firmware_unknown
from kokuchi.evidence.models import Channel
from kokuchi.evidence.services import Origin

SCENARIOS = ("customer_link", "in_person", "paper", "awaiting", "superseded")
DEMO_STAFF_USERNAME = "demo-sales"
PHONE = Origin(
    channel=Channel.CUSTOMER_LINK,
    ip_address="203.0.113.24",
    user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1",
)
COUNTER = Origin(channel=Channel.IN_PERSON, ip_address="192.0.2.80", user_agent="Kokuchi counter tablet")
OFFICE = Origin(channel=Channel.STAFF_UI, ip_address="192.0.2.10", user_agent="Kokuchi staff PC")


@dataclass
class DemoResult:
    """Which deal got which scenario (deal number → scenario); empty when nothing was left to do."""

    scenarios: dict[str, str] = field(default_factory=dict)


def _demo_staff():
    user_model = get_user_model()
    staff = (
        user_model.objects.filter(groups__name=Role.SALES, is_active=True).order_by("pk").first()
        or user_model.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    )
    if staff is not None:
        return staff
    staff, created = user_model.objects.get_or_create(
        username=DEMO_STAFF_USERNAME, defaults={"first_name": "デモ", "last_name": "営業"}
    )
    if created:
        staff.set_unusable_password()
        staff.save(update_fields=["password"])
    staff.groups.add(Group.objects.get_or_create(name=Role.SALES.value)[0])
    return staff


def _signer(deal: Deal) -> Signer:
    contact = deal.customer.primary_contact
    return Signer(
        name=contact.name if contact else "ご担当者",
        title=(contact.title if contact else "") or "",
        company=deal.customer.name,
    )


def _paper_scan(version: DisclosureVersion, signer: Signer) -> bytes:
    # A stand-in for the scanner's output: a one-page PDF of the signed confirmation form.
    return render_pdf(
        f"<h1>受領確認書（署名済み・スキャン）</h1><p>文書番号 {version.document_number}</p>"
        f"<p>{signer.company} {signer.name}（署名）</p>"
    )


def _acknowledge(version: DisclosureVersion, *, method: str, staff) -> None:
    deal = version.disclosure.deal
    signer = _signer(deal)
    items = required_items(version)
    if method == AckMethod.CUSTOMER_LINK:
        new = create_customer_link(version=version, created_by=staff, origin=OFFICE)
        record_link_opened(link=new.link, origin=PHONE)
        record_acknowledgement(version=version, method=method, items=items, signer=signer, origin=PHONE, link=new.link)
    elif method == AckMethod.IN_PERSON:
        record_acknowledgement(
            version=version,
            method=method,
            items=items,
            signer=signer,
            origin=COUNTER,
            staff=staff,
            typed_signature=signer.name,
        )
    else:
        scan = _paper_scan(version, signer)
        record_acknowledgement(
            version=version,
            method=method,
            items=items,
            signer=signer,
            origin=Origin(channel=Channel.PAPER),
            staff=staff,
            scan=(scan, "application/pdf", "pdf"),
            scan_name="signed-form.pdf",
        )


UNKNOWN_FIRMWARE_REASON = "納入時にファームウェアの版数を記録していなかったため（デモデータ）"
DEMO_ACKNOWLEDGEMENT = "お客様に口頭で説明し、納入後1週間以内の更新作業を予定（デモデータ）"


def _issue(deal: Deal, staff) -> DisclosureVersion:
    """Issue as staff would: firmware the demo never recorded is marked unknown with a reason,
    and every warning of the pre-issue check (e.g. a known-exploited vulnerability on the shipped
    firmware) is acknowledged with a reason, recorded on the version and in the evidence log."""
    for device in Device.objects.filter(deal=deal, firmware_at_sale=""):
        mark_firmware_unknown(device=device, reason=UNKNOWN_FIRMWARE_REASON, user=staff)
    check = run_pre_issue_check(deal=deal)
    return issue_disclosure(
        deal=deal,
        issued_by=staff,
        acknowledged_warnings=dict.fromkeys((w.key for w in check.warnings), DEMO_ACKNOWLEDGEMENT),
    )


def load_demo_acknowledgements() -> DemoResult:
    """Issue disclosures for delivered demo deals and record acknowledgements through every channel."""
    result = DemoResult()
    # Always the same first delivered deals, one per scenario, so that a second run finds them
    # issued and does nothing (the remaining delivered deals stay without a disclosure).
    deals = list(Deal.objects.delivered().filter(lines__isnull=False).distinct().order_by("number")[: len(SCENARIOS)])
    pending = [
        (deal, scenario)
        for deal, scenario in zip(deals, SCENARIOS, strict=False)
        if not DisclosureVersion.objects.filter(disclosure__deal=deal).exists()
    ]
    if not pending:
        return result
    staff = _demo_staff()
    for deal, scenario in pending:
        with transaction.atomic():
            version = _issue(deal, staff)
            if scenario in ("customer_link", "in_person", "paper"):
                _acknowledge(version, method=scenario, staff=staff)
            elif scenario == "awaiting":
                create_customer_link(version=version, created_by=staff, origin=OFFICE)
            else:  # superseded: acknowledged, then re-issued, so the deal needs acknowledging again
                _acknowledge(version, method=AckMethod.IN_PERSON, staff=staff)
                _issue(deal, staff)
        result.scenarios[deal.number] = scenario
    return result
