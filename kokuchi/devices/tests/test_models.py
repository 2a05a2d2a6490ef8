import datetime

import pytest

from kokuchi.devices.models import ContractStatus, FirmwareFrozenError
from kokuchi.devices.tests.factories import make_contract, make_device

pytestmark = pytest.mark.django_db


def test_g5_1_3_firmware_at_sale_frozen_after_delivery():
    device = make_device(firmware_at_sale="7.0.12", delivered_on=datetime.date(2026, 5, 1))
    device.firmware_at_sale = "7.0.15"
    with pytest.raises(FirmwareFrozenError):
        device.save()
    device.refresh_from_db()
    assert device.firmware_at_sale == "7.0.12"


def test_firmware_at_sale_editable_before_delivery():
    device = make_device(firmware_at_sale="7.0.12")
    device.firmware_at_sale = "7.0.13"
    device.save()
    device.refresh_from_db()
    assert device.firmware_at_sale == "7.0.13"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 3, 31), ContractStatus.FUTURE),
        (datetime.date(2026, 4, 1), ContractStatus.ACTIVE),
        (datetime.date(2027, 3, 1), ContractStatus.ACTIVE),  # notice deadline itself
        (datetime.date(2027, 3, 2), ContractStatus.NOTICE_PERIOD),
        (datetime.date(2027, 3, 31), ContractStatus.NOTICE_PERIOD),
        (datetime.date(2027, 4, 1), ContractStatus.EXPIRED),
    ],
)
def test_contract_status_on_boundary_dates(day, expected):
    contract = make_contract(
        start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2027, 3, 31), notice_period_days=30
    )
    assert contract.status_on(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2027, 3, 31), ContractStatus.NOTICE_PERIOD),
        (datetime.date(2027, 4, 1), ContractStatus.ACTIVE),  # renewed for a second term
        (datetime.date(2028, 3, 1), ContractStatus.ACTIVE),
        (datetime.date(2028, 3, 2), ContractStatus.NOTICE_PERIOD),
        (datetime.date(2028, 4, 1), ContractStatus.ACTIVE),  # third term
    ],
)
def test_auto_renewing_contract_rolls_over(day, expected):
    contract = make_contract(
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
        notice_period_days=30,
        auto_renewal=True,
        renewal_term_months=12,
    )
    assert contract.status_on(day) == expected


def test_auto_renewal_stops_once_notice_is_given():
    contract = make_contract(
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
        auto_renewal=True,
        notice_given_on=datetime.date(2027, 1, 10),
    )
    assert contract.status_on(datetime.date(2027, 4, 1)) == ContractStatus.EXPIRED


def test_a_zero_month_renewal_term_does_not_renew():
    contract = make_contract(
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
        auto_renewal=True,
        renewal_term_months=0,
    )
    assert contract.term_end_on(datetime.date(2027, 4, 1)) == datetime.date(2027, 3, 31)
    assert contract.status_on(datetime.date(2027, 4, 1)) == ContractStatus.EXPIRED


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 11, 30), datetime.date(2026, 11, 30)),  # clamped like every renewal from 31 March
        (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 2, 1), datetime.date(2027, 2, 28)),
    ],
)
def test_an_old_monthly_renewing_contract_rolls_over_to_the_term_of_the_day(day, expected):
    contract = make_contract(
        start_date=datetime.date(2001, 3, 1),
        end_date=datetime.date(2001, 3, 31),
        auto_renewal=True,
        renewal_term_months=1,
    )
    assert contract.term_end_on(day) == expected


def test_under_contract_selects_only_covered_devices():
    covered, uncovered = make_device(), make_device()
    make_contract(devices=[covered], start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2027, 3, 31))
    make_contract(devices=[])  # a contract with no devices must not hide the others
    from kokuchi.devices.models import Device

    day = datetime.date(2026, 6, 1)
    assert list(Device.objects.under_contract(day)) == [covered]
    assert list(Device.objects.without_contract(day)) == [uncovered]
    assert list(Device.objects.under_contract(datetime.date(2027, 4, 1))) == []
