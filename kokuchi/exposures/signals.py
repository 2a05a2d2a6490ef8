"""Signals the exposures app sends to the apps above it, which it cannot import."""

from django.dispatch import Signal

exposures_opened = Signal()
"""Exposures became open: new, reopened by a match run, or reopened by staff.

Sent once the transaction that opened them has committed, by ``runs`` (after a match run) and
``status.change_exposure_status`` (staff reopened one), with ``sender=Exposure`` and
``exposure_pks`` (a list of Exposure ids, never empty). Return values are not used.
"""

exposures_resolved = Signal()
"""Exposures stopped being open: resolved by a firmware update, no longer matching the data, or
closed by a staff decision (risk accepted, false positive).

Sent once the transaction has committed, by ``runs`` and ``status.change_exposure_status``, with
``sender=Exposure`` and ``exposure_pks`` (a list of Exposure ids, never empty).
"""

notice_read = Signal()
"""A customer opened the link of a notice for the first time.

Sent by ``notices.record_notice_read`` after the read is recorded, with ``sender=NoticeDelivery``
and ``delivery`` (the NoticeDelivery, its ``notice`` loaded).
"""
