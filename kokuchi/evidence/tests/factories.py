"""Plain factories for evidence rows; every default is visible here."""

from __future__ import annotations

from kokuchi.evidence.models import Channel, EventType, EvidenceEvent
from kokuchi.evidence.services import Actor, Origin, StoredFile, Subject, append_event


def make_event(
    *,
    event_type: str = EventType.ISSUED,
    deal_number: str = "D2026-0001",
    files: tuple[StoredFile, ...] = (),
    parameters: dict | None = None,
    actor: Actor | None = None,
    origin: Origin | None = None,
) -> EvidenceEvent:
    return append_event(
        event_type=event_type,
        actor=actor or Actor(name="sales1", user_id=7),
        origin=origin or Origin(channel=Channel.STAFF_UI, ip_address="192.0.2.10", user_agent="pytest"),
        subject=Subject(deal_number=deal_number, disclosure_version_id=None, document_sha256="ab" * 32, files=files),
        parameters=parameters,
    )
