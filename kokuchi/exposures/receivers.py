"""Receivers of the signals sent by the apps below exposures (connected in ExposuresConfig.ready)."""

from __future__ import annotations

from typing import Any

from kokuchi.devices.models import Device
from kokuchi.exposures.runs import match_changed_vulnerabilities, on_device_firmware_changed


def match_after_feed_change(sender: type, *, vuln_ids: set[str], **kwargs: Any) -> None:
    """Match the vulnerabilities a committed feed import or sync step created or changed."""
    match_changed_vulnerabilities(vuln_ids=vuln_ids)


def rematch_after_firmware_change(sender: type, *, device: Device, **kwargs: Any) -> None:
    """Re-match a device whose firmware update was recorded (S-VULN: exposures resolved by it)."""
    on_device_firmware_changed(device=device)
