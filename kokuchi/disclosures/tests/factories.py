"""A complete deal for document tests: every value fixed, so that two builds render the same HTML."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from kokuchi.catalog.models import ProductCategory, ServicePlanKind
from kokuchi.catalog.tests.factories import make_manufacturer, make_plan, make_product
from kokuchi.core.tests.factories import make_reseller
from kokuchi.customers.models import UpdatePractice
from kokuchi.customers.tests.factories import make_assessment, make_contact, make_customer
from kokuchi.deals.models import Deal, ProposalResponse
from kokuchi.deals.tests.factories import make_deal, make_deal_line, make_proposed_plan
from kokuchi.devices.tests.factories import make_device
from kokuchi.vulnerabilities.models import FeedRun, FeedRunStatus, KnownExploited, Vulnerability, VulnerabilityCpe

ISSUED_AT = datetime.datetime(2026, 5, 1, 1, 0, tzinfo=datetime.UTC)  # 10:00 JST
FEEDS_SYNCED_AT = ISSUED_AT - datetime.timedelta(hours=1)


def make_feed_runs(*, finished_at: datetime.datetime = FEEDS_SYNCED_AT, sources=("nvd", "jvn", "kev")) -> None:
    """A successful import of each feed finished at `finished_at` (the feeds' freshness)."""
    for source in sources:
        FeedRun.objects.create(
            source=source,
            kind="import",
            started_at=finished_at - datetime.timedelta(minutes=5),
            finished_at=finished_at,
            status=FeedRunStatus.SUCCESS,
        )


def acknowledge_all(
    deal: Deal, *, at: datetime.datetime = ISSUED_AT, reason: str = "お客様に説明済み"
) -> dict[str, str]:
    """Staff's acknowledgement of every warning of the deal's pre-issue check, with one reason."""
    from kokuchi.disclosures.checks import run_pre_issue_check

    return {item.key: reason for item in run_pre_issue_check(deal=deal, at=at).warnings}


@dataclass
class DocumentDeal:
    deal: Deal
    fortigate: object
    rtx: object
    ups: object
    maintenance: object
    soc: object


def _vulnerability(vuln_id: str, severity: str, published: datetime.date) -> Vulnerability:
    vuln = Vulnerability.objects.create(
        vuln_id=vuln_id,
        source="nvd",
        cvss3_severity=severity,
        published=datetime.datetime.combine(published, datetime.time(), tzinfo=datetime.UTC),
    )
    VulnerabilityCpe.objects.create(vulnerability=vuln, part="o", vendor="fortinet", product="fortios")
    return vuln


def make_document_deal(
    *,
    devices: int = 2,
    assessment_level_difficult: bool = True,
    feeds_synced_at: datetime.datetime | None = FEEDS_SYNCED_AT,
) -> DocumentDeal:
    """Build a deal with a firewall (with vulnerability data, two delivered units), a router
    whose manufacturer URL needs confirmation and that carries a JC-STAR label, an out-of-scope
    UPS, a declined maintenance plan and an accepted registered third-party SOC plan."""
    make_reseller(
        company_name="株式会社テスト販売",
        postal_code="100-0001",
        address="東京都千代田区千代田1-1",
        phone="03-1111-2222",
        firmware_update_price=30000,
        firmware_update_note="1台あたり",
        incident_response_price=None,
        document_number_prefix="KK",
    )
    fortinet = make_manufacturer(
        slug="fortinet",
        name_ja="フォーティネット",
        name_en="Fortinet",
        vulnerability_info_url="https://www.fortiguard.com/psirt",
        verified=True,
    )
    yamaha = make_manufacturer(
        slug="yamaha", name_ja="ヤマハ", name_en="Yamaha", vulnerability_info_url="", verified=False
    )
    apc = make_manufacturer(
        slug="apc", name_ja="シュナイダーエレクトリック", name_en="APC", vulnerability_info_url="", verified=False
    )
    fortigate = make_product(
        manufacturer=fortinet,
        model_number="FG-60F",
        name="FortiGate 60F",
        category=ProductCategory.FIREWALL,
        latest_firmware="7.4.4",
        firmware_cpe="cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
    )
    rtx = make_product(
        manufacturer=yamaha,
        model_number="RTX1300",
        category=ProductCategory.ROUTER,
        latest_firmware="Rev.23.00.05",
        jc_star_level=1,
        jc_star_registration_number="0123456789",
        jc_star_issued_on=datetime.date(2025, 6, 1),
        jc_star_expires_on=datetime.date(2027, 5, 31),
    )
    ups = make_product(
        manufacturer=apc,
        model_number="SMT1500J",
        category=ProductCategory.OTHER,
        internet_connectable=False,
        firmware_updatable=False,
        latest_firmware="",
    )
    customer = make_customer(customer_code="C90001", name="株式会社サンプル商事")
    make_contact(customer=customer, name="山田 太郎", department="総務部")
    if assessment_level_difficult:
        make_assessment(
            customer=customer,
            assessed_on=datetime.date(2026, 4, 10),
            has_it_staff=False,
            update_practice=UpdatePractice.NEVER,
        )
    else:
        make_assessment(
            customer=customer,
            assessed_on=datetime.date(2026, 4, 10),
            has_it_staff=True,
            has_security_owner=True,
            update_practice=UpdatePractice.AUTOMATIC_OR_SCHEDULED,
            can_check_network_settings=True,
            has_incident_contact=True,
        )
    deal = make_deal(
        customer=customer,
        title="本社ネットワーク更改",
        opened_on=datetime.date(2026, 4, 1),
        quoted_on=datetime.date(2026, 4, 20),
        quote_valid_until=datetime.date(2026, 5, 20),
    )
    make_deal_line(deal=deal, product=fortigate, quantity=max(devices, 1), unit_price=150000, position=1)
    make_deal_line(deal=deal, product=rtx, quantity=1, unit_price=98000, position=2)
    make_deal_line(deal=deal, product=ups, quantity=1, unit_price=45000, position=3)
    maintenance = make_plan(
        name="年間保守プラン", kind=ServicePlanKind.CONTINUOUS_MAINTENANCE, price=120000, price_unit="年"
    )
    soc = make_plan(
        name="SOC監視サービス",
        kind=ServicePlanKind.SOC,
        price=50000,
        price_unit="月",
        is_third_party=True,
        provider_name="株式会社セキュア監視",
        ipa_service_category="セキュリティ監視・運用サービス",
        ipa_registration_number="024-0001-40",
    )
    make_proposed_plan(
        deal=deal, plan=maintenance, response=ProposalResponse.DECLINED, decline_reason="社内で対応するため"
    )
    make_proposed_plan(deal=deal, plan=soc, response=ProposalResponse.ACCEPTED)
    for n in range(devices):
        make_device(
            product=fortigate,
            customer=customer,
            deal=deal,
            serial_number=f"FGT60F{n + 1:06d}",
            firmware_at_sale="7.4.3",
            delivered_on=datetime.date(2026, 4, 25),
        )
    _vulnerability("CVE-2024-21762", "CRITICAL", datetime.date(2024, 2, 9))
    _vulnerability("CVE-2024-23113", "CRITICAL", datetime.date(2024, 2, 15))
    _vulnerability("CVE-2025-0001", "HIGH", datetime.date(2025, 3, 1))
    _vulnerability("CVE-2022-0001", "MEDIUM", datetime.date(2022, 1, 1))  # older than three years
    KnownExploited.objects.create(cve_id="CVE-2024-21762", date_added=datetime.date(2024, 2, 9))
    if feeds_synced_at is not None:
        make_feed_runs(finished_at=feeds_synced_at)
    return DocumentDeal(deal=deal, fortigate=fortigate, rtx=rtx, ups=ups, maintenance=maintenance, soc=soc)
