"""Product identity: confirming a CPE suggested from the feeds' vocabulary for a product.

It writes a catalogue field, yet lives here: confirming checks the CPE against the vulnerabilities'
CPE index and re-matches the product's delivered devices, and the catalogue may import neither.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from kokuchi.catalog.models import Product
from kokuchi.core.cpe import validate_cpe23
from kokuchi.devices.models import Device
from kokuchi.exposures.reconcile import MatchDiff
from kokuchi.exposures.runs import match_devices
from kokuchi.vulnerabilities.models import VulnerabilityCpe

logger = logging.getLogger(__name__)


class CpeKind:
    HARDWARE = "hardware"
    FIRMWARE = "firmware"


# kind → (CPE part, version written into the CPE, Product field). A hardware CPE names the model
# itself, so its version is NA ("-") as NVD writes it; the firmware CPE leaves the version ANY
# ("*") because the device's own firmware version is compared by the matching rules.
_CPE_KINDS = {
    CpeKind.HARDWARE: ("h", "-", "hardware_cpe"),
    CpeKind.FIRMWARE: ("o", "*", "firmware_cpe"),
}


@dataclass
class CpeConfirmation:
    """Result of confirm_product_cpe: the CPE written and the re-match of the product's devices."""

    field: str
    cpe23: str
    diff: MatchDiff | None


def confirm_product_cpe(
    *, product: Product, kind: str, vendor: str, product_name: str, user: AbstractBaseUser
) -> CpeConfirmation:
    """Write a suggested CPE into the product's hardware or firmware CPE and re-match its devices.

    Only a vendor:product that the imported feeds name (VulnerabilityCpe, with the part of
    `kind`) is accepted, so a confirmation cannot introduce a CPE no vulnerability uses. The
    product's devices are re-matched at once because their exposures depend on the CPE.
    """

    if kind not in _CPE_KINDS:
        raise ValidationError({"kind": f"Unknown CPE kind {kind!r} (hardware or firmware)."})
    part, version, field_name = _CPE_KINDS[kind]
    vendor, product_name = vendor.strip(), product_name.strip()
    if not VulnerabilityCpe.objects.filter(part=part, vendor=vendor, product=product_name).exists():
        raise ValidationError(
            {"product_name": f"{part}:{vendor}:{product_name} is not named by any imported vulnerability."}
        )
    cpe23 = f"cpe:2.3:{part}:{vendor}:{product_name}:{version}:*:*:*:*:*:*:*"
    validate_cpe23(cpe23)
    with transaction.atomic():
        setattr(product, field_name, cpe23)
        product.save(update_fields=[field_name])
        logger.info("CPE %s of product %s set to %s by %s", field_name, product.pk, cpe23, user)
        device_pks = list(Device.objects.filter(product=product).values_list("pk", flat=True))
        diff = match_devices(device_pks=device_pks) if device_pks else None
    return CpeConfirmation(field_name, cpe23, diff)
