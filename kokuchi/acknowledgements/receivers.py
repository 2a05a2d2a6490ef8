"""Receivers of the signals sent by the apps below acknowledgements (connected in its AppConfig.ready)."""

from __future__ import annotations

from typing import Any

from kokuchi.acknowledgements.selectors import check_disclosure_document
from kokuchi.evidence.models import EvidenceEvent


def check_disclosure_document_of_event(sender: type, *, event: EvidenceEvent, **kwargs: Any) -> str | None:
    """Evidence verification: the disclosure version the event names still holds its recorded PDF."""
    return check_disclosure_document(event)
