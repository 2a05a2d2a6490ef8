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
from kokuchi.devices.models import Device
from kokuchi.devices.tests.factories import make_contract, make_device
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


LONG_PRODUCT_NAME = (
    "業務用統合脅威管理アプライアンス（次世代ファイアウォール・VPN・IPS・アンチウイルス・"
    "Webフィルタリング機能搭載、ラックマウント型）"
)
LONG_MAKER_NAME = "ロングネーム・ネットワークス・インターナショナル・ジャパン株式会社"


def make_large_deal(*, devices: int, firmwares: tuple[str, ...] = ("7.4.3", "7.4.4", "7.2.5")) -> Deal:
    """A deal of `devices` delivered units over three products with long names and long model and
    serial numbers; firmware cycles through `firmwares`, and every fifth device has a maintenance
    contract, so rows differ as they do in real deals (layout tests and the benchmark)."""
    built = make_document_deal(devices=0)
    deal = built.deal
    deal.customer.name = "株式会社ロングカスタマー・ホールディングス・アンド・パートナーズ情報システム本部"
    deal.customer.save()
    maker = make_manufacturer(
        slug="longname",
        name_ja=LONG_MAKER_NAME + "（ネットワーク製品 / UTM・ルーター・スイッチ）",
        vulnerability_info_url="",
        support_url="https://www.example.jp/support/firmware/download/index.html",
        verified=False,
    )
    products = [
        built.fortigate,
        make_product(
            manufacturer=maker,
            model_number="ULTRA-LONG-MODEL-NUMBER-X9000-PRO",
            name=LONG_PRODUCT_NAME,
            category=ProductCategory.FIREWALL,
            latest_firmware="7.4.4",
            firmware_cpe="cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
        ),
        make_product(
            manufacturer=maker,
            model_number="LN-SW48-POE-PLUS-STACKABLE",
            name="48ポート PoE+ レイヤー3 スタッカブル スイッチ（10G SFP+ アップリンク 4ポート）",
            category=ProductCategory.SWITCH,
            latest_firmware="3.2.10",
        ),
    ]
    for position, product in enumerate(products[1:], start=4):
        make_deal_line(deal=deal, product=product, quantity=devices, unit_price=123456789, position=position)
    units = []
    for n in range(devices):
        product = products[n % len(products)]
        units.append(
            Device(
                product=product,
                customer=deal.customer,
                deal=deal,
                serial_number=f"SN{product.pk:02d}-2026-{n + 1:06d}-LONG",
                firmware_at_sale=firmwares[n % len(firmwares)] if product.firmware_cpe else "3.2.9",
                current_firmware=firmwares[n % len(firmwares)] if product.firmware_cpe else "3.2.9",
                installation_site="本社 2F サーバールーム",
                delivered_on=datetime.date(2026, 4, 25),
            )
        )
    created = Device.objects.bulk_create(units)
    contract_devices = created[::5]
    if contract_devices:
        make_contract(
            devices=contract_devices,
            customer=deal.customer,
            plan=make_plan(name="年間保守プラン（オンサイト・翌営業日対応・ファームウェア更新年4回まで含む）"),
            contract_number="MC-LONG-CONTRACT-NUMBER-0001",
            start_date=datetime.date(2026, 4, 1),
            end_date=datetime.date(2027, 3, 31),
        )
    return deal
