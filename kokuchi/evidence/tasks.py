"""Background entry points of the evidence log (Django's Tasks framework, database backend)."""

from __future__ import annotations

from django.tasks import task

from kokuchi.evidence.models import CheckpointReason
from kokuchi.evidence.services import record_checkpoint


@task()
def daily_checkpoint_task() -> dict[str, int | str]:
    """Sign the log's state once a day (S-EVID): schedule daily, or run `kokuchi evidence checkpoint`.

    Safe to run twice: a second checkpoint of the same state only repeats the signature."""
    checkpoint = record_checkpoint(reason=CheckpointReason.DAILY)
    return {"checkpoint_id": checkpoint.pk, "tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash}
