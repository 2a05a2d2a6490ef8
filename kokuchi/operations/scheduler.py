"""Enqueue each scheduled job once per occurrence, however many schedulers run.

An occurrence ("slot") is the date of the last `daily_at` time that has passed, or the start of the
current `every_minutes` window. A slot is enqueued by the first scheduler that inserts its
ScheduledRun row; the unique constraint turns the others away. A scheduler started late catches up
with the last missed occurrence of each job, not with every one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from kokuchi.operations.jobs import JOBS, Job
from kokuchi.operations.models import ScheduledRun
from kokuchi.operations.tasks import run_scheduled_job


def current_slot(job: Job, *, now: datetime.datetime) -> str:
    """The occurrence of `job` that is due at `now` (aware), in the local time zone."""
    local = timezone.localtime(now)
    if job.every_minutes:
        minutes = (local.hour * 60 + local.minute) // job.every_minutes * job.every_minutes
        return f"{local.date().isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}"
    if job.daily_at is None:
        raise ValueError(f"job {job.name} has neither daily_at nor every_minutes")
    day = local.date() if local.time() >= job.daily_at else local.date() - datetime.timedelta(days=1)
    return day.isoformat()


def enqueue_due_jobs(*, now: datetime.datetime | None = None, jobs: Iterable[Job] = JOBS) -> list[ScheduledRun]:
    """Enqueue the jobs whose current occurrence no scheduler has enqueued yet; return the new runs."""
    now = now or timezone.now()
    enqueued = []
    for job in jobs:
        slot = current_slot(job, now=now)
        if ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                result = run_scheduled_job.enqueue(job.name)
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            # Another scheduler inserted the same occurrence first and enqueued it.
            continue
        enqueued.append(run)
    return enqueued
