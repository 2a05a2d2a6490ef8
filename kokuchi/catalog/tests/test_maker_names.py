"""One way to compare makers' names: normalize_maker_name and Manufacturer.objects.by_name."""

import pytest
from django.core.exceptions import ValidationError

from kokuchi.catalog.models import Manufacturer, normalize_maker_name, validate_cpe_vendors, validate_maker_aliases
from kokuchi.catalog.tests.factories import make_manufacturer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ヤマハ", "ヤマハ"),
        ("ヤマハ株式会社", "ヤマハ"),
        ("ﾔﾏﾊ", "ヤマハ"),
        ("YAMAHA", "yamaha"),
        ("ＹＡＭＡＨＡ", "yamaha"),
        ("Yamaha Corporation", "yamaha"),
        ("株式会社バッファロー", "バッファロー"),
        ("(株)バッファロー", "バッファロー"),
        ("（株）バッファロー", "バッファロー"),
        ("㈱バッファロー", "バッファロー"),
        ("Buffalo Inc.", "buffalo"),
        ("Fortinet, Inc.", "fortinet"),
        ("ELECOM CO., LTD.", "elecom"),
        ("ABC Co.,Ltd.", "abc"),
        ("Ricoh Company, Ltd.", "ricoh company"),
        ("I-O DATA DEVICE, INC.", "i-o data device"),
        ("  Palo  Alto   Networks ", "palo alto networks"),
        ("Incom", "incom"),
        ("株式会社", ""),
        ("", ""),
    ],
)
def test_normalize_maker_name(text, expected):
    assert normalize_maker_name(text) == expected


@pytest.mark.parametrize(
    "written", ["ヤマハ", "YAMAHA", "ヤマハ株式会社", "ＹＡＭＡＨＡ", "ﾔﾏﾊ", "yamaha", "Yamaha Corporation"]
)
def test_by_name_resolves_every_way_of_writing_yamaha_to_the_packaged_maker(packaged_manufacturers, written):
    assert Manufacturer.objects.by_name(written).slug == "yamaha"


@pytest.mark.parametrize(
    ("written", "slug"),
    [
        ("日本電気", "nec"),
        ("NEC", "nec"),
        ("日本電気株式会社", "nec"),
        ("アイオーデータ", "iodata"),
        ("I-O DATA", "iodata"),
        ("パロアルトネットワークス", "paloalto"),
        ("paloaltonetworks", "paloalto"),
        ("Fortinet, Inc.", "fortinet"),
        ("シスコシステムズ株式会社", "cisco"),
    ],
)
def test_by_name_uses_aliases_and_cpe_vendors_of_the_data(packaged_manufacturers, written, slug):
    assert Manufacturer.objects.by_name(written).slug == slug


@pytest.mark.parametrize("written", ["日立", "東芝", "富士フイルム", "", "株式会社"])
def test_by_name_returns_none_for_a_maker_not_in_the_catalogue(packaged_manufacturers, written):
    assert Manufacturer.objects.by_name(written) is None


def test_own_name_wins_over_another_makers_alias():
    aliased = make_manufacturer(slug="yamaha", name_ja="ヤマハ株式会社（ネットワーク製品）", aliases=["ヤマハ"])
    own = make_manufacturer(slug="yamaha-corp", name_ja="ヤマハ", name_en="")
    assert Manufacturer.objects.by_name("ヤマハ株式会社") == own
    assert Manufacturer.objects.named("ヤマハ") == [own, aliased]
    assert Manufacturer.objects.exclude(pk=own.pk).by_name("ヤマハ") == aliased


NOT_A_CPE_VENDOR = " は CPE ベンダー名ではありません（英小文字・数字・「-」「_」「.」で書きます）。"
NOT_A_NAME = " は名前として使えません（空でなく 200 文字以内）。"


@pytest.mark.parametrize(
    ("validator", "value", "message"),
    [
        (validate_cpe_vendors, ["Yamaha"], "'Yamaha'" + NOT_A_CPE_VENDOR),
        (validate_cpe_vendors, ["tp link"], "'tp link'" + NOT_A_CPE_VENDOR),
        (validate_cpe_vendors, ["*"], "'*'" + NOT_A_CPE_VENDOR),
        (validate_cpe_vendors, "yamaha", "CPE ベンダー名の一覧を指定してください。"),
        (validate_maker_aliases, [""], "''" + NOT_A_NAME),
        (validate_maker_aliases, ["(株)"], "'(株)'" + NOT_A_NAME),
        (validate_maker_aliases, ["あ" * 201], f"'{'あ' * 201}'" + NOT_A_NAME),
        (validate_maker_aliases, [None], "名前の一覧を指定してください。"),
    ],
)
def test_name_list_validators_refuse_malformed_values_in_japanese(validator, value, message):
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    assert excinfo.value.messages == [message]


def test_name_list_validators_accept_real_values():
    validate_cpe_vendors(["yamaha", "paloaltonetworks", "tp-link", "nec"])
    validate_maker_aliases(["ヤマハ", "I-O DATA", "アイ・オー・データ機器"])
    maker = make_manufacturer(cpe_vendors=["buffalo"], aliases=["バッファロー"])
    maker.full_clean()
    assert (maker.cpe_vendors, maker.aliases) == (["buffalo"], ["バッファロー"])
