"""Receivers of the signals sent by the apps below acknowledgements (connected in its AppConfig.ready)."""

from __future__ import annotations

from typing import Any

from kokuchi.acknowledgements.selectors import evidence_record_problems


def check_records_against_evidence(sender: type, **kwargs: Any) -> list[str]:
    """Evidence verification: disclosure versions, acknowledgements and customer links match their events."""
    return evidence_record_problems()
