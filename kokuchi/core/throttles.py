"""Failure counters shared by every process and machine (kept in the database).

A counter is a key (e.g. "customer-link:client:<address>") with a count and the start of its
window; past the window it starts again from zero. The row is updated with an atomic increment, so
concurrent web processes never lose a count.
"""

from __future__ import annotations

import datetime
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kokuchi.core.models import ThrottleCounter


def throttle_key(*parts: str) -> str:
    """A fixed-length key; secrets (tokens) and addresses are hashed, never stored as given."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def failures(*, key: str, window: int, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    counter = ThrottleCounter.objects.filter(key=key).only("count", "window_started").first()
    if counter is None or counter.window_started <= now - datetime.timedelta(seconds=window):
        return 0
    return counter.count


def count_failure(*, key: str, window: int, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=window)
    with transaction.atomic():
        if ThrottleCounter.objects.filter(key=key, window_started__lte=expired).update(count=1, window_started=now):
            return
        if ThrottleCounter.objects.filter(key=key, window_started__gt=expired).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                ThrottleCounter.objects.create(key=key, count=1, window_started=now)
        except IntegrityError:  # created by a concurrent request meanwhile
            ThrottleCounter.objects.filter(key=key).update(count=F("count") + 1)


def clear(*, key: str) -> None:
    ThrottleCounter.objects.filter(key=key).delete()


def purge_expired(*, older_than: int, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _per_model = ThrottleCounter.objects.filter(
        window_started__lte=now - datetime.timedelta(seconds=older_than)
    ).delete()
    return deleted
