"""Import of the installed base (products, customers, devices) from CSV or XLSX.

For resellers moving from spreadsheets or an SFA. Every import is all-or-nothing: rows are
checked and saved inside one transaction, and any error rolls everything back and is reported
with its row (spreadsheet numbering: the header is row 1) and column. Headers may be English
field names or common Japanese labels (メーカー, 型番, シリアル番号 …); CSV may be UTF-8 (with or
without BOM) or Shift_JIS/CP932 as Excel in Japan saves it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from kokuchi.catalog.models import Manufacturer, Product, ProductCategory, normalize_maker_name
from kokuchi.customers.models import Customer
from kokuchi.devices.models import Device

KINDS = ("products", "customers", "devices")

COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "products": {
        "manufacturer": ("メーカー", "メーカー名", "製造元"),
        "model": ("型番", "機種", "型式", "モデル", "model_number"),
        "name": ("製品名", "商品名"),
        "category": ("カテゴリ", "カテゴリー", "種別", "分類"),
        "internet_connectable": ("インターネット接続", "インターネット接続可", "ネット接続"),
        "firmware_updatable": ("ファームウェア更新", "ファームウェア更新可", "ファーム更新"),
        "hardware_cpe": ("ハードウェアcpe",),
        "firmware_cpe": ("ファームウェアcpe", "oscpe"),
        "latest_firmware": ("最新ファームウェア", "最新ファームウェアバージョン", "最新バージョン"),
        "end_of_support": ("サポート終了日", "保守終了日", "eos"),
    },
    "customers": {
        "customer_code": ("顧客コード", "取引先コード"),
        "name": ("会社名", "顧客名", "取引先名"),
        "name_kana": ("会社名カナ", "フリガナ", "カナ"),
        "postal_code": ("郵便番号",),
        "address": ("住所", "所在地"),
        "phone": ("電話番号", "電話"),
        "notify_without_contract": ("契約外通知", "保守契約外通知"),
    },
    "devices": {
        "customer_code": ("顧客コード", "取引先コード"),
        "manufacturer": ("メーカー", "メーカー名", "製造元"),
        "model": ("型番", "機種", "型式", "モデル", "model_number"),
        "serial_number": ("シリアル番号", "シリアル", "製造番号", "serial"),
        "firmware_version": (
            "ファームウェア",
            "ファームウェアバージョン",
            "ファーム",
            "ファームウェア版数",
            "firmware",
        ),
        "delivered_on": ("納入日", "納品日", "delivered"),
        "installation_site": ("設置場所", "設置先"),
    },
}
REQUIRED = {
    "products": ("manufacturer", "model", "category"),
    "customers": ("customer_code", "name"),
    "devices": ("customer_code", "manufacturer", "model", "serial_number"),
}
CATEGORY_ALIASES = {
    "ルーター": ProductCategory.ROUTER,
    "ルータ": ProductCategory.ROUTER,
    "スイッチ": ProductCategory.SWITCH,
    "l2スイッチ": ProductCategory.SWITCH,
    "l3スイッチ": ProductCategory.SWITCH,
    "ファイアウォール": ProductCategory.FIREWALL,
    "utm": ProductCategory.FIREWALL,
    "無線lanアクセスポイント": ProductCategory.WIRELESS_AP,
    "アクセスポイント": ProductCategory.WIRELESS_AP,
    "無線ap": ProductCategory.WIRELESS_AP,
    "nas": ProductCategory.NAS,
    "pc": ProductCategory.PC,
    "パソコン": ProductCategory.PC,
    "サーバー": ProductCategory.SERVER,
    "サーバ": ProductCategory.SERVER,
    "プリンター": ProductCategory.PRINTER,
    "複合機": ProductCategory.PRINTER,
    "ネットワークカメラ": ProductCategory.NETWORK_CAMERA,
    "カメラ": ProductCategory.NETWORK_CAMERA,
    "iot": ProductCategory.OTHER_IOT,
    "その他": ProductCategory.OTHER,
}
TRUE_WORDS = {"true", "yes", "y", "1", "はい", "可", "○", "〇", "有", "あり"}
FALSE_WORDS = {"false", "no", "n", "0", "いいえ", "不可", "×", "無", "なし"}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return (
            f"row {self.row}, column {self.column}: {self.message}"
            if self.column
            else f"row {self.row}: {self.message}"
        )


class ImportFailed(Exception):
    """The file was rejected; nothing was saved."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-・/（）()]", "", unicodedata.normalize("NFKC", str(header or "")).strip().lower())


def _header_map(kind: str, headers: list[str]) -> tuple[dict[str, int], list[RowError]]:
    lookup = {}
    for field_name, aliases in COLUMNS[kind].items():
        for name in (field_name, *aliases):
            lookup[_norm(name)] = field_name
    mapping: dict[str, int] = {}
    errors = []
    for index, header in enumerate(headers):
        field_name = lookup.get(_norm(header))
        if field_name is None:
            continue
        if field_name in mapping:
            errors.append(RowError(1, str(header), f"duplicates the column for {field_name}"))
        mapping[field_name] = index
    for field_name in REQUIRED[kind]:
        if field_name not in mapping:
            errors.append(RowError(1, field_name, "required column is missing"))
    return mapping, errors


def read_table(path: Path) -> list[list[object]]:
    """Return the rows of a CSV (UTF-8 with/without BOM, or CP932) or XLSX file (first sheet)."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook  # noqa: PLC0415 - 100 ms to import, needed only for XLSX files

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        text = raw.decode("utf-8-sig")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp932")
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _bool(value, default: bool) -> bool:
    text = _text(value).lower()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not yes/no (はい/いいえ, true/false, 1/0)")


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日)")
    return datetime.date(*map(int, match.groups()))


def _category(value) -> str:
    text = _text(value)
    lowered = text.lower()
    for choice in ProductCategory:
        if lowered in (choice.value, str(choice.label).lower()):
            return choice.value
    if lowered in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[lowered].value
    raise ValueError(f"unknown category {text!r}")


def _manufacturer(value, cache: dict[str, Manufacturer | None]) -> Manufacturer:
    """The catalogue maker the cell names: its key, a name or an alias, however written (ヤマハ,
    YAMAHA and ヤマハ株式会社 are the same maker)."""
    text = _text(value)
    key = normalize_maker_name(text)
    if key not in cache:
        cache[key] = Manufacturer.objects.by_name(text)
    found = cache[key]
    if found is None:
        suggestions = Manufacturer.objects.closest(text)
        hint = (
            "; did you mean " + ", ".join(f"{m.name_ja} ({m.slug})" for m in suggestions) + "?" if suggestions else ""
        )
        raise ValueError(f"unknown manufacturer {text!r} (register it in the catalogue first){hint}")
    return found


# Model field → import column, to report model validation errors by column.
FIELD_COLUMNS = {
    "model_number": "model",
    "firmware_at_sale": "firmware_version",
    "current_firmware": "firmware_version",
    "__all__": "",
}


def import_file(*, kind: str, path: Path) -> ImportResult:
    """Import `path` as `kind` (products, customers or devices), all or nothing.

    Raise ImportFailed with every row-level error found; nothing is saved then.
    """
    if kind not in KINDS:
        raise ImportFailed([RowError(0, "", f"unknown kind {kind!r}; use products, customers or devices")])
    rows = read_table(path)
    if not rows:
        raise ImportFailed([RowError(1, "", "the file is empty")])
    mapping, errors = _header_map(kind, [_text(h) for h in rows[0]])
    if errors:
        raise ImportFailed(errors)
    created = updated = 0
    importer = {"products": _import_product, "customers": _import_customer, "devices": _import_device}[kind]
    cache: dict = {}
    with transaction.atomic():
        for number, row in enumerate(rows[1:], start=2):
            values = {f: (row[i] if i < len(row) else None) for f, i in mapping.items()}
            if all(_text(v) == "" for v in values.values()):
                continue
            row_errors = [
                RowError(number, f, "required value is empty") for f in REQUIRED[kind] if not _text(values.get(f))
            ]
            if row_errors:
                errors += row_errors
                continue
            try:
                was_created = importer(values, cache)
            except _ColumnError as error:
                errors.append(RowError(number, error.column, error.message))
                continue
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    column = FIELD_COLUMNS.get(field_name, field_name)
                    errors += [RowError(number, column, m) for m in messages]
                continue
            created += was_created
            updated += not was_created
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return ImportResult(kind, created, updated)


class _ColumnError(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message
        super().__init__(message)


def _convert(column: str, func, *args):
    try:
        return func(*args)
    except ValueError as error:
        raise _ColumnError(column, str(error)) from None


def _import_product(values: dict, cache: dict) -> bool:
    manufacturer = _convert("manufacturer", _manufacturer, values["manufacturer"], cache)
    model = _text(values["model"])
    product = Product.objects.filter(manufacturer=manufacturer, model_number=model).first()
    created = product is None
    product = product or Product(manufacturer=manufacturer, model_number=model)
    product.category = _convert("category", _category, values["category"])
    product.internet_connectable = _convert(
        "internet_connectable", _bool, values.get("internet_connectable"), product.internet_connectable
    )
    product.firmware_updatable = _convert(
        "firmware_updatable", _bool, values.get("firmware_updatable"), product.firmware_updatable
    )
    for field_name in ("name", "hardware_cpe", "firmware_cpe", "latest_firmware"):
        if field_name in values and _text(values[field_name]):
            setattr(product, field_name, _text(values[field_name]))
    if _text(values.get("end_of_support")):
        product.end_of_support = _convert("end_of_support", _date, values["end_of_support"])
    product.full_clean(validate_unique=created)
    product.save()
    return created


def _import_customer(values: dict, cache: dict) -> bool:
    code = _text(values["customer_code"])
    customer = Customer.objects.filter(customer_code=code).first()
    created = customer is None
    customer = customer or Customer(customer_code=code)
    customer.name = _text(values["name"])
    for field_name in ("name_kana", "postal_code", "address", "phone"):
        if _text(values.get(field_name)):
            setattr(customer, field_name, _text(values[field_name]))
    customer.notify_without_contract = _convert(
        "notify_without_contract", _bool, values.get("notify_without_contract"), customer.notify_without_contract
    )
    customer.full_clean(validate_unique=created)
    customer.save()
    return created


def _import_device(values: dict, cache: dict) -> bool:
    code = _text(values["customer_code"])
    customer = Customer.objects.filter(customer_code=code).first()
    if customer is None:
        raise _ColumnError("customer_code", f"unknown customer code {code!r}")
    manufacturer = _convert("manufacturer", _manufacturer, values["manufacturer"], cache)
    model = _text(values["model"])
    product = Product.objects.filter(manufacturer=manufacturer, model_number=model).first()
    if product is None:
        raise _ColumnError("model", f"unknown model {model!r} of {manufacturer.name_ja}")
    serial = _text(values["serial_number"])
    if Device.objects.filter(product=product, serial_number=serial).exists():
        raise _ColumnError("serial_number", f"device {model} {serial} is already registered")
    firmware = _text(values.get("firmware_version"))
    device = Device(
        product=product,
        customer=customer,
        serial_number=serial,
        firmware_at_sale=firmware,
        current_firmware=firmware,
        installation_site=_text(values.get("installation_site")),
        delivered_on=_convert("delivered_on", _date, values.get("delivered_on")),
    )
    device.full_clean()
    device.save()
    return True
