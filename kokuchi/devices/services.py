"""Device workflows: firmware updates after delivery (G5.1-3 history, S-LIFE)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kokuchi.devices.models import Device, FirmwareChange
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
