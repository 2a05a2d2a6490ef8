"""Liveness and readiness of an installation, for a load balancer or a monitor (/healthz, /readyz).

Readiness: the database answers, every migration is applied, the task worker finished a task recently
(the scheduler's heartbeat job runs every few minutes) or is running one, and every feed was imported
or synced recently.
The report carries names, counts and ages only: no addresses, credentials or error texts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kokuchi.vulnerabilities.models import FeedRun, FeedRunStatus
from kokuchi.vulnerabilities.selectors import kept_fresh_feeds


@dataclass
class Readiness:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not ready", "checks": self.checks}


# A task running longer than this counts as abandoned (its worker died), not as a sign of life.
LONGEST_TASK_SECONDS = 6 * 3600

# Once every migration is applied it stays so for the life of the process: not re-read on every probe.
_migrations_applied = False


def _pending_migrations() -> int:
    global _migrations_applied
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_applied = pending == 0
    return pending


def _age_seconds(moment: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def check_readiness(*, now: datetime.datetime | None = None) -> Readiness:
    now = now or timezone.now()
    readiness = Readiness()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        readiness.checks["database"] = {"ok": False, "error": type(error).__name__}
        return readiness
    readiness.checks["database"] = {"ok": True}

    pending = _pending_migrations()
    readiness.checks["migrations"] = {"ok": pending == 0, "pending": pending}
    if pending:
        return readiness

    worker_max = settings.READY_WORKER_MAX_AGE
    last_task = DBTaskResult.objects.filter(finished_at__isnull=False).aggregate(last=Max("finished_at"))["last"]
    age = _age_seconds(last_task, now)
    # A long task (a full feed sync) holds a lone worker for a while: a task started recently and still
    # running shows the worker alive too.
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__gte=now - datetime.timedelta(seconds=LONGEST_TASK_SECONDS)
    ).count()
    readiness.checks["worker"] = {
        "ok": worker_max <= 0 or (age is not None and age <= worker_max) or running > 0,
        "last_task_finished_seconds_ago": age,
        "running_tasks": running,
        "max_age_seconds": worker_max,
    }

    feed_max = settings.READY_FEED_MAX_AGE
    last_runs = dict(
        FeedRun.objects.filter(status__in=[FeedRunStatus.SUCCESS, FeedRunStatus.NOT_MODIFIED])
        .values_list("source")
        .annotate(last=Max("finished_at"))
        .values_list("source", "last")
    )
    ages = {name: _age_seconds(last_runs.get(name), now) for name in kept_fresh_feeds()}
    stale = sorted(name for name, a in ages.items() if a is None or a > feed_max)
    readiness.checks["feeds"] = {
        "ok": feed_max <= 0 or not stale,
        "stale": stale if feed_max > 0 else [],
        "last_success_seconds_ago": ages,
        "max_age_seconds": feed_max,
    }
    return readiness
