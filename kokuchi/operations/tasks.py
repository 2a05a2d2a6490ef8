"""Background entry points of the scheduled jobs (Django's Tasks framework, database backend)."""

from __future__ import annotations

from django.tasks import task

from kokuchi.operations.jobs import JobResult, job_named


@task()
def run_scheduled_job(job: str) -> JobResult:
    """Run one job of kokuchi.operations.jobs.JOBS by name."""
    return job_named(job).run()
