"""Demo data: a realistic installation to explore Kokuchi with (`kokuchi demo`).

Everything is keyed by a natural key (slug, model number, customer code, deal title, serial
number, username), so loading twice leaves the same rows. Dates are relative to one anchor day
(today unless given), so the contract "in its notice period" is in it on the day of loading.

What is real and what is not:
* Manufacturers come from manufacturers.yaml (real URLs with their sources).
* Products are real models. A CPE is set only where that exact vendor:product appears in the
  feed samples under kokuchi/vulnerabilities/tests/data/feeds; firmware versions are ones those
  samples name (FortiOS, PAN-OS, IOS XE, Yamaha WLX, Buffalo WSR, NEC Aterm), otherwise left empty. No end-of-support
  date is given because none was seen in a source.
* The JC-STAR ★1 label on the NEC Aterm WX3600HP is demo data: its registration number
  ("DEMO-…") is made up and no IPA product page URL is set.
* The reseller, customers, contacts, addresses, serial numbers, prices and the IPA registration
  number of the SOC plan are fictional (addresses say 架空, e-mails use example.jp).
"""

from __future__ import annotations

import dataclasses
import datetime

from kokuchi.catalog.models import ProductCategory, ServicePlanKind
from kokuchi.core.roles import Role
from kokuchi.customers.models import UpdatePractice
from kokuchi.deals.models import DealStatus, ProposalResponse

RESELLER = {
    "company_name": "株式会社デモ販売",
    "company_name_en": "Demo Hanbai Co., Ltd.",
    "postal_code": "000-0000",
    "address": "東京都デモ区見本町1-2-3 デモビル5F（架空の住所）",
    "phone": "03-0000-0000",
    "support_desk_name": "デモ販売 サポートデスク",
    "support_desk_phone": "0120-000-000",
    "support_desk_email": "support@demo-hanbai.example.jp",
    "support_desk_hours": "平日 9:00〜18:00（土日祝・年末年始を除く）",
    "offers_maintenance_menu": True,
    "vulnerability_policy": (
        "当社は、販売した情報システム関連製品について、メーカーが公開する脆弱性情報の入手先を"
        "製品ごとに告知書でお知らせします。保守契約をご締結いただいたお客様には、JVN iPedia・NVD・"
        "CISA KEV 等の公開情報を当社が継続的に確認し、納入機器に該当する脆弱性が判明した場合は"
        "原則として5営業日以内にご連絡し、対策（ファームウェア更新等）をご提案します。"
        "保守契約のない機器については、脆弱性情報の収集と対策はお客様ご自身で行っていただく必要があります。"
    ),
    "firmware_update_price": 25000,
    "firmware_update_note": "1台・1回あたり（リモート作業）。訪問作業は別途出張費",
    "nonstandard_configuration_price": 15000,
    "nonstandard_configuration_note": "1時間あたり",
    "standard_setting_change_price": 10000,
    "standard_setting_change_note": "1件あたり（設定内容の確認・変更・動作確認）",
    "external_fault_price": 15000,
    "external_fault_note": "1時間あたり（切り分け作業を含む）",
    "incident_response_price": 30000,
    "incident_response_note": "1時間あたり（初動対応・影響調査。復旧作業は別途お見積り）",
    "document_number_prefix": "DEMO",
}


FORTIOS = "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"


IOS_XE = "cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*"


PAN_OS = "cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*"


@dataclasses.dataclass(frozen=True)
class ProductSpec:
    manufacturer: str
    model_number: str
    name: str
    category: str
    internet_connectable: bool = True
    firmware_updatable: bool = True
    latest_firmware: str = ""
    hardware_cpe: str = ""
    firmware_cpe: str = ""
    jc_star_level: int | None = None
    jc_star_registration_number: str = ""


# latest_firmware values are versions named in the samples: FortiOS 7.4.9 in the Fortinet CSAF
# product tree; the Yamaha WLX, NEC Aterm and IOS XE values are the first fixed versions in
# CVE-2024-22366, JVNDB-2025-000002 and CVE-2023-20198.
PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("yamaha", "RTX1300", "ヤマハ ギガアクセスVPNルーター RTX1300", ProductCategory.ROUTER),
    ProductSpec("nec", "IX2215", "UNIVERGE IX2215", ProductCategory.ROUTER),
    ProductSpec(
        "cisco",
        "C1111-4P",
        "Cisco 1100 シリーズ サービス統合型ルーター",
        ProductCategory.ROUTER,
        latest_firmware="17.9.4a",
        firmware_cpe=IOS_XE,
    ),
    ProductSpec(
        "buffalo",
        "WSR-2533DHP3-BK",
        "AirStation WSR-2533DHP3-BK（無線LANルーター）",
        ProductCategory.ROUTER,
        hardware_cpe="cpe:2.3:h:buffalo:wsr-2533dhp3-bk:-:*:*:*:*:*:*:*",
        firmware_cpe="cpe:2.3:o:buffalo:wsr-2533dhp3-bk_firmware:*:*:*:*:*:*:*:*",
    ),
    ProductSpec(
        "nec",
        "WX3600HP",
        "Aterm WX3600HP（無線LANルーター）",
        ProductCategory.ROUTER,
        latest_firmware="1.5.3",
        firmware_cpe="cpe:2.3:o:nec:aterm_wx3600hp_firmware:*:*:*:*:*:*:*:*",
        jc_star_level=1,
        jc_star_registration_number="DEMO-JCSTAR-0001",
    ),
    ProductSpec(
        "cisco",
        "C9200L-24P-4G",
        "Catalyst 9200L 24ポート PoE+ スイッチ",
        ProductCategory.SWITCH,
        latest_firmware="17.9.4a",
        firmware_cpe=IOS_XE,
    ),
    ProductSpec("yamaha", "SWX2310P-10G", "ヤマハ L2スイッチ SWX2310P-10G（PoE）", ProductCategory.SWITCH),
    ProductSpec(
        "buffalo",
        "LSW6-GT-8NS/BK",
        "Giga対応 スイッチングハブ 8ポート（設定機能なし）",
        ProductCategory.SWITCH,
        internet_connectable=False,
        firmware_updatable=False,
    ),
    ProductSpec(
        "fortinet", "FG-60F", "FortiGate 60F", ProductCategory.FIREWALL, latest_firmware="7.4.9", firmware_cpe=FORTIOS
    ),
    ProductSpec(
        "fortinet", "FG-40F", "FortiGate 40F", ProductCategory.FIREWALL, latest_firmware="7.4.9", firmware_cpe=FORTIOS
    ),
    ProductSpec("paloalto", "PA-440", "Palo Alto Networks PA-440", ProductCategory.FIREWALL, firmware_cpe=PAN_OS),
    ProductSpec(
        "yamaha",
        "WLX212",
        "ヤマハ 無線LANアクセスポイント WLX212",
        ProductCategory.WIRELESS_AP,
        latest_firmware="21.00.13",
        hardware_cpe="cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*",
        firmware_cpe="cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*",
    ),
    ProductSpec("buffalo", "TS5410DN0804", "TeraStation TS5410DN（4ドライブ 8TB）", ProductCategory.NAS),
    ProductSpec("synology", "DS224+", "Synology DiskStation DS224+", ProductCategory.NAS),
    ProductSpec("lenovo", "ThinkPad L14 Gen 4", "ThinkPad L14 Gen 4（Windows 11 Pro）", ProductCategory.PC),
    ProductSpec("dell", "Latitude 5440", "Dell Latitude 5440（Windows 11 Pro）", ProductCategory.PC),
    ProductSpec("fujitsu", "PRIMERGY TX1320 M5", "PRIMERGY TX1320 M5（タワー型サーバー）", ProductCategory.SERVER),
    ProductSpec("dell", "PowerEdge T150", "Dell PowerEdge T150（タワー型サーバー）", ProductCategory.SERVER),
    ProductSpec("canon", "iR-ADV DX C3826F", "imageRUNNER ADVANCE DX C3826F（カラー複合機）", ProductCategory.PRINTER),
    ProductSpec("ricoh", "IM C3010", "RICOH IM C3010（カラー複合機）", ProductCategory.PRINTER),
    ProductSpec("canon", "VB-H47", "キヤノン ネットワークカメラ VB-H47", ProductCategory.NETWORK_CAMERA),
    ProductSpec("panasonic", "KX-HDV130N", "SIP電話機 KX-HDV130N", ProductCategory.OTHER_IOT),
    ProductSpec(
        "yamaha",
        "YVC-330",
        "ユニファイドコミュニケーションスピーカーフォン YVC-330（USB/Bluetooth）",
        ProductCategory.OTHER,
        internet_connectable=False,
    ),
)


# The demo label's issue date, before the anchor so that it is valid on the day of loading.
JC_STAR_DEMO_ISSUE_OFFSET = datetime.timedelta(days=180)


@dataclasses.dataclass(frozen=True)
class PlanSpec:
    name: str
    kind: str
    description: str
    price: int
    price_unit: str
    is_third_party: bool = False
    provider_name: str = ""
    ipa_service_category: str = ""
    ipa_registration_number: str = ""


PLANS: tuple[PlanSpec, ...] = (
    PlanSpec(
        "年間保守サービス（ネットワーク機器）",
        ServicePlanKind.CONTINUOUS_MAINTENANCE,
        "脆弱性情報の監視とご連絡、ファームウェア更新作業（年4回まで）、障害時のリモート対応。",
        120000,
        "1拠点・年額",
    ),
    PlanSpec(
        "年間保守サービス（サーバー・NAS）",
        ServicePlanKind.CONTINUOUS_MAINTENANCE,
        "脆弱性情報の監視とご連絡、ファームウェア・OS更新作業、障害時のオンサイト対応（翌営業日）。",
        180000,
        "1台・年額",
    ),
    PlanSpec(
        "スポット保守作業（ファームウェア更新）",
        ServicePlanKind.SPOT_MAINTENANCE,
        "ご依頼の都度、ファームウェアの更新と動作確認を行います。",
        25000,
        "1台・1回",
    ),
    PlanSpec(
        "運用支援サービス（リモート運用代行）",
        ServicePlanKind.OPERATIONS_SUPPORT,
        "設定変更・ログ確認・月次レポートを当社が代行します。",
        30000,
        "月額",
    ),
    PlanSpec(
        "SOCサービス（24時間365日監視）",
        ServicePlanKind.SOC,
        "提携先のSOCがファイアウォールのログを24時間監視し、検知時にお知らせします。",
        50000,
        "月額",
        is_third_party=True,
        provider_name="株式会社デモセキュリティサービス（架空）",
        ipa_service_category="セキュリティ監視・運用サービス",
        ipa_registration_number="DEMO-IPA-0001",
    ),
    PlanSpec(
        "インシデント対応準備サービス",
        ServicePlanKind.INCIDENT_RESPONSE,
        "連絡体制の整備、初動対応手順書の作成、年1回の訓練を行います。",
        300000,
        "年額",
    ),
)


# (has_it_staff, has_security_owner, update_practice, can_check_network_settings,
#  has_incident_contact): one profile per self-maintenance level.
CAPABLE = (True, True, UpdatePractice.AUTOMATIC_OR_SCHEDULED, True, True)


NEEDS_SUPPORT = (False, True, UpdatePractice.WHEN_NOTIFIED, True, False)


DIFFICULT = (False, False, UpdatePractice.NEVER, False, False)


@dataclasses.dataclass(frozen=True)
class CustomerSpec:
    code: str
    name: str
    name_kana: str
    address: str
    phone: str
    contact_name: str
    department: str
    email: str
    assessment: tuple | None
    notify_without_contract: bool = False


CUSTOMERS: tuple[CustomerSpec, ...] = (
    CustomerSpec(
        "C-1001",
        "株式会社さくら製作所",
        "カブシキガイシャサクラセイサクショ",
        "東京都デモ区桜町1-1-1（架空）",
        "03-0000-1001",
        "佐藤 健一",
        "情報システム課",
        "sato@sakura-seisakusho.example.jp",
        CAPABLE,
    ),
    CustomerSpec(
        "C-1002",
        "有限会社みどり会計事務所",
        "ユウゲンガイシャミドリカイケイジムショ",
        "神奈川県デモ市緑町2-2-2（架空）",
        "045-000-1002",
        "鈴木 花子",
        "総務",
        "suzuki@midori-kaikei.example.jp",
        DIFFICULT,
        notify_without_contract=True,
    ),
    CustomerSpec(
        "C-1003",
        "医療法人あおば会 あおばクリニック",
        "イリョウホウジンアオバカイ アオバクリニック",
        "埼玉県デモ市青葉町3-3-3（架空）",
        "048-000-1003",
        "高橋 誠",
        "事務長",
        "takahashi@aoba-clinic.example.jp",
        NEEDS_SUPPORT,
    ),
    CustomerSpec(
        "C-1004",
        "株式会社ひかり物流",
        "カブシキガイシャヒカリブツリュウ",
        "千葉県デモ市光町4-4-4（架空）",
        "043-000-1004",
        "田中 翔",
        "IT推進室",
        "tanaka@hikari-butsuryu.example.jp",
        CAPABLE,
    ),
    CustomerSpec(
        "C-1005",
        "社会福祉法人つばさ福祉会",
        "シャカイフクシホウジンツバサフクシカイ",
        "東京都デモ区翼町5-5-5（架空）",
        "03-0000-1005",
        "伊藤 美咲",
        "法人本部 総務課",
        "ito@tsubasa-fukushi.example.jp",
        DIFFICULT,
    ),
    CustomerSpec(
        "C-1006",
        "株式会社かえでデザイン",
        "カブシキガイシャカエデデザイン",
        "大阪府デモ市楓町6-6-6（架空）",
        "06-0000-1006",
        "渡辺 大輔",
        "管理部",
        "watanabe@kaede-design.example.jp",
        NEEDS_SUPPORT,
    ),
    CustomerSpec(
        "C-1007",
        "学校法人はるかぜ学園",
        "ガッコウホウジンハルカゼガクエン",
        "東京都デモ市春風町7-7-7（架空）",
        "042-000-1007",
        "山本 直樹",
        "事務局 情報管理担当",
        "yamamoto@harukaze-gakuen.example.jp",
        CAPABLE,
    ),
    CustomerSpec(
        "C-1008",
        "株式会社やまびこ建設",
        "カブシキガイシャヤマビコケンセツ",
        "長野県デモ市山彦町8-8-8（架空）",
        "026-000-1008",
        "中村 剛",
        "工務部",
        "nakamura@yamabiko-kensetsu.example.jp",
        DIFFICULT,
    ),
    CustomerSpec(
        "C-1009",
        "合同会社そよかぜ商店",
        "ゴウドウガイシャソヨカゼショウテン",
        "静岡県デモ市微風町9-9-9（架空）",
        "054-000-1009",
        "小林 由美",
        "店長",
        "kobayashi@soyokaze-shoten.example.jp",
        NEEDS_SUPPORT,
    ),
    CustomerSpec(
        "C-1010",
        "株式会社いろは不動産",
        "カブシキガイシャイロハフドウサン",
        "東京都デモ区伊呂波町10-10-10（架空）",
        "03-0000-1010",
        "加藤 智子",
        "総務部",
        "kato@iroha-fudosan.example.jp",
        None,
    ),
)


ASSESSMENT_OFFSET = datetime.timedelta(days=200)


@dataclasses.dataclass(frozen=True)
class DeviceSpec:
    model_number: str
    serial_number: str
    site: str
    firmware_at_sale: str = ""
    updated_to: str = ""  # a later FirmwareChange, when the device was updated


@dataclasses.dataclass(frozen=True)
class ProposalSpec:
    plan: str
    response: str
    decline_reason: str = ""


@dataclasses.dataclass(frozen=True)
class ContractSpec:
    plan: str
    number: str
    start_offset_days: int  # start = anchor + offset (negative: in the past)
    months: int
    auto_renewal: bool = False
    notice_period_days: int = 30


@dataclasses.dataclass(frozen=True)
class DealSpec:
    customer: str
    title: str
    status: str
    opened_days_ago: int
    lines: tuple[tuple[str, int, int], ...]  # (model number, quantity, unit price excl. tax)
    proposals: tuple[ProposalSpec, ...] = ()
    devices: tuple[DeviceSpec, ...] = ()
    contract: ContractSpec | None = None


NET_PLAN, SERVER_PLAN, SPOT_PLAN, OPS_PLAN, SOC_PLAN, IR_PLAN = (p.name for p in PLANS)


# Firmware at sale: FortiOS 7.2.5, 7.4.2 and 7.0.12 lie inside the CVE-2024-21762 ranges,
# Buffalo 1.24 inside CVE-2021-20090 (versionEndIncluding 1.24), PAN-OS 10.1.10 is listed as
# affected by CVE-2024-0008; the updates go to versions those records name as fixed.
DEALS: tuple[DealSpec, ...] = (
    DealSpec(
        "C-1001",
        "本社ネットワーク更改",
        DealStatus.CLOSED,
        420,
        lines=(("FG-60F", 1, 98000), ("RTX1300", 1, 148000), ("C9200L-24P-4G", 1, 285000), ("WLX212", 2, 42000)),
        proposals=(
            ProposalSpec(NET_PLAN, ProposalResponse.ACCEPTED),
            ProposalSpec(
                SOC_PLAN, ProposalResponse.DECLINED, "社内の情報システム課でログを確認しているため、現時点では不要。"
            ),
        ),
        devices=(
            DeviceSpec("FG-60F", "DEMO-FG60F-0001", "本社 3F サーバールーム", "7.2.5", updated_to="7.2.8"),
            DeviceSpec("RTX1300", "DEMO-RTX1300-0001", "本社 3F サーバールーム"),
            DeviceSpec("C9200L-24P-4G", "DEMO-C9200L-0001", "本社 3F サーバールーム", "17.9.4a"),
            DeviceSpec("WLX212", "DEMO-WLX212-0001", "本社 1F 事務所", "21.00.13"),
            DeviceSpec("WLX212", "DEMO-WLX212-0002", "本社 2F 会議室", "21.00.13"),
        ),
        contract=ContractSpec(NET_PLAN, "DEMO-MC-0001", -390, 12, auto_renewal=True),
    ),
    DealSpec(
        "C-1002",
        "事務所ネットワーク・NAS導入",
        DealStatus.DELIVERED,
        150,
        lines=(("FG-40F", 1, 68000), ("WSR-2533DHP3-BK", 1, 18000), ("TS5410DN0804", 1, 260000)),
        proposals=(
            ProposalSpec(
                NET_PLAN, ProposalResponse.DECLINED, "費用の都合により今回は見送り。必要時にスポットで依頼する。"
            ),
            ProposalSpec(SPOT_PLAN, ProposalResponse.ACCEPTED),
        ),
        devices=(
            DeviceSpec("FG-40F", "DEMO-FG40F-0001", "事務所 受付裏ラック", "7.0.12"),
            DeviceSpec("WSR-2533DHP3-BK", "DEMO-WSR2533-0001", "事務所 応接室", "1.24"),
            DeviceSpec("TS5410DN0804", "DEMO-TS5410-0001", "事務所 受付裏ラック"),
        ),
    ),
    DealSpec(
        "C-1003",
        "院内ネットワーク・NAS・カメラ更新",
        DealStatus.CLOSED,
        380,
        lines=(("IX2215", 1, 110000), ("DS224+", 1, 85000), ("VB-H47", 2, 120000)),
        proposals=(
            ProposalSpec(NET_PLAN, ProposalResponse.ACCEPTED),
            ProposalSpec(
                SERVER_PLAN,
                ProposalResponse.DECLINED,
                "NASは院内の担当者がバックアップを確認するため、保守はネットワーク機器のみとする。",
            ),
        ),
        devices=(
            DeviceSpec("IX2215", "DEMO-IX2215-0001", "1F 受付 ネットワークラック"),
            DeviceSpec("DS224+", "DEMO-DS224-0001", "2F 事務室"),
            DeviceSpec("VB-H47", "DEMO-VBH47-0001", "1F 待合室"),
            DeviceSpec("VB-H47", "DEMO-VBH47-0002", "駐車場入口"),
        ),
        # Ends 20 days after the anchor with 30 days' notice: in its notice period.
        contract=ContractSpec(NET_PLAN, "DEMO-MC-0002", -345, 12),
    ),
    DealSpec(
        "C-1004",
        "倉庫拠点ファイアウォール導入",
        DealStatus.ORDERED,
        40,
        lines=(("PA-440", 2, 210000), ("C1111-4P", 2, 160000)),
        proposals=(
            ProposalSpec(OPS_PLAN, ProposalResponse.PENDING),
            ProposalSpec(SOC_PLAN, ProposalResponse.ACCEPTED),
            ProposalSpec(IR_PLAN, ProposalResponse.PENDING),
        ),
    ),
    DealSpec(
        "C-1005",
        "事業所PC入替",
        DealStatus.QUOTED,
        20,
        lines=(("ThinkPad L14 Gen 4", 10, 158000), ("Latitude 5440", 5, 165000)),
        proposals=(ProposalSpec(SPOT_PLAN, ProposalResponse.PENDING), ProposalSpec(OPS_PLAN, ProposalResponse.PENDING)),
    ),
    DealSpec(
        "C-1006",
        "複合機・NAS導入",
        DealStatus.DELIVERED,
        90,
        lines=(("iR-ADV DX C3826F", 1, 980000), ("TS5410DN0804", 1, 260000)),
        proposals=(ProposalSpec(SERVER_PLAN, ProposalResponse.DECLINED, "社内で対応できると判断したため。"),),
        devices=(
            DeviceSpec("iR-ADV DX C3826F", "DEMO-C3826F-0001", "本社 2F 共用スペース"),
            DeviceSpec("TS5410DN0804", "DEMO-TS5410-0002", "本社 2F 倉庫"),
        ),
    ),
    DealSpec(
        "C-1007",
        "校内無線LAN増設・ファイアウォール更新",
        DealStatus.CLOSED,
        300,
        lines=(("WLX212", 4, 42000), ("SWX2310P-10G", 2, 89000), ("FG-40F", 1, 68000)),
        proposals=(
            ProposalSpec(NET_PLAN, ProposalResponse.ACCEPTED),
            ProposalSpec(IR_PLAN, ProposalResponse.DECLINED, "学園の情報セキュリティ委員会で来年度に検討する。"),
        ),
        devices=(
            DeviceSpec("WLX212", "DEMO-WLX212-0003", "本館 1F 職員室", "21.00.13"),
            DeviceSpec("WLX212", "DEMO-WLX212-0004", "本館 2F 図書室", "21.00.13"),
            DeviceSpec("WLX212", "DEMO-WLX212-0005", "新館 1F 多目的室", "21.00.13"),
            DeviceSpec("WLX212", "DEMO-WLX212-0006", "新館 2F 講義室", "21.00.13"),
            DeviceSpec("SWX2310P-10G", "DEMO-SWX2310P-0001", "本館 1F 配線室"),
            DeviceSpec("SWX2310P-10G", "DEMO-SWX2310P-0002", "新館 1F 配線室"),
            DeviceSpec("FG-40F", "DEMO-FG40F-0002", "本館 1F 配線室", "7.0.12", updated_to="7.0.14"),
        ),
        contract=ContractSpec(NET_PLAN, "DEMO-MC-0003", -270, 24),
    ),
    DealSpec(
        "C-1008",
        "現場事務所ネットワーク",
        DealStatus.DRAFT,
        5,
        lines=(("RTX1300", 1, 148000), ("WX3600HP", 2, 19800), ("LSW6-GT-8NS/BK", 2, 4800)),
        proposals=(ProposalSpec(NET_PLAN, ProposalResponse.PENDING),),
    ),
    DealSpec(
        "C-1009",
        "店舗ルーター・防犯カメラ・電話機",
        DealStatus.DELIVERED,
        60,
        lines=(("WX3600HP", 1, 19800), ("VB-H47", 1, 120000), ("KX-HDV130N", 2, 16000)),
        proposals=(ProposalSpec(NET_PLAN, ProposalResponse.DECLINED, "店舗の規模が小さいため、自社で対応する。"),),
        devices=(
            DeviceSpec("WX3600HP", "DEMO-WX3600HP-0001", "店舗 バックヤード", "1.5.3"),
            DeviceSpec("VB-H47", "DEMO-VBH47-0003", "店舗 入口"),
            DeviceSpec("KX-HDV130N", "DEMO-KXHDV130-0001", "店舗 レジ"),
            DeviceSpec("KX-HDV130N", "DEMO-KXHDV130-0002", "店舗 バックヤード"),
        ),
    ),
    DealSpec(
        "C-1010",
        "事務所サーバー・複合機更新",
        DealStatus.DRAFT,
        3,
        lines=(
            ("PRIMERGY TX1320 M5", 1, 320000),
            ("PowerEdge T150", 1, 290000),
            ("IM C3010", 1, 850000),
            ("YVC-330", 1, 60000),
        ),
    ),
    DealSpec(
        "C-1004",
        "本社PC追加",
        DealStatus.QUOTED,
        12,
        lines=(("Latitude 5440", 3, 165000),),
        proposals=(ProposalSpec(SPOT_PLAN, ProposalResponse.PENDING),),
    ),
)


# Development-only logins, printed by `kokuchi demo`; refused outside DEBUG without --force.
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("admin", "demo-admin-pass", Role.ADMIN),
    ("sales", "demo-sales-pass", Role.SALES),
    ("viewer", "demo-viewer-pass", Role.VIEWER),
)
