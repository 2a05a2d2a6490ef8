import itertools

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from kokuchi.catalog.models import ProductCategory, ServicePlanKind
from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.core.tests.factories import make_reseller, make_user
from kokuchi.deals.tests.factories import make_deal, make_deal_line, make_proposed_plan
from kokuchi.disclosures.clauses import GUIDELINE_VARIANTS, PREAMBLE, choose_clause_variant, clause_text
from kokuchi.disclosures.context import select_clause
from kokuchi.disclosures.models import ClauseOverride
from kokuchi.disclosures.services import clear_clause_override, override_clause


def _expected(network, menu, proposed, desk):
    family = "network" if network else "common"
    if menu and proposed:
        return family, 3
    return family, 2 if desk else 1


@pytest.mark.parametrize(("network", "menu", "proposed", "desk"), list(itertools.product([False, True], repeat=4)))
def test_g6_clause_selection_table_every_combination(network, menu, proposed, desk):
    assert choose_clause_variant(
        has_network_device=network, offers_maintenance_menu=menu, maintenance_proposed=proposed, has_support_desk=desk
    ) == _expected(network, menu, proposed, desk)


def test_g6_selection_table_spelled_out():
    table = {
        # (network, menu offered, maintenance proposed, support desk): (family, option)
        (False, False, False, False): ("common", 1),
        (False, False, False, True): ("common", 2),
        (False, True, False, False): ("common", 1),
        (False, True, True, False): ("common", 3),
        (False, False, True, True): ("common", 2),
        (True, False, False, False): ("network", 1),
        (True, False, True, True): ("network", 2),
        (True, True, True, True): ("network", 3),
        (True, True, True, False): ("network", 3),
        (True, True, False, True): ("network", 2),
    }
    for (network, menu, proposed, desk), expected in table.items():
        assert (
            choose_clause_variant(
                has_network_device=network,
                offers_maintenance_menu=menu,
                maintenance_proposed=proposed,
                has_support_desk=desk,
            )
            == expected
        )


def test_g6_six_variants_are_verbatim_from_the_guideline():
    guideline = (settings.BASE_DIR / "docs" / "guideline" / "000_ebf8a8704efc24f1.txt").read_text(encoding="utf-8")

    assert len(GUIDELINE_VARIANTS) == 6
    for first, second in GUIDELINE_VARIANTS.values():
        assert f"{first}\n\n{second}" in guideline
    for line in PREAMBLE.split("\n"):
        assert line in guideline


def test_g6_reseller_name_replaces_placeholder():
    text = clause_text(family="network", option=1, reseller_name="株式会社テスト販売")

    assert text.split("\n") == [
        "・株式会社テスト販売が販売させて頂く、「情報システム関連製品」が該当しますが、情報セキュリティに関する脆弱性情報のご提供は"
        "製品販売には含まれません。",
        "（※機器の費用には継続的に情報収集・提供する役務は含まれないため）",
        "・重要なアップデート情報やサポートが必要な場合は、別途メーカーおよび販売代理店と相談の上、保守契約の締結、"
        "またはその他運用サポートサービスの有無を確認して頂き、ご対応願います。",
        "本製品をご利用中において、情報セキュリティ上のリスクを緩和するために、常に製品のファームウェア・ソフトウェアなど"
        "を最新の状態にしておくことを強く推奨します。アップデートの実施はお客様にてお願い致します。",
        "各製品の最新情報・アップデート方法につきましては、各メーカーの提供情報をご確認ください。",
    ]
    assert "××" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "plan_kind", "menu", "desk_name", "expected"),
    [
        (ProductCategory.SWITCH, ServicePlanKind.CONTINUOUS_MAINTENANCE, True, "窓口", ("network", 3)),
        (ProductCategory.PC, ServicePlanKind.SPOT_MAINTENANCE, True, "窓口", ("common", 3)),
        (ProductCategory.PC, ServicePlanKind.SOC, True, "窓口", ("common", 2)),
        (ProductCategory.NAS, None, False, "", ("common", 1)),
    ],
)
def test_g6_select_clause_reads_deal_and_reseller(category, plan_kind, menu, desk_name, expected):
    make_reseller(offers_maintenance_menu=menu, support_desk_name=desk_name)
    deal = make_deal()
    make_deal_line(deal=deal, product=make_product(category=category))
    if plan_kind:
        make_proposed_plan(deal=deal, plan=make_plan(kind=plan_kind))

    choice = select_clause(deal=deal)

    assert (choice.family, choice.option) == expected
    assert choice.overridden is False


@pytest.mark.django_db
def test_g6_override_with_reason_then_clear():
    make_reseller(company_name="販売株式会社")
    deal = make_deal()
    make_deal_line(deal=deal, product=make_product(category=ProductCategory.ROUTER))
    user = make_user()

    override_clause(deal=deal, family="common", option=1, reason="お客様の社内規定により注意喚起のみとする", user=user)
    choice = select_clause(deal=deal)

    assert (choice.family, choice.option) == ("common", 1)
    assert (choice.automatic_family, choice.automatic_option) == ("network", 2)
    assert choice.overridden is True
    assert choice.override_reason == "お客様の社内規定により注意喚起のみとする"
    assert choice.text.startswith("・販売株式会社が販売させて頂く")
    clear_clause_override(deal=deal)
    assert select_clause(deal=deal).overridden is False


@pytest.mark.django_db
def test_g6_override_without_reason_is_refused():
    make_reseller()
    deal = make_deal()

    with pytest.raises(ValidationError) as error:
        override_clause(deal=deal, family="common", option=2, reason="  ", user=make_user())

    assert error.value.message_dict == {"reason": ["自動選択と異なる条項を選ぶ理由を入力してください。"]}
    assert ClauseOverride.objects.count() == 0
