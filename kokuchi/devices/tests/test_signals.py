"""firmware_changed: sent once a recorded firmware update has committed."""

import datetime

import pytest

from kokuchi.core.tests.factories import make_user
from kokuchi.devices.models import Device
from kokuchi.devices.services import record_firmware_update
from kokuchi.devices.signals import firmware_changed
from kokuchi.devices.tests.factories import make_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, *, device, change, **kwargs):
        calls.append((sender, device.pk, device.current_firmware, change.from_version, change.to_version))

    firmware_changed.connect(receiver, dispatch_uid="test_signals.receiver")
    yield calls
    firmware_changed.disconnect(dispatch_uid="test_signals.receiver")


def test_s_vuln_firmware_changed_is_sent_after_commit_with_device_and_change(
    received, django_capture_on_commit_callbacks
):
    device = make_device(firmware_at_sale="7.0.12", delivered_on=datetime.date(2025, 4, 1))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_firmware_update(device=device, version="7.0.14", changed_on=datetime.date(2025, 5, 1), user=make_user())
    assert received == []
    for callback in callbacks:
        callback()

    assert received == [(Device, device.pk, "7.0.14", "7.0.12", "7.0.14")]
