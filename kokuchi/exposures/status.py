"""Exposure status set by staff (risk accepted, false positive, reopened), with its history."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kokuchi.exposures.models import (
    HUMAN_DECISIONS,
    Exposure,
    ExposureStatus,
    ExposureStatusChange,
)
from kokuchi.exposures.signals import exposures_opened, exposures_resolved

logger = logging.getLogger(__name__)


def change_exposure_status(*, exposure: Exposure, status: str, reason: str, changed_by: User | None) -> Exposure:
    """Record a staff decision on an exposure (risk accepted, false positive, or reopen), with
    the reason and who, kept in the history."""
    allowed = {ExposureStatus.RISK_ACCEPTED, ExposureStatus.FALSE_POSITIVE, ExposureStatus.OPEN}
    if status not in allowed:
        raise ValidationError({"status": f"{status} cannot be set by hand."})
    if status in HUMAN_DECISIONS and not reason.strip():
        raise ValidationError({"reason": "理由を入力してください。"})
    if status == exposure.status:
        raise ValidationError({"status": "状態が変わりません。"})
    with transaction.atomic():
        previous = exposure.status
        exposure.status = status
        exposure.status_reason = reason
        exposure.status_changed_by = changed_by
        exposure.status_changed_at = timezone.now()
        exposure.save(update_fields=["status", "status_reason", "status_changed_by", "status_changed_at"])
        ExposureStatusChange.objects.create(
            exposure=exposure,
            from_status=previous,
            to_status=status,
            reason=reason,
            changed_by=changed_by,
            automatic=False,
        )
        signal = exposures_opened if status == ExposureStatus.OPEN else exposures_resolved
        transaction.on_commit(lambda: signal.send(sender=Exposure, exposure_pks=[exposure.pk]))
    return exposure
