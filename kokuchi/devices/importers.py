"""Import of the installed base (products, customers, devices) from CSV or XLSX.

For resellers moving from spreadsheets or an SFA. Headers may be English field names or common
Japanese labels (メーカー, 型番, シリアル番号 …). Errors are reported with their row (spreadsheet
numbering: the header is row 1) and column.

An import never blocks the office, and a failed file changes nothing:

1. Read: the encoding is detected (UTF-8 with or without BOM, Shift_JIS/CP932, EUC-JP, UTF-16) or
   the file is refused naming the encodings tried; an XLSX is checked in its ZIP directory (sizes,
   compression ratio) before openpyxl opens it, so a damaged file or a ZIP bomb is refused within
   bounded memory. Control characters (NUL …) are refused naming row and column.
2. Validate the whole file with reads only (no transaction, so no write lock): every row is checked
   against the catalogue, the customers, the devices already registered and the rows before it.
   Any error ends the import here, before anything is written.
3. Write in short transactions of BATCH_SIZE rows, so staff and customers can write between them.
   As everything was validated first, a batch can fail only through a concurrent change (e.g. the
   same serial number registered meanwhile); then the batches already written are undone (rows
   created are deleted, rows updated get their previous values back) and the file is reported as
   failed: all or nothing still holds.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

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
    encoding: str = ""


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


# Rows written per transaction: short enough that other writers wait well under a second.
BATCH_SIZE = 500
# Bounds that keep a hostile or broken file from exhausting memory.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_XLSX_COMPRESSION_RATIO = 200
MAX_XLSX_ENTRIES = 10_000
ENCODINGS_TRIED = "UTF-8 (with or without BOM), Shift_JIS/CP932, EUC-JP, UTF-16"
# C0 and C1 control characters other than tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, damaged or oversized XLSX)."""


@dataclass(frozen=True)
class Table:
    rows: list[list[object]]
    encoding: str  # "xlsx" for a workbook


def read_table(path: Path) -> list[list[object]]:
    """Return the rows of a CSV (any supported encoding) or XLSX file (first sheet)."""
    return load_table(path).rows


def load_table(path: Path) -> Table:
    """Read the file, refusing it (FileRefused) with a message that says what is wrong."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRefused(f"the file is {size // (1024 * 1024)} MB; files up to {MAX_FILE_BYTES // (1024 * 1024)} MB")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileRefused("XLS (Excel 97-2003) files are not read; save the sheet as XLSX or CSV")
    if suffix in (".xlsx", ".xlsm"):
        return Table(_read_xlsx(path), "xlsx")
    raw = path.read_bytes()
    text, encoding = decode_text(raw)
    return Table([list(row) for row in csv.reader(io.StringIO(text))], encoding)


def decode_text(raw: bytes) -> tuple[str, str]:
    """Return the text and the name of its encoding, or raise FileRefused naming the encodings tried."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(raw, "utf-8-sig"), "UTF-8 (BOM)"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(raw, "utf-16"), "UTF-16"
    if b"\x00" in raw and len(raw) % 2 == 0:
        # A zero byte never occurs in UTF-8, CP932 or EUC-JP text (only as the NUL character):
        # UTF-16 without a byte order mark, when one byte order gives lines of text.
        for codec in ("utf-16-le", "utf-16-be"):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if "\n" in text and not CONTROL_CHARACTERS.search(text):
                return text, "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    candidates = []
    for codec, name in (("cp932", "Shift_JIS/CP932"), ("euc_jp", "EUC-JP")):
        try:
            candidates.append((_japanese_score(raw.decode(codec)), codec, name))
        except UnicodeDecodeError:
            continue
    if not candidates:
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise FileRefused(
            f"the file is not in a supported encoding ({ENCODINGS_TRIED}); line {line} has a byte none of them can read"
        )
    _score, codec, name = max(candidates)
    return raw.decode(codec), name


def _strict(raw: bytes, codec: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        raise FileRefused(f"the file starts as {codec.upper()} but byte {error.start} is not valid in it") from None


def _japanese_score(text: str) -> int:
    """More kana and kanji, fewer half-width katakana: the likelier reading of ambiguous bytes."""
    score = 0
    for character in text:
        code = ord(character)
        if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF:
            score += 1
        elif 0xFF61 <= code <= 0xFF9F or 0xE000 <= code <= 0xF8FF:
            score -= 2
    return score


def _check_xlsx_archive(path: Path) -> None:
    """Refuse a damaged or oversized workbook from its ZIP directory, before anything is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise FileRefused(f"the XLSX file is damaged or not an Excel workbook ({error})") from None
    if len(entries) > MAX_XLSX_ENTRIES:
        raise FileRefused(f"the XLSX file has {len(entries)} parts; a workbook has far fewer")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise FileRefused(
            f"the XLSX file unpacks to {total // (1024 * 1024)} MB; "
            f"workbooks up to {MAX_XLSX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB are read"
        )
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > MAX_XLSX_COMPRESSION_RATIO * max(entry.compress_size, 1):
            raise FileRefused(
                f"the XLSX part {entry.filename} is compressed {entry.file_size // max(entry.compress_size, 1)}:1, "
                "as a ZIP bomb is; refused"
            )
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise FileRefused("the XLSX file is damaged or not an Excel workbook (no xl/workbook.xml)")


def _read_xlsx(path: Path) -> list[list[object]]:
    _check_xlsx_archive(path)
    from openpyxl import load_workbook  # noqa: PLC0415 - 100 ms to import, needed only for XLSX files

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise FileRefused("the XLSX file has no sheet")
            return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    except FileRefused:
        raise
    except Exception as error:  # openpyxl raises KeyError, ValueError, XML and ZIP errors for damaged parts
        raise FileRefused(f"the XLSX file is damaged or not an Excel workbook ({type(error).__name__})") from None


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


def import_file(
    *,
    kind: str,
    path: Path,
    batch_size: int = BATCH_SIZE,
    after_batch: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import `path` as `kind` (products, customers or devices), all or nothing.

    Raise ImportFailed with every error found; nothing is saved then. The file is validated whole
    before the first write, then written in transactions of `batch_size` rows (see the module
    docstring); `after_batch(rows_written)` is called after each committed batch.
    """
    if kind not in KINDS:
        raise ImportFailed([RowError(0, "", f"unknown kind {kind!r}; use products, customers or devices")])
    try:
        table = load_table(path)
    except FileRefused as refused:
        raise ImportFailed([RowError(0, "", str(refused))]) from None
    rows = table.rows
    if not rows:
        raise ImportFailed([RowError(1, "", "the file is empty")])
    headers = [_text(h) for h in rows[0]]
    errors = _control_character_errors(1, headers, {})
    mapping, header_errors = _header_map(kind, headers)
    errors += header_errors
    if errors:
        raise ImportFailed(errors)
    plan = _Plan(kind=kind)
    columns = {index: field_name for field_name, index in mapping.items()}
    prepare = {"products": _prepare_product, "customers": _prepare_customer, "devices": _prepare_device}[kind]
    for number, row in enumerate(rows[1:], start=2):
        control_errors = _control_character_errors(number, row, columns, headers)
        if control_errors:
            errors += control_errors
            continue
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
            prepare(values, plan, number)
        except _ColumnError as error:
            errors.append(RowError(number, error.column, error.message))
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                column = FIELD_COLUMNS.get(field_name, field_name)
                errors += [RowError(number, column, m) for m in messages]
    del rows
    if errors:
        raise ImportFailed(errors)
    plan.write(batch_size=batch_size, after_batch=after_batch)
    return ImportResult(kind, plan.created, plan.updated, table.encoding)


def _control_character_errors(
    number: int, cells: list, columns: dict[int, str], headers: list[str] | None = None
) -> list[RowError]:
    errors = []
    for index, value in enumerate(cells):
        if not isinstance(value, str):
            continue
        match = CONTROL_CHARACTERS.search(value)
        if match is None:
            continue
        column = columns.get(index) or (headers[index] if headers and index < len(headers) else f"#{index + 1}")
        errors.append(RowError(number, column, f"contains the control character U+{ord(match.group()):04X}; remove it"))
    return errors


@dataclass
class _Update:
    instance: Model
    created: bool
    # Field values before this import changed them, to put back if a later batch fails.
    previous: dict[str, object] | None = None


@dataclass
class _Plan:
    """What a validated file will write: products/customers as saved instances, devices as tuples
    (a model instance per row would cost a hundred times the memory for 100,000 rows)."""

    kind: str
    updates: dict[tuple, _Update] = field(default_factory=dict)
    devices: list[tuple] = field(default_factory=list)
    cache: dict = field(default_factory=dict)
    created: int = 0
    updated: int = 0

    def write(self, *, batch_size: int, after_batch: Callable[[int], None] | None) -> None:
        done: list[_Update] = []
        inserted: list[tuple] = []
        try:
            if self.kind == "devices":
                self._write_devices(batch_size, after_batch, inserted)
            else:
                self._write_updates(batch_size, after_batch, done)
        except (IntegrityError, ValidationError) as error:
            self._undo(done, inserted)
            raise ImportFailed(
                [RowError(0, "", f"the data changed while the file was written ({error}); nothing was imported")]
            ) from None
        self.created = len(inserted) if self.kind == "devices" else sum(u.created for u in done)
        self.updated = 0 if self.kind == "devices" else sum(not u.created for u in done)

    def _write_devices(self, batch_size, after_batch, inserted: list[tuple]) -> None:
        """Insert the validated device rows with one prepared statement per batch.

        The rows were validated as Device.full_clean() would (fields, uniqueness), and Device.save()
        adds nothing for a new device whose current firmware is its firmware at sale, so the ORM's
        per-object work (a model instance and a compiled value per field and row) is skipped: it
        took most of the time of a 100,000-row import.
        """
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        given = (
            "product_id",
            "customer_id",
            "serial_number",
            "firmware_at_sale",
            "current_firmware",
            "installation_site",
            "delivered_on",
            "created_at",
            "updated_at",
        )
        # Any other column gets its field's default (computed once), so a field added to Device later
        # with a default needs no change here.
        others = [f for f in Device._meta.concrete_fields if not f.primary_key and f.attname not in given]
        defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
        columns = [Device._meta.get_field(name).column for name in given] + [f.column for f in others]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            ops.quote_name(Device._meta.db_table),
            ", ".join(ops.quote_name(column) for column in columns),
            ", ".join(["%s"] * len(columns)),
        )
        for start in range(0, len(self.devices), batch_size):
            batch = self.devices[start : start + batch_size]
            params = [
                (product_id, customer_id, serial, firmware, firmware, site, ops.adapt_datefield_value(day), now, now)
                + defaults
                for product_id, customer_id, serial, firmware, site, day in batch
            ]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, params)
            inserted += batch
            if after_batch:
                after_batch(start + len(batch))

    def _write_updates(self, batch_size, after_batch, done: list[_Update]) -> None:
        updates = list(self.updates.values())
        for start in range(0, len(updates), batch_size):
            batch = updates[start : start + batch_size]
            with transaction.atomic():
                for update in batch:
                    update.instance.save()
            done += batch
            if after_batch:
                after_batch(start + len(batch))

    def _undo(self, done: list[_Update], inserted: list[tuple]) -> None:
        """Compensate the batches already committed: delete what was created, restore what was updated.

        A device row is identified by its product and serial number (unique together)."""
        by_product: dict[int, list[str]] = {}
        for product_id, _customer_id, serial, *_rest in inserted:
            by_product.setdefault(product_id, []).append(serial)
        with transaction.atomic():
            for product_id, serials in by_product.items():
                for start in range(0, len(serials), 500):
                    Device.objects.filter(
                        product_id=product_id, serial_number__in=serials[start : start + 500]
                    ).delete()
            for update in reversed(done):
                if update.created:
                    type(update.instance).objects.filter(pk=update.instance.pk).delete()
                elif update.previous is not None:
                    type(update.instance).objects.filter(pk=update.instance.pk).update(**update.previous)


def _snapshot(instance: Model) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}


class _ColumnError(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message
        super().__init__(message)


def _convert(column: str, func, *args):
    try:
        return func(*args)
    except ValueError as error:
        raise _ColumnError(column, str(error)) from None


def _prepare_product(values: dict, plan: _Plan, number: int) -> None:
    manufacturer = _convert("manufacturer", _manufacturer, values["manufacturer"], plan.cache.setdefault("makers", {}))
    model = _text(values["model"])
    key = (manufacturer.pk, model)
    update = plan.updates.get(key)
    if update is None:
        product = Product.objects.filter(manufacturer=manufacturer, model_number=model).first()
        if product is None:
            update = _Update(Product(manufacturer=manufacturer, model_number=model), created=True)
        else:
            update = _Update(product, created=False, previous=_snapshot(product))
    product = update.instance
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
    product.full_clean(validate_unique=False)
    plan.updates[key] = update


def _prepare_customer(values: dict, plan: _Plan, number: int) -> None:
    code = _text(values["customer_code"])
    update = plan.updates.get((code,))
    if update is None:
        customer = Customer.objects.filter(customer_code=code).first()
        if customer is None:
            update = _Update(Customer(customer_code=code), created=True)
        else:
            update = _Update(customer, created=False, previous=_snapshot(customer))
    customer = update.instance
    customer.name = _text(values["name"])
    for field_name in ("name_kana", "postal_code", "address", "phone"):
        if _text(values.get(field_name)):
            setattr(customer, field_name, _text(values[field_name]))
    customer.notify_without_contract = _convert(
        "notify_without_contract", _bool, values.get("notify_without_contract"), customer.notify_without_contract
    )
    customer.full_clean(validate_unique=False)
    plan.updates[(code,)] = update


def _prepare_device(values: dict, plan: _Plan, number: int) -> None:
    cache = plan.cache
    code = _text(values["customer_code"])
    customers = cache.setdefault("customers", {})
    if code not in customers:
        customers[code] = Customer.objects.filter(customer_code=code).first()
    customer = customers[code]
    if customer is None:
        raise _ColumnError("customer_code", f"unknown customer code {code!r}")
    manufacturer = _convert("manufacturer", _manufacturer, values["manufacturer"], cache.setdefault("makers", {}))
    model = _text(values["model"])
    products = cache.setdefault("products", {})
    if (manufacturer.pk, model) not in products:
        products[manufacturer.pk, model] = Product.objects.filter(manufacturer=manufacturer, model_number=model).first()
    product = products[manufacturer.pk, model]
    if product is None:
        raise _ColumnError("model", f"unknown model {model!r} of {manufacturer.name_ja}")
    serial = _text(values["serial_number"])
    registered = cache.setdefault("registered", {})
    if product.pk not in registered:
        registered[product.pk] = set(Device.objects.filter(product=product).values_list("serial_number", flat=True))
    if serial in registered[product.pk]:
        raise _ColumnError("serial_number", f"device {model} {serial} is already registered")
    in_file = cache.setdefault("in_file", {})
    if (product.pk, serial) in in_file:
        raise _ColumnError("serial_number", f"device {model} {serial} is also on row {in_file[product.pk, serial]}")
    firmware = _text(values.get("firmware_version"))
    site = _text(values.get("installation_site"))
    delivered_on = _convert("delivered_on", _date, values.get("delivered_on"))
    # The product and customer were just looked up and uniqueness checked against the database and
    # the rows before this one; what remains of Device.full_clean() is its text fields' validators,
    # run here without building a model instance per row (100,000 of them cost seconds and memory).
    _validate_fields(Device, serial_number=serial, firmware_at_sale=firmware, installation_site=site)
    in_file[product.pk, serial] = number
    plan.devices.append((product.pk, customer.pk, serial, firmware, site, delivered_on))


def _validate_fields(model: type[Model], **values: object) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            model._meta.get_field(name).run_validators(value)  # type: ignore[union-attr]
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
