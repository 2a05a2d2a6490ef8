"""References the database cannot see: evidence events name their deal by number (S-EVID), so a
deal with events stays."""

from __future__ import annotations

from kokuchi.core.deletion import Reference, register_reference_check
from kokuchi.deals.models import Deal
from kokuchi.evidence.models import EvidenceEvent


def evidence_events_of_deal(deal: Deal) -> list[Reference]:
    count = EvidenceEvent.objects.filter(deal_number=deal.number).count() if deal.number else 0
    return [Reference(label=str(EvidenceEvent._meta.verbose_name_plural), count=count)]


def register_deal_reference_checks() -> None:
    register_reference_check(Deal, evidence_events_of_deal)
