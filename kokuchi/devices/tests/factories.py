from __future__ import annotations

import datetime
import itertools

from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.customers.tests.factories import make_customer
from kokuchi.devices.models import Device, MaintenanceContract

_seq = itertools.count(1)


def make_device(**overrides) -> Device:
    n = next(_seq)
    if "product" not in overrides:
        overrides["product"] = make_product()
    if "customer" not in overrides:
        overrides["customer"] = make_customer()
    fields = {
        "serial_number": f"SN{n:08d}",
        "firmware_at_sale": "1.0.0",
        "installation_site": "本社 2F サーバールーム",
    } | overrides
    return Device.objects.create(**fields)


def make_contract(devices=(), **overrides) -> MaintenanceContract:
    if "customer" not in overrides:
        overrides["customer"] = make_customer()
    if "plan" not in overrides:
        overrides["plan"] = make_plan()
    fields = {"start_date": datetime.date(2026, 4, 1), "end_date": datetime.date(2027, 3, 31)} | overrides
    contract = MaintenanceContract.objects.create(**fields)
    contract.devices.set(devices)
    return contract
