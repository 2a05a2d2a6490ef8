"""The staff pages of devices and contracts as the role matrix (kokuchi/tests/test_roles.py) drives them:
the objects their URLs point at, the data each form posts and the exact effect of a successful POST."""

import datetime

from django.utils import timezone

from kokuchi.catalog.models import ProductCategory
from kokuchi.catalog.tests.factories import make_plan, make_product
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.tests.factories import make_deal, make_deal_line
from kokuchi.devices.models import Device, FirmwareChange, MaintenanceContract
from kokuchi.devices.tests.factories import make_contract, make_device


def make_objects() -> dict:
    """The rows the pages show or change, by name."""
    customer = make_customer(name="株式会社北星", customer_code="C00001")
    product = make_product(model_number="FG-60F", category=ProductCategory.FIREWALL, latest_firmware="7.0.15")
    device = make_device(
        customer=customer,
        product=product,
        serial_number="FGT60F0000000001",
        firmware_at_sale="7.0.12",
        delivered_on=datetime.date(2026, 5, 1),
    )
    plan = make_plan(name="年間保守")
    # The contract runs today whatever day the suite runs: list pages judge coverage on today.
    today = timezone.localdate()
    contract = make_contract(
        customer=customer,
        plan=plan,
        devices=[device],
        start_date=today - datetime.timedelta(days=100),
        end_date=today + datetime.timedelta(days=265),
    )
    deal = make_deal(customer=customer, title="支店 UTM 導入")
    line = make_deal_line(deal=deal, product=product, quantity=2, unit_price=98000)
    return {
        "customer": customer,
        "product": product,
        "device": device,
        "plan": plan,
        "contract": contract,
        "deal": deal,
        "line": line,
    }


def post_data(name, o):
    customer, device = o["customer"], o["device"]
    return {
        "device_create": {
            "customer": customer.pk,
            "product": o["product"].pk,
            "serial_number": "FGT60F0000000002",
            "installation_site": "大阪支店",
        },
        # firmware_at_sale is read-only after delivery: the posted value must be ignored.
        "device_edit": {
            "customer": customer.pk,
            "product": o["product"].pk,
            "serial_number": device.serial_number,
            "installation_site": "本社 3F",
            "delivered_on": "2026-05-01",
            "firmware_at_sale": "9.9.9",
        },
        "device_bulk_create": {
            f"line_{o['line'].pk}": "FGT60F0000000101, 7.0.14\nFGT60F0000000102\t",
            "delivered_on": "2026-06-10",
            "installation_site": "大阪支店",
        },
        "device_firmware": {"version": "7.0.15", "changed_on": "2026-06-01", "note": "定期メンテナンス"},
        "contract_create": {
            "customer": customer.pk,
            "plan": o["plan"].pk,
            "contract_number": "M-2026-002",
            "start_date": "2026-06-01",
            "end_date": "2027-05-31",
            "renewal_term_months": "12",
            "notice_period_days": "30",
            "devices": [device.pk],
        },
        "contract_edit": {
            "customer": customer.pk,
            "plan": o["plan"].pk,
            "start_date": o["contract"].start_date.isoformat(),
            "end_date": "2030-04-30",
            "renewal_term_months": "12",
            "notice_period_days": "60",
            "devices": [device.pk],
        },
    }[name]


def check_saved(name, o, user):
    device = Device.objects.get(pk=o["device"].pk)
    if name == "device_create":
        created = Device.objects.get(serial_number="FGT60F0000000002")
        # An empty version at sale takes the product's latest firmware (G5.1-3).
        assert (created.firmware_at_sale, created.current_firmware, created.delivered_on) == ("7.0.15", "7.0.15", None)
    elif name == "device_bulk_create":
        # A blank firmware takes the product's latest (G5.1-3).
        assert list(
            Device.objects.filter(deal=o["deal"])
            .order_by("serial_number")
            .values_list("serial_number", "firmware_at_sale", "delivered_on", "installation_site", "customer_id")
        ) == [
            ("FGT60F0000000101", "7.0.14", datetime.date(2026, 6, 10), "大阪支店", o["customer"].pk),
            ("FGT60F0000000102", "7.0.15", datetime.date(2026, 6, 10), "大阪支店", o["customer"].pk),
        ]
    elif name == "device_edit":
        assert (device.installation_site, device.firmware_at_sale) == ("本社 3F", "7.0.12")
    elif name == "device_firmware":
        assert (device.firmware_at_sale, device.current_firmware) == ("7.0.12", "7.0.15")
        change = FirmwareChange.objects.get(device=device)
        assert (change.from_version, change.to_version, change.changed_on, change.recorded_by, change.note) == (
            "7.0.12",
            "7.0.15",
            datetime.date(2026, 6, 1),
            user,
            "定期メンテナンス",
        )
    elif name == "contract_create":
        contract = MaintenanceContract.objects.get(contract_number="M-2026-002")
        assert list(contract.devices.all()) == [device]
        assert (contract.start_date, contract.end_date) == (datetime.date(2026, 6, 1), datetime.date(2027, 5, 31))
    elif name == "contract_edit":
        o["contract"].refresh_from_db()
        assert (o["contract"].end_date, o["contract"].notice_period_days) == (datetime.date(2030, 4, 30), 60)
