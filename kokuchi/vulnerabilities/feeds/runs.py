"""FeedRun bookkeeping shared by offline import and online sync (what the status page shows)."""

from __future__ import annotations

from django.utils import timezone

from kokuchi.vulnerabilities.models import FeedRun, FeedRunStatus, FeedState

from .loader import ImportResult

# A run keeps at most this many changed IDs; the count is always exact.
MAX_RECORDED_IDS = 50_000


def feed_state(source: str) -> FeedState:
    state, _ = FeedState.objects.get_or_create(source=source)
    return state


def start_run(*, source: str, kind: str) -> FeedRun:
    return FeedRun.objects.create(source=source, kind=kind, started_at=timezone.now())


def finish_run(run: FeedRun, *, result: ImportResult, status: str = FeedRunStatus.SUCCESS, error: str = "") -> FeedRun:
    run.finished_at = timezone.now()
    run.status = status
    run.created, run.updated, run.unchanged, run.deleted = (
        result.created,
        result.updated,
        result.unchanged,
        result.deleted,
    )
    run.pages = result.pages
    run.changed_ids = sorted(result.changed_ids)[:MAX_RECORDED_IDS]
    run.messages = result.messages[-200:]
    run.error = error
    run.save()
    if run.kind == "sync":
        state = feed_state(run.source)
        state.last_run_at = run.started_at
        fields = ["last_run_at", "last_error"]
        if status in (FeedRunStatus.SUCCESS, FeedRunStatus.NOT_MODIFIED):
            state.last_success_at = run.finished_at
            state.last_error = ""
            fields.append("last_success_at")
        else:
            state.last_error = error
        FeedState.objects.filter(pk=state.pk).update(**{name: getattr(state, name) for name in fields})
    return run
