"""Fixed content of the disclosure that is not per-deal data: public sources, the verified risk
facts, the customer's device-specific tasks per category, and the responsibility-matrix rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from django.utils.translation import gettext_lazy as _

from kokuchi.catalog.models import ProductCategory, ServicePlanKind
from kokuchi.customers.models import SelfMaintenanceLevel
from kokuchi.deals.models import ProposalResponse

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DATA_DIR = Path(__file__).resolve().parent / "data"
RISK_FACTS_FILE = DATA_DIR / "risk-facts.yaml"

# Public vulnerability-information sources (URLs as listed in docs/guideline/japan-context.md §3).
JVN_IPEDIA_URL = "https://jvndb.jvn.jp/"
JVN_URL = "https://jvn.jp/"
IPA_SECURITY_ALERT_URL = "https://www.ipa.go.jp/security/security-alert/index.html"
JC_STAR_URL = "https://www.ipa.go.jp/security/jc-star/index.html"

# Requirement IDs every disclosure template must carry as <section data-req="…"> (REQUIREMENTS.md).
DISCLOSURE_REQUIRED_IDS: tuple[str, ...] = (
    "G2",
    "G4",
    "G5.1-0",
    "G5.1-1",
    "G5.1-2",
    "G5.1-3",
    "G5.1-4",
    "G5.1-5",
    "G5.1-6",
    "G5.2-0",
    "G5.2-1a",
    "G5.2-1b",
    "G5.2-1c",
    "G5.2-1d",
    "G5.2-1e",
    "G5.2-2a",
    "G5.2-2b",
    "G5.2-2c",
    "G5.2-3",
    "G5.3",
    "G5.4",
    "G6",
    "S-RISK",
    "S-SKILL",
)
QUOTE_REQUIRED_IDS: tuple[str, ...] = ("G6",)

# What each requirement ID covers, in the words staff read next to the ID (the ID itself is a tag).
REQUIREMENT_LABELS: dict[str, StrPromise] = {
    "G2": _("Where to get vulnerability information and whom to ask"),
    "G4": _("Products covered"),
    "G5.1-0": _("The customer's responsibility without a maintenance contract"),
    "G5.1-1": _("Our standard for providing vulnerability information"),
    "G5.1-2": _("Recommendation to keep the firmware current"),
    "G5.1-3": _("Firmware version at sale"),
    "G5.1-4": _("Proposed service plans"),
    "G5.1-5": _("JC-STAR label"),
    "G5.1-6": _("Registered information-security services"),
    "G5.2-0": _("Risk of leaving vulnerabilities unpatched"),
    "G5.2-1a": _("Paid: firmware update work"),
    "G5.2-1b": _("Paid: configuration beyond the standard settings"),
    "G5.2-1c": _("Paid: changes to the standard settings"),
    "G5.2-1d": _("Paid: faults caused by equipment we did not deliver"),
    "G5.2-1e": _("Paid: response to security incidents"),
    "G5.2-2a": _("Disclaimer: the device does not guarantee security"),
    "G5.2-2b": _("Disclaimer: no guarantee of the customer's security environment"),
    "G5.2-2c": _("Disclaimer: no compensation for security incidents"),
    "G5.2-3": _("The manufacturer's vulnerability information"),
    "G5.3": _("Maintenance proposal and the customer's answer"),
    "G5.4": _("Operations support and SOC services"),
    "G6": _("Quote and contract clause"),
    "S-RISK": _("Vulnerability history of each product"),
    "S-SKILL": _("The customer's self-maintenance level"),
}


@dataclass(frozen=True)
class RiskFact:
    """One verified public fact for the risk explanation (G5.2-0), cited with its source."""

    id: str
    kind: str
    text_ja: str
    source_title: str
    source_url: str
    source_date: str | None
    primary: bool = False
    retrieved: str = ""


@lru_cache(maxsize=1)
def load_risk_facts() -> tuple[RiskFact, ...]:
    """Return the facts of data/risk-facts.yaml (a copy of docs/guideline/risk-facts.yaml)."""
    with RISK_FACTS_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return tuple(
        RiskFact(
            id=item["id"],
            kind=item["kind"],
            text_ja=item["text_ja"],
            source_title=item["source_title"],
            source_url=item["source_url"],
            source_date=str(item["source_date"]) if item.get("source_date") else None,
            primary=bool(item.get("primary")),
            retrieved=str(item.get("retrieved") or ""),
        )
        for item in data["facts"]
    )


# Statistics and rankings come in yearly editions (npa-2021-ransomware, npa-2024-ransomware;
# ipa-10threats-2024 … 2026): the document cites the newest edition of each series only, the older
# ones repeat it with older figures. Incidents and guidance are each their own series.
EDITION_KINDS = frozenset({"statistic", "ranking"})
_YEAR_IN_ID = re.compile(r"-(?P<year>(?:19|20)\d\d)(?=-|$)")


def edition_series(fact: RiskFact) -> tuple[str, int] | None:
    """Return (series key, year) of a yearly statistic or ranking, None for any other fact."""
    match = _YEAR_IN_ID.search(fact.id)
    if fact.kind not in EDITION_KINDS or match is None:
        return None
    return fact.id[: match.start()] + fact.id[match.end() :], int(match["year"])


def current_risk_facts(facts: tuple[RiskFact, ...] | None = None) -> tuple[RiskFact, ...]:
    """The facts a disclosure cites (G5.2-0): every fact, except the older editions of a yearly
    statistic or ranking when a newer edition is present. File order is kept."""
    facts = load_risk_facts() if facts is None else facts
    newest: dict[str, int] = {}
    for fact in facts:
        series = edition_series(fact)
        if series is not None:
            newest[series[0]] = max(newest.get(series[0], series[1]), series[1])
    return tuple(fact for fact in facts if (series := edition_series(fact)) is None or newest[series[0]] == series[1])


def cited_risk_facts(facts: tuple[RiskFact, ...] | None = None) -> tuple[RiskFact, ...]:
    """The facts the appendix prints (G5.2-0): the current editions whose source is the
    publisher's own page and whose retrieval date is known; a fact without one is left out."""
    facts = load_risk_facts() if facts is None else facts
    return current_risk_facts(tuple(fact for fact in facts if fact.primary and fact.retrieved))


# G5.3 (3) 「その他機器ごとに対処すべき事項」: what a customer without maintenance must see to itself,
# by product category.
DEVICE_SPECIFIC_TASKS: dict[str, tuple[str, ...]] = {
    ProductCategory.ROUTER: (
        "管理画面・管理用ポートをインターネット側に公開せず、初期パスワードを変更すること",
        "VPN機能を利用する場合は、利用者アカウントとパスワードを管理し、不要なアカウントを削除すること",
    ),
    ProductCategory.SWITCH: (
        "管理用インタフェースの初期パスワードを変更し、管理用ネットワークを分離すること",
        "使用していないポートを無効にすること",
    ),
    ProductCategory.FIREWALL: (
        "通信の許可ルール（セキュリティポリシー）を定期的に見直すこと",
        "シグネチャ等の更新ライセンスの有効期限を確認すること",
        "SSL-VPN等のリモートアクセス機能の設定と利用者アカウントを確認すること",
    ),
    ProductCategory.WIRELESS_AP: (
        "無線の暗号化方式（WPA2/WPA3）と接続パスワードを確認・管理すること",
        "管理画面の初期パスワードを変更すること",
    ),
    ProductCategory.NAS: (
        "インターネットからのリモートアクセス機能の設定を確認すること",
        "共有フォルダのアクセス権を見直し、データのバックアップを別の媒体に取ること",
    ),
    ProductCategory.PC: (
        "OS・アプリケーションの更新プログラムを適用すること",
        "ウイルス対策ソフトを有効にし、定義ファイルを最新に保つこと",
    ),
    ProductCategory.SERVER: (
        "OS・ミドルウェアの更新プログラムを適用し、不要なサービスを停止すること",
        "アクセスログを確認し、データのバックアップを取ること",
    ),
    ProductCategory.PRINTER: (
        "管理画面の初期パスワードを変更すること",
        "インターネットから直接アクセスできる設定になっていないか確認すること",
    ),
    ProductCategory.NETWORK_CAMERA: (
        "初期パスワードを変更すること",
        "インターネットから映像・管理画面に直接アクセスできる設定になっていないか確認すること",
    ),
    ProductCategory.OTHER_IOT: ("初期パスワードを変更し、不要な外部接続機能を無効にすること",),
    ProductCategory.OTHER: ("メーカーの取扱説明書に従い、設定と更新の状態を確認すること",),
}

# Document wording is Japanese whatever the staff's UI language: labels of the lower apps' choices.
CATEGORY_LABELS_JA: dict[str, str] = {
    ProductCategory.ROUTER: "ルーター",
    ProductCategory.SWITCH: "スイッチ",
    ProductCategory.FIREWALL: "ファイアウォール／UTM",
    ProductCategory.WIRELESS_AP: "無線アクセスポイント",
    ProductCategory.NAS: "NAS",
    ProductCategory.PC: "PC",
    ProductCategory.SERVER: "サーバー",
    ProductCategory.PRINTER: "プリンター・複合機",
    ProductCategory.NETWORK_CAMERA: "ネットワークカメラ",
    ProductCategory.OTHER_IOT: "その他のIoT機器",
    ProductCategory.OTHER: "その他",
}
PLAN_KIND_LABELS_JA: dict[str, str] = {
    ServicePlanKind.CONTINUOUS_MAINTENANCE: "継続的な保守契約",
    ServicePlanKind.SPOT_MAINTENANCE: "スポット作業によるメンテナンス",
    ServicePlanKind.OPERATIONS_SUPPORT: "運用支援（代行）",
    ServicePlanKind.SOC: "SOC（セキュリティ監視）",
    ServicePlanKind.INCIDENT_RESPONSE: "インシデント対応への備え",
    ServicePlanKind.OTHER: "その他",
}
RESPONSE_LABELS_JA: dict[str, str] = {
    ProposalResponse.PENDING: "ご検討中",
    ProposalResponse.ACCEPTED: "お申し込み",
    ProposalResponse.DECLINED: "お見送り",
}
SKILL_LEVEL_LABELS_JA: dict[str, str] = {
    SelfMaintenanceLevel.CAPABLE: "自社で保守可能",
    SelfMaintenanceLevel.NEEDS_SUPPORT: "要支援",
    SelfMaintenanceLevel.DIFFICULT: "自社での保守は困難",
}

# Responsibility matrix (責任分界表): tasks × parties.
TASKS: tuple[tuple[str, str], ...] = (
    ("vuln_info", "脆弱性情報の収集"),
    ("firmware_update", "ファームウェアの更新"),
    ("network_settings", "ネットワーク設定の確認"),
    ("device_specific", "機器固有の対処事項"),
    ("monitoring", "監視（SOC）"),
    ("incident_response", "インシデント対応"),
)
# The matrix's column headers, split where a line may break (never inside a word).
TASK_HEADERS: dict[str, tuple[str, ...]] = {
    "vuln_info": ("脆弱性情報の", "収集"),
    "firmware_update": ("ファームウェア", "の更新"),
    "network_settings": ("ネットワーク", "設定の確認"),
    "device_specific": ("機器固有の", "対処事項"),
    "monitoring": ("監視", "（SOC）"),
    "incident_response": ("インシデント", "対応"),
}
PARTIES: tuple[tuple[str, str], ...] = (
    ("customer", "お客様"),
    ("reseller", "販売店（当社）"),
    ("manufacturer", "メーカー"),
    ("third_party", "第三者事業者"),
)
PARTIES_SHORT: tuple[tuple[str, str], ...] = (
    ("customer", "お客様"),
    ("reseller", "当社"),
    ("manufacturer", "メーカー"),
    ("third_party", "第三者事業者"),
)
# Which tasks a plan of each kind takes over from the customer.
PLAN_TASKS: dict[str, frozenset[str]] = {
    ServicePlanKind.CONTINUOUS_MAINTENANCE: frozenset(
        {"vuln_info", "firmware_update", "network_settings", "device_specific"}
    ),
    ServicePlanKind.SPOT_MAINTENANCE: frozenset({"firmware_update"}),
    ServicePlanKind.OPERATIONS_SUPPORT: frozenset({"firmware_update", "network_settings", "device_specific"}),
    ServicePlanKind.SOC: frozenset({"monitoring"}),
    ServicePlanKind.INCIDENT_RESPONSE: frozenset({"incident_response"}),
    ServicePlanKind.OTHER: frozenset(),
}
# The manufacturer publishes vulnerability information and fixed firmware (G5.2-3) whatever the
# contract: it is marked as provider (△) of these two tasks on every row.
MANUFACTURER_TASKS = frozenset({"vuln_info", "firmware_update"})
RESPONSIBLE = "○"
PROVIDER = "△"

# Severity as printed (CVSS qualitative ratings in the wording of JVN iPedia).
SEVERITY_ORDER: tuple[str, ...] = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
SEVERITY_LABELS_JA: dict[str, str] = {"CRITICAL": "緊急", "HIGH": "重要", "MEDIUM": "警告", "LOW": "注意"}
# What the customer-tasks section (G5.3) and the paid-services list call each task.
CUSTOMER_TASK_LABELS_JA: dict[str, str] = {
    "vuln_info": "脆弱性情報の収集",
    "firmware_update": "ファームウェアのアップデート",
    "network_settings": "ネットワーク設定の確認",
    "device_specific": "機器ごとに対処すべき事項",
    "monitoring": "通信の監視",
    "incident_response": "インシデント発生時の対応",
}
# The paid service (G5.2-1a–e letter) that a task's contract covers: a covered task's service is
# marked as included in the contract instead of priced.
PAID_SERVICE_TASKS: dict[str, str] = {"a": "firmware_update", "e": "incident_response"}
