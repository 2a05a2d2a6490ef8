"""The chapter-6 quote/contract clauses (第6章 見積もり・契約条件の記載例), verbatim from the guideline.

The guideline numbers its examples ①②③; that number is an enumeration label of the guideline,
so the printed clause keeps the sentences verbatim and drops the leading label
(``GUIDELINE_VARIANTS`` keeps the text exactly as published, for traceability and tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from kokuchi.disclosures.models import ClauseFamily, ClauseOption

RESELLER_PLACEHOLDER = "××"

# The two statements that precede the variants; 「××」 is replaced by the reseller's name.
PREAMBLE = (
    "・××が販売させて頂く、「情報システム関連製品」が該当しますが、情報セキュリティに関する脆弱性情報のご提供は"
    "製品販売には含まれません。\n"
    "（※機器の費用には継続的に情報収集・提供する役務は含まれないため）\n"
    "・重要なアップデート情報やサポートが必要な場合は、別途メーカーおよび販売代理店と相談の上、保守契約の締結、"
    "またはその他運用サポートサービスの有無を確認して頂き、ご対応願います。"
)

_COMMON_LEAD = (
    "本製品は「情報セキュリティ対策」のために、常に製品のファームウェア・ソフトウェアなどを最新の状態にしておくことを"
    "推奨します。アップデートの実施はお客様にてお願い致します。"
)
_NETWORK_LEAD = (
    "本製品をご利用中において、情報セキュリティ上のリスクを緩和するために、常に製品のファームウェア・ソフトウェアなど"
    "を最新の状態にしておくことを強く推奨します。アップデートの実施はお客様にてお願い致します。"
)
_TAILS = {
    ClauseOption.NOTICE_ONLY: (
        "各製品の最新情報・アップデート方法につきましては、各メーカーの提供情報をご確認ください。"
    ),
    ClauseOption.SUPPORT_DESK: "本件のお問い合わせに関しましては、弊社サポートセンターまでお問い合わせください。",
    ClauseOption.MAINTENANCE_MENU: (
        "本件について、弊社保守メニューをご希望の場合は、弊社サポートセンターまでお問い合わせください。"
    ),
}
_MARKERS = {ClauseOption.NOTICE_ONLY: "①", ClauseOption.SUPPORT_DESK: "②", ClauseOption.MAINTENANCE_MENU: "③"}
_LEADS = {ClauseFamily.COMMON: _COMMON_LEAD, ClauseFamily.NETWORK: _NETWORK_LEAD}

# (family, option) → (first paragraph, second paragraph) as printed in the guideline, marker included.
GUIDELINE_VARIANTS: dict[tuple[str, int], tuple[str, str]] = {
    (family, option): (_MARKERS[option] + _LEADS[family], _TAILS[option])
    for family in (ClauseFamily.COMMON, ClauseFamily.NETWORK)
    for option in (ClauseOption.NOTICE_ONLY, ClauseOption.SUPPORT_DESK, ClauseOption.MAINTENANCE_MENU)
}


def choose_clause_variant(
    *, has_network_device: bool, offers_maintenance_menu: bool, maintenance_proposed: bool, has_support_desk: bool
) -> tuple[str, int]:
    """Return the automatic (family, option) of G6.

    Network wording when the deal holds any network device; ③ when the reseller offers a
    maintenance menu and a maintenance plan is proposed in the deal; ② when it has a support
    desk; ① otherwise.
    """
    family = ClauseFamily.NETWORK if has_network_device else ClauseFamily.COMMON
    if offers_maintenance_menu and maintenance_proposed:
        option = ClauseOption.MAINTENANCE_MENU
    elif has_support_desk:
        option = ClauseOption.SUPPORT_DESK
    else:
        option = ClauseOption.NOTICE_ONLY
    return family.value, int(option)


def clause_text(*, family: str, option: int, reseller_name: str) -> str:
    """Return the clause ready to copy: preamble with 「××」 replaced, then the variant."""
    first, second = GUIDELINE_VARIANTS[(family, option)]
    preamble = PREAMBLE.replace(RESELLER_PLACEHOLDER, reseller_name)
    return "\n".join([preamble, first[1:], second])


@dataclass(frozen=True)
class ClauseChoice:
    """The clause a deal uses (G6): the variant, whether staff overrode the automatic choice
    and why, and the text to print."""

    family: str
    option: int
    automatic_family: str
    automatic_option: int
    overridden: bool
    override_reason: str
    text: str

    @property
    def family_label(self) -> str:
        return ClauseFamily(self.family).label

    @property
    def option_label(self) -> str:
        return str(ClauseOption(self.option).label)

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n")
