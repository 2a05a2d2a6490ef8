"""Background entry points for the feeds (Django's Tasks framework, database backend)."""

from __future__ import annotations

from django.tasks import task

from .feeds.sync import sync_feeds


@task()
def sync_feeds_task(sources: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Sync the feeds (all by default) and return the counts per feed.

    Enqueue daily, e.g. from cron: `kokuchi feeds enqueue` (a `db_worker` runs it), or run
    `kokuchi feeds sync` directly from cron.
    """
    results = sync_feeds(sources=sources)
    return {
        source: {
            "created": r.created,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "deleted": r.deleted,
            "changed_ids": len(r.changed_ids),
        }
        for source, r in results.items()
    }
