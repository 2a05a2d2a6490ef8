"""Exposure status set by staff (risk accepted, false positive, reopened), with its history."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kokuchi.exposures.followup import act_on_new_exposures
from kokuchi.exposures.matching import REVIEW_METHODS
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


def _review_reason(prefix: str, reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": "理由を入力してください。"})
    return f"{prefix}: {reason.strip()}"


def confirm_candidate(*, exposure: Exposure, reason: str, changed_by: User | None) -> Exposure:
    """Confirm a 要確認 candidate staff had to check (text candidate, unreadable versions, edition): who
    and when go into the history, and the exposure is then acted on like any other (work item or
    sales lead, notices)."""
    if exposure.method not in REVIEW_METHODS or exposure.status != ExposureStatus.OPEN:
        raise ValidationError({"status": "確認待ちの候補ではありません。"})
    text = _review_reason("要確認の候補を確認", reason)
    with transaction.atomic():
        now = timezone.now()
        exposure.status_reason = text
        exposure.status_changed_by = changed_by
        exposure.status_changed_at = now
        exposure.review_confirmed_at = now
        exposure.save(update_fields=["status_reason", "status_changed_by", "status_changed_at", "review_confirmed_at"])
        ExposureStatusChange.objects.create(
            exposure=exposure,
            from_status=ExposureStatus.OPEN,
            to_status=ExposureStatus.OPEN,
            reason=text,
            changed_by=changed_by,
            automatic=False,
        )
        act_on_new_exposures(exposure_pks=[exposure.pk], include_candidates=True)
    return exposure


def dismiss_candidate(*, exposure: Exposure, reason: str, changed_by: User | None) -> Exposure:
    """Dismiss a 要確認 candidate as a false positive (kept through later matches), with who and when."""
    if exposure.method not in REVIEW_METHODS:
        raise ValidationError({"status": "確認待ちの候補ではありません。"})
    text = _review_reason("要確認の候補を却下", reason)
    with transaction.atomic():
        exposure = change_exposure_status(
            exposure=exposure, status=ExposureStatus.FALSE_POSITIVE, reason=text, changed_by=changed_by
        )
        # A dismissed candidate is no longer one staff vouch for, should it be reopened later.
        if exposure.review_confirmed_at is not None:
            exposure.review_confirmed_at = None
            exposure.save(update_fields=["review_confirmed_at"])
    return exposure
