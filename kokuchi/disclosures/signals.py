"""Signals the disclosures app sends to the apps above it, which it cannot import."""

from django.dispatch import Signal

disclosure_issued = Signal()
"""A disclosure version was issued (rendered, signed and frozen).

Sent by ``services.issue_disclosure`` once its transaction has committed, with
``sender=DisclosureVersion`` and ``version`` (the new DisclosureVersion). Return values are not used.
"""
