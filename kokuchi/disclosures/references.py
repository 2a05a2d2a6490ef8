"""References the database cannot see: an issued 告知書 freezes the facts of its deal's lines and
devices (G5.1-3, S-EVID), so neither may be deleted once a version of it was issued."""

from __future__ import annotations

from kokuchi.core.deletion import Reference, register_reference_check
from kokuchi.deals.models import DealLine
from kokuchi.devices.models import Device
from kokuchi.disclosures.models import DisclosureVersion


def issued_versions_of_deal(deal_id: int | None) -> list[Reference]:
    if deal_id is None:
        return []
    count = DisclosureVersion.objects.filter(disclosure__deal_id=deal_id).count()
    return [Reference(label=str(DisclosureVersion._meta.verbose_name_plural), count=count)]


def register_disclosure_reference_checks() -> None:
    register_reference_check(DealLine, lambda line: issued_versions_of_deal(line.deal_id))
    register_reference_check(Device, lambda device: issued_versions_of_deal(device.deal_id))
