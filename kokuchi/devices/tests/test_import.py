"""`kokuchi import`: all-or-nothing, row-level errors, Japanese headers, CSV encodings, XLSX."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.utils import translation
from openpyxl import Workbook

from kokuchi.catalog.models import Product
from kokuchi.catalog.tests.factories import make_manufacturer
from kokuchi.customers.models import Customer
from kokuchi.customers.tests.factories import make_customer
from kokuchi.devices.importers import ImportFailed, RowError, import_file
from kokuchi.devices.models import Device

pytestmark = pytest.mark.django_db

PRODUCTS_JA = (
    "メーカー,型番,カテゴリ,インターネット接続,ファームウェア更新,ハードウェアCPE,ファームウェアCPE,最新ファームウェア\n"
    "NEC,WG2600HS,ルーター,はい,はい,,cpe:2.3:o:nec:aterm_wg2600hs_firmware:*:*:*:*:*:*:*:*,1.7.2\n"
    "fortinet,FG-60F,firewall,yes,yes,cpe:2.3:h:fortinet:fortigate-60f:-:*:*:*:*:*:*:*,"
    "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*,7.4.8\n"
)


@pytest.fixture
def makers():
    make_manufacturer(slug="nec", name_ja="日本電気", name_en="NEC", cpe_vendors=["nec"])
    make_manufacturer(slug="fortinet", name_ja="フォーティネット", name_en="Fortinet", cpe_vendors=["fortinet"])


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_import_products_with_japanese_headers_in_each_encoding(tmp_path, makers, encoding):
    path = _write(tmp_path, "products.csv", PRODUCTS_JA, encoding)
    out = io.StringIO()
    call_command("import", "products", str(path), stdout=out)
    assert out.getvalue().strip() == "products: created=2 updated=0"
    assert list(
        Product.objects.order_by("model_number").values_list(
            "manufacturer__slug", "model_number", "category", "firmware_cpe", "latest_firmware"
        )
    ) == [
        ("fortinet", "FG-60F", "firewall", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "7.4.8"),
        ("nec", "WG2600HS", "router", "cpe:2.3:o:nec:aterm_wg2600hs_firmware:*:*:*:*:*:*:*:*", "1.7.2"),
    ]


def test_import_customers_then_reimport_updates(tmp_path):
    path = _write(tmp_path, "c.csv", "顧客コード,会社名,契約外通知\nC-001,株式会社一,はい\nC-002,株式会社二,\n")
    assert import_file(kind="customers", path=path).created == 2
    path = _write(tmp_path, "c2.csv", "customer_code,name\nC-001,株式会社壱\n")
    result = import_file(kind="customers", path=path)
    assert (result.created, result.updated) == (0, 1)
    assert list(Customer.objects.values_list("customer_code", "name", "notify_without_contract")) == [
        ("C-001", "株式会社壱", True),
        ("C-002", "株式会社二", False),
    ]


def test_import_devices_xlsx(tmp_path, makers):
    import_file(kind="products", path=_write(tmp_path, "p.csv", PRODUCTS_JA))
    make_customer(customer_code="C-001")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["顧客コード", "メーカー", "機種", "シリアル番号", "ファームウェア", "納入日", "設置場所"])
    sheet.append(["C-001", "日本電気", "WG2600HS", "12345678", "1.7.1", datetime.date(2025, 4, 1), "本社"])
    sheet.append(["C-001", "Fortinet", "FG-60F", "FGT60F0001", "7.0.12", "2025/04/02", ""])
    path = tmp_path / "devices.xlsx"
    workbook.save(path)

    assert import_file(kind="devices", path=path).created == 2
    assert list(
        Device.objects.order_by("serial_number").values_list(
            "serial_number",
            "product__model_number",
            "firmware_at_sale",
            "current_firmware",
            "delivered_on",
            "installation_site",
        )
    ) == [
        ("12345678", "WG2600HS", "1.7.1", "1.7.1", datetime.date(2025, 4, 1), "本社"),
        ("FGT60F0001", "FG-60F", "7.0.12", "7.0.12", datetime.date(2025, 4, 2), ""),
    ]


def test_import_is_all_or_nothing_with_row_errors(tmp_path, makers):
    import_file(kind="products", path=_write(tmp_path, "p.csv", PRODUCTS_JA))
    make_customer(customer_code="C-001")
    text = (
        "顧客コード,メーカー,型番,シリアル番号,ファームウェア,納入日\n"
        "C-001,NEC,WG2600HS,S-1,1.7.1,2025-04-01\n"
        "C-999,NEC,WG2600HS,S-2,1.7.1,2025-04-01\n"
        "C-001,NEC,WG9999,S-3,1.7.1,2025-04-01\n"
        "C-001,NEC,WG2600HS,,1.7.1,2025-04-01\n"
        "C-001,NEC,WG2600HS,S-5,1.7.1,2025-13-01\n"
        "C-001,Unknown Corp,WG2600HS,S-6,1.7.1,\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="devices", path=_write(tmp_path, "d.csv", text))
    assert failure.value.errors == [
        RowError(3, "customer_code", "unknown customer code 'C-999'"),
        RowError(4, "model", "unknown model 'WG9999' of 日本電気"),
        RowError(5, "serial_number", "required value is empty"),
        RowError(6, "delivered_on", "month must be in 1..12"),
        RowError(7, "manufacturer", "unknown manufacturer 'Unknown Corp' (register it in the catalogue first)"),
    ]
    assert Device.objects.count() == 0  # row 2 was valid but nothing was saved


def test_import_command_reports_errors_and_saves_nothing(tmp_path, makers):
    text = "メーカー,型番,カテゴリ,ファームウェアCPE\nNEC,WG2600HS,ルーター,not-a-cpe\nNEC,X,冷蔵庫,\n"
    err = io.StringIO()
    # English output: the validator's message is translated, the importer's own are not yet.
    with translation.override("en"), pytest.raises(CommandError, match=r"2 error\(s\); nothing was imported."):
        call_command("import", "products", str(_write(tmp_path, "p.csv", text)), stderr=err, stdout=io.StringIO())
    assert err.getvalue().splitlines() == [
        "row 2, column firmware_cpe: not-a-cpe is not a CPE 2.3 formatted string "
        "(cpe:2.3:part:vendor:product:version:…, 13 parts).",
        "row 3, column category: unknown category '冷蔵庫'",
    ]
    assert Product.objects.count() == 0


def test_import_missing_required_column(tmp_path):
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="customers", path=_write(tmp_path, "c.csv", "顧客コード,住所\nC-1,東京\n"))
    assert failure.value.errors == [RowError(1, "name", "required column is missing")]


def test_import_products_and_devices_name_the_maker_by_an_alias_of_the_packaged_data(tmp_path, packaged_manufacturers):
    products = (
        "メーカー,型番,カテゴリ\n"
        "ヤマハ,WLX212,無線アクセスポイント\n"
        "YAMAHA,RTX1300,ルーター\n"
        "ヤマハ株式会社,SWX2310,スイッチ\n"
        "アイオーデータ,HDL-T,nas\n"
    )
    assert import_file(kind="products", path=_write(tmp_path, "p.csv", products)).created == 4
    make_customer(customer_code="C-001")
    devices = (
        "顧客コード,メーカー,型番,シリアル番号\n"
        "C-001,ＹＡＭＡＨＡ,WLX212,S-1\n"
        "C-001,(株)ヤマハ,RTX1300,S-2\n"
        "C-001,I-O DATA,HDL-T,S-3\n"
    )
    assert import_file(kind="devices", path=_write(tmp_path, "d.csv", devices)).created == 3
    assert list(Product.objects.order_by("model_number").values_list("manufacturer__slug", "model_number")) == [
        ("iodata", "HDL-T"),
        ("yamaha", "RTX1300"),
        ("yamaha", "SWX2310"),
        ("yamaha", "WLX212"),
    ]
    assert list(
        Device.objects.order_by("serial_number").values_list("serial_number", "product__manufacturer__slug")
    ) == [
        ("S-1", "yamaha"),
        ("S-2", "yamaha"),
        ("S-3", "iodata"),
    ]


def test_import_refuses_a_maker_whose_alias_was_dropped_from_the_data(tmp_path, packaged_manufacturers):
    text = "メーカー,型番,カテゴリ\n日立,X-1,ルーター\n"
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="products", path=_write(tmp_path, "p.csv", text))
    assert failure.value.errors == [
        RowError(2, "manufacturer", "unknown manufacturer '日立' (register it in the catalogue first)")
    ]


# ---------------------------------------------------------------- hostile and unusual files

DEVICES_HEADER = "顧客コード,メーカー,型番,シリアル番号,ファームウェア,納入日,設置場所\n"


@pytest.fixture
def installed_base(tmp_path, makers):
    import_file(kind="products", path=_write(tmp_path, "p.csv", PRODUCTS_JA))
    make_customer(customer_code="C-001")


@pytest.mark.parametrize(
    ("codec", "name"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 (BOM)"),
        ("cp932", "Shift_JIS/CP932"),
        ("euc_jp", "EUC-JP"),
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16"),
    ],
)
def test_import_detects_each_japanese_encoding(tmp_path, installed_base, codec, name):
    text = DEVICES_HEADER + "C-001,日本電気,WG2600HS,S-1,1.7.1,2025年4月1日,本社３階サーバー室\n"
    result = import_file(kind="devices", path=_write(tmp_path, "d.csv", text, codec))
    assert (result.created, result.encoding) == (1, name)
    assert Device.objects.get().installation_site == "本社3階サーバー室"


def test_import_refuses_bytes_no_supported_encoding_reads(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("顧客コード,会社名\nC-1,".encode() + b"\xff\xfe\xfd\x80\x80\n")
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="customers", path=path)
    assert failure.value.errors == [
        RowError(
            0,
            "",
            "the file is not in a supported encoding (UTF-8 (with or without BOM), Shift_JIS/CP932, EUC-JP, UTF-16); "
            "line 2 has a byte none of them can read",
        )
    ]


def test_import_refuses_control_characters_naming_row_and_column(tmp_path, installed_base):
    text = DEVICES_HEADER + "C-001,NEC,WG2600HS,S-1,1.7.1,,\nC-001,NEC,WG2600HS,S-\x002,1.7.1,,\n"
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="devices", path=_write(tmp_path, "d.csv", text))
    assert failure.value.errors == [
        RowError(3, "serial_number", "contains the control character U+0000; remove it"),
    ]
    assert Device.objects.count() == 0


def test_import_refuses_the_same_device_twice_in_one_file(tmp_path, installed_base):
    text = DEVICES_HEADER + "C-001,NEC,WG2600HS,S-1,,,\nC-001,NEC,WG2600HS,S-1,,,\n"
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="devices", path=_write(tmp_path, "d.csv", text))
    assert failure.value.errors == [RowError(3, "serial_number", "device WG2600HS S-1 is also on row 2")]


def test_import_refuses_a_damaged_xlsx(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="customers", path=path)
    assert failure.value.errors[0].message.startswith("the XLSX file is damaged or not an Excel workbook")


def test_import_refuses_an_xlsx_that_is_a_zip_without_a_workbook(tmp_path):
    import zipfile

    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="customers", path=path)
    assert failure.value.errors == [
        RowError(0, "", "the XLSX file is damaged or not an Excel workbook (no xl/workbook.xml)")
    ]


def test_import_refuses_an_xlsx_zip_bomb_within_bounded_memory(tmp_path):
    import tracemalloc
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(64):
                sheet.write(chunk)
    assert path.stat().st_size < 1024 * 1024

    tracemalloc.start()
    try:
        with pytest.raises(ImportFailed) as failure:
            import_file(kind="customers", path=path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert failure.value.errors[0].message.startswith("the XLSX part xl/worksheets/sheet1.xml is compressed")
    assert failure.value.errors[0].message.endswith("as a ZIP bomb is; refused")
    assert peak < 5 * 1024 * 1024


def test_import_refuses_old_xls_files(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFailed) as failure:
        import_file(kind="customers", path=path)
    assert failure.value.errors == [
        RowError(0, "", "XLS (Excel 97-2003) files are not read; save the sheet as XLSX or CSV")
    ]


def test_import_writes_in_batches_and_undoes_them_when_a_later_batch_fails(tmp_path, installed_base):
    rows = "".join(f"C-001,NEC,WG2600HS,S-{n},,,\n" for n in range(10))
    path = _write(tmp_path, "d.csv", DEVICES_HEADER + rows)
    product = Product.objects.get(model_number="WG2600HS")
    customer = Customer.objects.get(customer_code="C-001")
    written = []

    def someone_registers_s7_meanwhile(count):
        written.append(count)
        if count == 4:
            Device.objects.create(product=product, customer=customer, serial_number="S-7")

    with pytest.raises(ImportFailed) as failure:
        import_file(kind="devices", path=path, batch_size=4, after_batch=someone_registers_s7_meanwhile)

    assert written == [4]
    assert failure.value.errors[0].message.startswith("the data changed while the file was written")
    assert list(Device.objects.values_list("serial_number", flat=True)) == ["S-7"]


def test_import_undoes_updates_of_earlier_batches(tmp_path):
    make_customer(customer_code="C-001", name="株式会社元")
    path = _write(tmp_path, "c.csv", "顧客コード,会社名\nC-001,株式会社新\nC-002,株式会社二\n")

    def fail_after_first_batch(count):
        raise IntegrityError("simulated concurrent change")

    with pytest.raises(ImportFailed):
        import_file(kind="customers", path=path, batch_size=1, after_batch=fail_after_first_batch)
    assert list(Customer.objects.values_list("customer_code", "name")) == [("C-001", "株式会社元")]


def test_import_reports_a_too_long_serial_number_by_row_and_column(tmp_path, installed_base):
    text = DEVICES_HEADER + "C-001,NEC,WG2600HS," + "S" * 101 + ",1.7.1,,\n"
    with translation.override("en"), pytest.raises(ImportFailed) as failure:
        import_file(kind="devices", path=_write(tmp_path, "d.csv", text))
    assert failure.value.errors == [
        RowError(2, "serial_number", "Ensure this value has at most 100 characters (it has 101).")
    ]
