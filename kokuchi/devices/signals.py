"""Signals the devices app sends to the apps above it, which it cannot import."""

from django.dispatch import Signal

firmware_changed = Signal()
"""A delivered device now runs another firmware version.

Sent by ``devices.services.record_firmware_update`` once the transaction that recorded the update
has committed, with ``sender=Device``, ``device`` (the Device, ``current_firmware`` already the
new version) and ``change`` (the FirmwareChange row). Return values are not used. The exposures
app re-matches the device here (exposures left by the update are resolved by it, S-VULN).
"""
