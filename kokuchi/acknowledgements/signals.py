"""Signals the acknowledgements app sends to the apps above it, which it cannot import."""

from django.dispatch import Signal

disclosure_acknowledged = Signal()
"""A customer acknowledged a disclosure version (link, in person or paper).

Sent by ``services.record_acknowledgement`` once its transaction has committed, with
``sender=Acknowledgement`` and ``acknowledgement`` (the new Acknowledgement). Return values are not used.
"""
