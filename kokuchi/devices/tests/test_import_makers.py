"""Imports with makers written as staff write them (G4, S-VULN): every way of writing a maker
finds the catalogue entry, an unknown maker is an error naming the closest known makers, and
`kokuchi import manufacturers` loads the catalogue itself."""

import io

import pytest
from django.core.management import CommandError, call_command

from kokuchi.catalog.models import Manufacturer, Product
from kokuchi.devices.importers import ImportFailed, RowError, import_file

pytestmark = pytest.mark.django_db

STAFF_WRITTEN = [
    ("ヤマハ", "RTX1300", "yamaha"),
    ("YAMAHA", "RTX830", "yamaha"),
    ("バッファロー", "TS5420DN", "buffalo"),
    ("Palo Alto Networks", "PA-440", "paloalto"),
    ("エレコム", "WRC-X3000GS2-B", "elecom"),
    ("シャープ", "BP-50C26", "sharp"),
    ("アイ・オー・データ機器", "UD-LT2", "iodata"),
    ("株式会社アイ・オー・データ機器", "HDL-T2WH", "iodata"),
    ("ＹＡＭＡＨＡ株式会社", "RTX1220", "yamaha"),
    ('"I-O DATA DEVICE, INC."', "UD-LT1", "iodata"),
    ("パロアルト", "PA-410", "paloalto"),
]


def write_csv(tmp_path, text):
    path = tmp_path / "products.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_products_with_makers_as_staff_write_them(tmp_path, packaged_manufacturers):
    rows = "".join(f"{maker},{model},ルーター\n" for maker, model, _slug in STAFF_WRITTEN)
    path = write_csv(tmp_path, "メーカー,型番,カテゴリ\n" + rows)

    result = import_file(kind="products", path=path)

    assert (result.created, result.updated) == (len(STAFF_WRITTEN), 0)
    assert sorted(Product.objects.values_list("model_number", "manufacturer__slug")) == sorted(
        (model, slug) for _maker, model, slug in STAFF_WRITTEN
    )


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "バッファロ",
            "unknown manufacturer 'バッファロ' (register it in the catalogue first); "
            "did you mean 株式会社バッファロー (buffalo)?",
        ),
        (
            "Palo Alto Network",
            "unknown manufacturer 'Palo Alto Network' (register it in the catalogue first); "
            "did you mean パロアルトネットワークス (paloalto)?",
        ),
        ("日立", "unknown manufacturer '日立' (register it in the catalogue first)"),
    ],
)
def test_unknown_maker_is_an_error_suggesting_the_closest_known_makers(
    tmp_path, packaged_manufacturers, written, message
):
    path = write_csv(tmp_path, f"メーカー,型番,カテゴリ\nヤマハ,RTX1300,ルーター\n{written},X-1,ルーター\n")

    with pytest.raises(ImportFailed) as failure:
        import_file(kind="products", path=path)

    assert failure.value.errors == [RowError(3, "manufacturer", message)]
    assert Product.objects.count() == 0


def test_closest_makers_come_best_first(packaged_manufacturers):
    assert [m.slug for m in Manufacturer.objects.closest("アイオーデータ機器株式会社")] == ["iodata"]
    assert [m.slug for m in Manufacturer.objects.closest("Fortinet Japan")][:1] == ["fortinet"]
    assert Manufacturer.objects.closest("") == []


def test_import_manufacturers_command_loads_the_catalogue(tmp_path):
    path = tmp_path / "manufacturers.yaml"
    path.write_text(
        "manufacturers:\n"
        "  - id: iodata\n"
        '    name_ja: "株式会社アイ・オー・データ機器"\n'
        '    name_en: "I-O DATA DEVICE, INC."\n'
        "    cpe_vendors: [i-o_data_device]\n"
        '    aliases: ["アイ・オー・データ機器"]\n'
        "    psirt_url: null\n"
        "    support_url: null\n"
        "    csaf_provider_metadata: null\n"
        "    verified: false\n",
        encoding="utf-8",
    )
    out = io.StringIO()

    call_command("import", "manufacturers", str(path), stdout=out)

    assert out.getvalue().strip() == "manufacturers: created=1 updated=0 unchanged=0"
    maker = Manufacturer.objects.get()
    assert (maker.slug, maker.cpe_vendors, maker.aliases) == ("iodata", ["i-o_data_device"], ["アイ・オー・データ機器"])
    assert Manufacturer.objects.by_name("IODATA") == maker
    assert Manufacturer.objects.by_name("i-o data device") == maker


def test_import_manufacturers_refuses_a_malformed_file_and_writes_nothing(tmp_path):
    path = tmp_path / "manufacturers.yaml"
    path.write_text("manufacturers:\n  - id: bad id\n    name_ja: x\n    verified: false\n", encoding="utf-8")

    with pytest.raises(CommandError) as failure:
        call_command("import", "manufacturers", str(path))

    assert str(failure.value) == (
        "manufacturers[0] (id=bad id): id: only letters, digits, '-' and '_' are allowed; nothing was imported."
    )
    assert Manufacturer.objects.count() == 0
