"""The pre-issue check of a disclosure (告知書): what blocks issuing and what staff must
acknowledge with a reason before issuing. Shown on the disclosure page before 発行 and run again
by `services.issue_disclosure`.

Blocking: a delivered device without firmware at sale unless staff marked it unknown with a
reason (G5.1-3); feeds staler than the threshold while the deal has devices Kokuchi can match
(S-RISK); a contradiction between sections (G2, G6).
Warnings: a maker whose advisory page is not confirmed (G5.2-3); firmware at sale older than the
latest known (G5.1-3); a known-exploited or critical vulnerability on the firmware a device was
delivered with (S-RISK).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format

from kokuchi.core.models import Reseller
from kokuchi.deals.models import Deal, ProposalResponse
from kokuchi.disclosures.context import select_clause
from kokuchi.disclosures.facts import FactSheet, build_fact_sheet
from kokuchi.disclosures.models import ClauseOption


@dataclass(frozen=True)
class CheckItem:
    """One finding of the check. `code` is stable (e.g. "firmware_missing"); `message` is for
    staff (Japanese); `requirement_id` names the guideline clause."""

    code: str
    message: str
    device_id: int | None
    requirement_id: str

    @property
    def key(self) -> str:
        """The key staff's acknowledgement is given under: "<code>:<device_id or ->"."""
        return f"{self.code}:{self.device_id if self.device_id is not None else '-'}"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "code": self.code,
            "message": self.message,
            "device_id": self.device_id,
            "requirement_id": self.requirement_id,
        }


@dataclass
class PreIssueCheck:
    blocking: list[CheckItem] = field(default_factory=list)
    warnings: list[CheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing blocks issuing (warnings still need acknowledging)."""
        return not self.blocking

    def unacknowledged(self, acknowledged: dict[str, str] | None) -> list[CheckItem]:
        given = {key: reason for key, reason in (acknowledged or {}).items() if reason and reason.strip()}
        return [item for item in self.warnings if item.key not in given]


class PreIssueBlocked(Exception):
    """Issuing was refused: the check found blocking items."""

    def __init__(self, items: list[CheckItem]):
        self.items = items
        super().__init__("; ".join(item.message for item in items))


class WarningsNotAcknowledged(Exception):
    """Issuing was refused: warnings were not acknowledged with a reason."""

    def __init__(self, items: list[CheckItem]):
        self.items = items
        super().__init__("; ".join(item.message for item in items))


def _when(value: datetime.datetime | None) -> str:
    if value is None:
        return "未取得"
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def check_sheet(sheet: FactSheet, *, contradictions: list[CheckItem] | None = None) -> PreIssueCheck:
    """The check of an already built fact sheet (the issue service reuses its sheet)."""
    check = PreIssueCheck()
    for facts in sheet.devices:
        if facts.device_pk is not None and not facts.firmware_at_sale and not facts.firmware_unknown_reason:
            check.blocking.append(
                CheckItem(
                    code="firmware_missing",
                    message=(
                        f"{facts.product.model_number}（S/N {facts.serial_number}）の販売時点のファームウェアが"
                        "未登録です。登録するか、不明である理由を記録してください。"
                    ),
                    device_id=facts.device_pk,
                    requirement_id="G5.1-3",
                )
            )
    coverage = sheet.coverage
    if sheet.matchable and not coverage.fresh:
        stale = "、".join(f"{feed.label}（最終取得 {_when(feed.last_success_at)}）" for feed in coverage.stale)
        check.blocking.append(
            CheckItem(
                code="feeds_stale",
                message=(
                    f"脆弱性情報が古いため発行できません：{stale}。{coverage.max_age_hours}時間以内に"
                    "同期してから発行してください。"
                ),
                device_id=None,
                requirement_id="S-RISK",
            )
        )
    check.blocking.extend(contradictions or [])
    for row in sheet.rows:
        facts = row.facts
        first = row.device_pks[0] if row.device_pks else None
        units = f"{facts.product.model_number}（{_serials(row.serial_numbers, row.quantity)}）"
        if facts.firmware_behind:
            check.warnings.append(
                CheckItem(
                    code="firmware_outdated",
                    message=(
                        f"{units}は販売時点のファームウェア {facts.firmware_at_sale} が"
                        f"最新版 {facts.latest_firmware} より古い状態で納入されています。"
                    ),
                    device_id=first,
                    requirement_id="G5.1-3",
                )
            )
        for vuln in facts.known_exploited:
            check.warnings.append(
                CheckItem(
                    code="known_exploited",
                    message=(
                        f"{units}の販売時点のファームウェア {facts.firmware_at_sale} は、悪用が確認された脆弱性"
                        f" {vuln.vuln_id}（CISA KEV 掲載）に該当します"
                        + (f"（修正版 {vuln.fixed_version}）。" if vuln.fixed_version else "。")
                    ),
                    device_id=first,
                    requirement_id="S-RISK",
                )
            )
        critical = [vuln.vuln_id for vuln in facts.vulnerabilities if vuln.critical and not vuln.known_exploited]
        if critical:
            check.warnings.append(
                CheckItem(
                    code="critical_vulnerability",
                    message=(
                        f"{units}の販売時点のファームウェア {facts.firmware_at_sale} は、深刻度「緊急」の脆弱性"
                        f" {'、'.join(critical)} に該当します。"
                    ),
                    device_id=first,
                    requirement_id="S-RISK",
                )
            )
    warned_makers: set[str] = set()
    for row in sheet.rows:
        maker = row.facts.maker
        if maker.confirmed or maker.maker_name in warned_makers:
            continue
        warned_makers.add(maker.maker_name)
        support = f"（{maker.support_url}）" if maker.support_url else ""
        check.warnings.append(
            CheckItem(
                code="maker_source_unconfirmed",
                message=(
                    f"{maker.maker_name}の脆弱性情報ページは未確認です。告知書にはサポート／ファームウェア情報"
                    f"{support}と JVN iPedia を入手先として記載します。"
                ),
                device_id=row.device_pks[0] if row.device_pks else None,
                requirement_id="G5.2-3",
            )
        )
    # Keys must be unique for acknowledgements: a second item with the same key (e.g. two KEV
    # entries on one row) is merged into the first.
    return PreIssueCheck(blocking=_merge(check.blocking), warnings=_merge(check.warnings))


def _merge(items: list[CheckItem]) -> list[CheckItem]:
    merged: dict[str, CheckItem] = {}
    for item in items:
        if item.key in merged:
            first = merged[item.key]
            merged[item.key] = CheckItem(
                first.code, f"{first.message}\n{item.message}", first.device_id, first.requirement_id
            )
        else:
            merged[item.key] = item
    return list(merged.values())


def _serials(serials: list[str], quantity: int) -> str:
    if not serials:
        return f"{quantity}台（納入前）"
    if len(serials) <= 3:
        return "S/N " + "、".join(serials)
    return f"S/N {serials[0]} ほか{len(serials) - 1}台"


def contradictions(*, sheet: FactSheet, reseller: Reseller | None = None) -> list[CheckItem]:
    """Statements two sections would make that cannot both be true (blocking, G2/G6)."""
    reseller = reseller or sheet.reseller
    found = []
    clause = select_clause(deal=sheet.deal, reseller=reseller)
    if clause.option == ClauseOption.MAINTENANCE_MENU and not reseller.offers_maintenance_menu:
        found.append(
            CheckItem(
                code="clause_menu_not_offered",
                message=(
                    "見積・契約条件の記載（③保守メニューのご提案）が選ばれていますが、当社は保守メニューを"
                    "提供していない設定です。条項を見直してください。"
                ),
                device_id=None,
                requirement_id="G6",
            )
        )
    covered_by_contract = {
        task
        for facts in sheet.devices
        for task, parties in facts.responsible.items()
        if "customer" not in parties and any(b.startswith("保守契約") for b in facts.basis)
    }
    declined_maintenance = [
        proposal.plan
        for proposal in sheet.deal.proposed_plans.select_related("plan")
        if proposal.response == ProposalResponse.DECLINED and proposal.plan.is_maintenance
    ]
    if declined_maintenance and covered_by_contract and not sheet.customer_tasks:
        found.append(
            CheckItem(
                code="declined_but_covered",
                message=(
                    "保守プランのお見送りが記録されていますが、すべての機器が保守契約の対象です。"
                    "ご回答か契約を見直してください。"
                ),
                device_id=None,
                requirement_id="G5.3",
            )
        )
    return found


def run_pre_issue_check(*, deal: Deal, at: datetime.datetime | None = None) -> PreIssueCheck:
    """Run the pre-issue check of the deal's disclosure as of `at` (now by default)."""
    sheet = build_fact_sheet(deal=deal, at=at)
    return check_sheet(sheet, contradictions=contradictions(sheet=sheet))
