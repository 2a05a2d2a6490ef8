"""Receivers the evidence app connects to Django's own signals (in its AppConfig.ready)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

logger = logging.getLogger(__name__)


def checkpoint_after_migrate(sender: Any, *, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Give an existing log its first signed checkpoint after `kokuchi migrate`.

    Never fails the migration: without a usable signing key it only warns, and the first append or
    `kokuchi evidence checkpoint` with a key signs the whole log later (nothing recorded changes).
    """
    from kokuchi.evidence.models import CheckpointReason, EvidenceCheckpoint, EvidenceEvent  # noqa: PLC0415
    from kokuchi.evidence.services import record_checkpoint  # noqa: PLC0415

    if using != DEFAULT_DB_ALIAS or not EvidenceEvent.objects.exists() or EvidenceCheckpoint.objects.exists():
        return
    try:
        checkpoint = record_checkpoint(reason=CheckpointReason.UPGRADE)
    except (ImproperlyConfigured, OSError) as error:
        logger.warning(
            "The evidence log has no signed checkpoint yet and none could be made (%s); it will be made by "
            "the next `kokuchi evidence checkpoint` or the next evidence event with a signing key.",
            error,
        )
        return
    logger.info("First evidence checkpoint: size %s, root %s.", checkpoint.tree_size, checkpoint.root_hash)
