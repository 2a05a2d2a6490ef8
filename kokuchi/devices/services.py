"""Device workflows: the delivered units of a deal in bulk, firmware updates after delivery
(G5.1-3 history, S-LIFE)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kokuchi.catalog.models import Product
from kokuchi.customers.models import Customer
from kokuchi.deals.models import Deal, DealLine
from kokuchi.devices.models import Device, FirmwareChange, MaintenanceContract
from kokuchi.devices.signals import firmware_changed


@transaction.atomic
def record_firmware_update(
    *, device: Device, version: str, changed_on: datetime.date, user: User, note: str = ""
) -> FirmwareChange:
    """Record that `device` now runs firmware `version`: a FirmwareChange row keeps the history
    and only `current_firmware` changes. The version at sale stays as it was (G5.1-3)."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    version = version.strip()
    if device.delivered_on is None:
        raise ValidationError(
            {"version": _("The device is not delivered yet: correct the firmware version at sale instead.")}
        )
    if changed_on < device.delivered_on:
        raise ValidationError(
            {
                "changed_on": _("The update cannot be before the delivery date (%(day)s).")
                % {"day": device.delivered_on.isoformat()}
            }
        )
    if version == device.current_firmware:
        raise ValidationError({"version": _("The device already runs %(version)s.") % {"version": version}})
    change = FirmwareChange(
        device=device,
        from_version=device.current_firmware,
        to_version=version,
        changed_on=changed_on,
        recorded_by=user,
        note=note,
    )
    change.full_clean()
    change.save()
    device.current_firmware = version
    device.save(update_fields=["current_firmware", "updated_at"])
    transaction.on_commit(lambda: firmware_changed.send(sender=Device, device=device, change=change))
    return change


@transaction.atomic
def save_contract(*, contract: MaintenanceContract, device_ids: Collection[int] | None = None) -> MaintenanceContract:
    """Save a maintenance contract and, when `device_ids` is given, the devices it covers (None
    keeps the covered devices as they are). The deal and every covered device must belong to the
    contract's customer; otherwise nothing is saved (ValidationError naming the field)."""
    errors: dict[str, list[str]] = {}
    if (
        contract.deal_id is not None
        and contract.customer_id is not None
        and not Deal.objects.filter(pk=contract.deal_id, customer_id=contract.customer_id).exists()
    ):
        errors["deal"] = [_("This deal belongs to another customer.")]
    if device_ids is None:
        ids = set(contract.devices.values_list("pk", flat=True)) if contract.pk else set()
    else:
        ids = set(device_ids)
    devices = list(Device.objects.filter(pk__in=ids).select_related("product")) if ids else []
    unknown = sorted(ids - {device.pk for device in devices})
    if unknown:
        errors["devices"] = [_("Unknown devices: %(ids)s") % {"ids": ", ".join(map(str, unknown))}]
    foreign = [str(device) for device in devices if device.customer_id != contract.customer_id]
    if foreign and contract.customer_id is not None:
        errors.setdefault("devices", []).append(
            _("Not devices of this customer: %(devices)s") % {"devices": ", ".join(foreign)}
        )
    if contract.auto_renewal and contract.renewal_term_months is not None and contract.renewal_term_months < 1:
        errors["renewal_term_months"] = [
            _("An automatically renewed contract needs a renewal term of at least one month.")
        ]
    try:
        contract.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    contract.save()
    if device_ids is not None:
        contract.devices.set(devices)
    return contract


@dataclass(frozen=True)
class UnitEntry:
    """One delivered unit as staff typed, pasted or uploaded it: the deal line it belongs to,
    its serial number and its firmware at sale ("" = the product's latest firmware)."""

    line: DealLine
    serial_number: str
    firmware_at_sale: str
    source: str  # where the entry was read ("FG-60F 2行目", "CSV 3行目"), named in error messages


def parse_unit_rows(*, line: DealLine, text: str, source_label: str) -> list[UnitEntry]:
    """Rows of "serial[,|tab] firmware" (typed, or pasted from a spreadsheet) for one deal line;
    blank rows are skipped."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [cell.strip() for cell in re.split(r"[\t,]", raw)]
        entries.append(
            UnitEntry(
                line=line,
                serial_number=cells[0],
                firmware_at_sale=cells[1] if len(cells) > 1 else "",
                source=_("%(label)s row %(row)d") % {"label": source_label, "row": number},
            )
        )
    return entries


def parse_unit_csv(*, deal: Deal, content: bytes) -> list[UnitEntry]:
    """A CSV with the columns model_number, serial_number, firmware (header row first, UTF-8
    with or without BOM, or Shift_JIS as Excel saves it); each row goes to the deal's line of
    that model."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp932")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The CSV file is neither UTF-8 nor Shift_JIS text.")) from error
    lines_by_model = {line.product.model_number.casefold(): line for line in deal.lines.select_related("product")}
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValidationError(_("The CSV file is empty."))
    header = [cell.strip().casefold() for cell in rows[0]]
    expected = ["model_number", "serial_number", "firmware"]
    if header[:3] != expected:
        raise ValidationError(
            _("The CSV header must be %(expected)s (found: %(found)s).")
            % {"expected": ",".join(expected), "found": ",".join(rows[0][:3])}
        )
    entries, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + ["", "", ""]
        line = lines_by_model.get(cells[0].casefold())
        if line is None:
            errors.append(
                _("CSV row %(row)d: the deal has no line for model %(model)s.") % {"row": number, "model": cells[0]}
            )
            continue
        entries.append(
            UnitEntry(
                line=line,
                serial_number=cells[1],
                firmware_at_sale=cells[2],
                source=_("CSV row %(row)d") % {"row": number},
            )
        )
    if errors:
        raise ValidationError(errors)
    return entries


@dataclass(frozen=True)
class BulkResult:
    devices: list[Device]
    without_firmware: list[Device]  # neither typed nor known as the product's latest: check them


@transaction.atomic
def create_devices_from_deal(
    *,
    deal: Deal,
    entries: list[UnitEntry],
    delivered_on: datetime.date | None,
    installation_site: str = "",
) -> BulkResult:
    """Create the deal's delivered units in one transaction: all or none. Refused, naming the
    row: a blank serial, a serial twice, a serial already recorded for the product, more units
    than the line's quantity. A blank firmware takes the product's latest (G5.1-3)."""
    errors = []
    seen: set[tuple[int, str]] = set()
    per_line: dict[int, int] = {}
    for entry in entries:
        if entry.line.deal_id != deal.pk:
            errors.append(_("%(source)s: the line belongs to another deal.") % {"source": entry.source})
            continue
        if not entry.serial_number:
            errors.append(_("%(source)s: the serial number is missing.") % {"source": entry.source})
            continue
        if len(entry.serial_number) > 100 or len(entry.firmware_at_sale) > 80:
            errors.append(_("%(source)s: the serial number or firmware is too long.") % {"source": entry.source})
            continue
        key = (entry.line.product_id, entry.serial_number)
        if key in seen:
            errors.append(
                _("%(source)s: serial number %(serial)s is entered twice.")
                % {"source": entry.source, "serial": entry.serial_number}
            )
        seen.add(key)
        per_line[entry.line.pk] = per_line.get(entry.line.pk, 0) + 1
    existing = Device.objects.filter(
        product_id__in={product for product, _serial in seen}, serial_number__in={serial for _product, serial in seen}
    ).values_list("product_id", "serial_number")
    for product_id, serial in existing:
        if (product_id, serial) in seen:
            errors.append(_("Serial number %(serial)s is already recorded for this product.") % {"serial": serial})
    lines = {line.pk: line for line in deal.lines.select_related("product")}
    for line_pk, count in per_line.items():
        line = lines.get(line_pk)
        already = Device.objects.filter(deal=deal, product_id=line.product_id).count() if line else 0
        if line is not None and count + already > line.quantity:
            errors.append(
                _("%(model)s: %(count)d units entered, but the deal sold %(quantity)d (%(already)d already recorded).")
                % {"model": line.product.model_number, "count": count, "quantity": line.quantity, "already": already}
            )
    if not entries:
        errors.append(_("Enter at least one unit."))
    if errors:
        raise ValidationError(errors)
    devices, without_firmware = [], []
    for entry in entries:
        firmware = entry.firmware_at_sale or entry.line.product.latest_firmware
        device = Device.objects.create(
            customer_id=deal.customer_id,
            product=entry.line.product,
            deal=deal,
            serial_number=entry.serial_number,
            installation_site=installation_site,
            delivered_on=delivered_on,
            firmware_at_sale=firmware,
            current_firmware=firmware,
        )
        devices.append(device)
        if not firmware:
            without_firmware.append(device)
    return BulkResult(devices=devices, without_firmware=without_firmware)


@dataclass(frozen=True)
class DeviceRow:
    """One device of a bulk upsert, keyed by (product, serial number); ids already resolved."""

    product_id: int
    customer_id: int
    serial_number: str
    deal_id: int | None = None
    installation_site: str = ""
    delivered_on: datetime.date | None = None
    firmware_at_sale: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ItemError:
    """What is wrong with one item of a bulk upsert: its index, the field and the message."""

    index: int
    field: str
    message: str


class BulkUpsertRejected(Exception):
    """The batch was refused; nothing was saved."""

    def __init__(self, errors: list[ItemError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.index}.{e.field}: {e.message}" for e in errors[:5]))


@dataclass(frozen=True)
class BulkUpsertResult:
    created: list[int]
    updated: list[int]
    unchanged: list[int]


UPSERT_FIELDS = ("customer_id", "deal_id", "installation_site", "delivered_on", "firmware_at_sale", "notes")
_CHUNK = 2000


def upsert_devices(*, rows: list[DeviceRow]) -> BulkUpsertResult:
    """Create or update devices by (product, serial number), all or nothing.

    Every item is checked first; any error rejects the whole batch with the errors of every item
    (BulkUpsertRejected). The firmware version at sale of a delivered device stays frozen (G5.1-3):
    an item that changes it is an error, as in the staff UI.
    """
    errors: list[ItemError] = []
    seen: dict[tuple[int, str], int] = {}
    for index, row in enumerate(rows):
        key = (row.product_id, row.serial_number)
        if not row.serial_number.strip():
            errors.append(ItemError(index, "serial_number", _("This field is required.")))
        elif key in seen:
            errors.append(ItemError(index, "serial_number", _("Same device as item %(index)s.") % {"index": seen[key]}))
        seen.setdefault(key, index)
    product_ids = {row.product_id for row in rows}
    customer_ids = {row.customer_id for row in rows}
    deal_ids = {row.deal_id for row in rows if row.deal_id is not None}
    latest_firmware = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "latest_firmware"))
    known_customers = set(Customer.objects.filter(pk__in=customer_ids).values_list("pk", flat=True))
    deal_customers = dict(Deal.objects.filter(pk__in=deal_ids).values_list("pk", "customer_id"))
    for index, row in enumerate(rows):
        if row.product_id not in latest_firmware:
            errors.append(ItemError(index, "product", _("Unknown product %(id)s.") % {"id": row.product_id}))
        if row.customer_id not in known_customers:
            errors.append(ItemError(index, "customer", _("Unknown customer %(id)s.") % {"id": row.customer_id}))
        if row.deal_id is not None and deal_customers.get(row.deal_id) != row.customer_id:
            errors.append(ItemError(index, "deal", _("Unknown deal %(id)s of this customer.") % {"id": row.deal_id}))
    with transaction.atomic():
        existing = _existing_devices(list(seen))
        to_create: list[Device] = []
        to_update: list[Device] = []
        unchanged: list[int] = []
        for index, row in enumerate(rows):
            device = existing.get((row.product_id, row.serial_number))
            if device is None:
                to_create.append(_new_device(row, latest_firmware=latest_firmware.get(row.product_id, "")))
                continue
            if (
                device.delivered_on is not None
                and device.firmware_at_sale != row.firmware_at_sale
                and row.firmware_at_sale
            ):
                errors.append(
                    ItemError(
                        index,
                        "firmware_at_sale",
                        _(
                            "The firmware version at sale is frozen once the device "
                            "is delivered; record an update instead."
                        ),
                    )
                )
                continue
            if _apply(device, row):
                to_update.append(device)
            else:
                unchanged.append(device.pk)
        if errors:
            raise BulkUpsertRejected(sorted(errors, key=lambda e: (e.index, e.field)))
        now = timezone.now()
        for device in to_update:
            device.updated_at = now
        _update_rows(to_update, [*UPSERT_FIELDS, "current_firmware", "updated_at"])
        created = Device.objects.bulk_create(to_create, batch_size=_CHUNK)
    return BulkUpsertResult(
        created=[d.pk for d in created if d.pk is not None] or _pks_of(to_create),
        updated=[d.pk for d in to_update],
        unchanged=unchanged,
    )


def _update_rows(devices: list[Device], attnames: list[str]) -> None:
    """Write `attnames` of `devices` with one parametrised UPDATE per row, sent as a batch.
    (QuerySet.bulk_update builds a CASE per field over every row: minutes for 10,000 devices.)"""
    if not devices:
        return
    meta = Device._meta
    fields = [next(f for f in meta.concrete_fields if f.attname == name) for name in attnames]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"
    rows = [
        [*(field.get_db_prep_save(getattr(device, field.attname), connection) for field in fields), device.pk]
        for device in devices
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _existing_devices(keys: list[tuple[int, str]]) -> dict[tuple[int, str], Device]:
    found: dict[tuple[int, str], Device] = {}
    serials = sorted({serial for _product, serial in keys})
    wanted = set(keys)
    for start in range(0, len(serials), _CHUNK):
        for device in Device.objects.filter(serial_number__in=serials[start : start + _CHUNK]).only(
            "pk", "product_id", "serial_number", "delivered_on", "firmware_at_sale", "current_firmware", *UPSERT_FIELDS
        ):
            key = (device.product_id, device.serial_number)
            if key in wanted:
                found[key] = device
    return found


def _new_device(row: DeviceRow, *, latest_firmware: str) -> Device:
    # As in the staff form: an empty version at sale takes the product's latest firmware (G5.1-3).
    firmware = row.firmware_at_sale or latest_firmware
    now = timezone.now()
    return Device(
        product_id=row.product_id,
        customer_id=row.customer_id,
        deal_id=row.deal_id,
        serial_number=row.serial_number,
        installation_site=row.installation_site,
        delivered_on=row.delivered_on,
        firmware_at_sale=firmware,
        current_firmware=firmware,
        notes=row.notes,
        created_at=now,
        updated_at=now,
    )


def _apply(device: Device, row: DeviceRow) -> bool:
    """Copy the row onto the device; True when something changed. An empty firmware version keeps
    the stored one, so that an SFA that does not know it cannot erase it."""
    changed = False
    values = {
        "customer_id": row.customer_id,
        "deal_id": row.deal_id,
        "installation_site": row.installation_site,
        "delivered_on": row.delivered_on,
        "firmware_at_sale": row.firmware_at_sale or device.firmware_at_sale,
        "notes": row.notes,
    }
    for name, value in values.items():
        if getattr(device, name) != value:
            setattr(device, name, value)
            changed = True
    # Before delivery no update can be recorded, so the current version follows the version at sale.
    follows = device.delivered_on is None or not device.current_firmware
    if follows and device.current_firmware != device.firmware_at_sale:
        device.current_firmware = device.firmware_at_sale
        changed = True
    return changed


def _pks_of(devices: list[Device]) -> list[int]:
    # Backends that do not return ids from bulk_create: look the rows up by their key.
    keys = {(d.product_id, d.serial_number) for d in devices}
    return [d.pk for d in _existing_devices(list(keys)).values()]
