"""`kokuchi scheduler`: enqueue the periodic jobs (feeds, matching, notices, evidence) for the worker.

Run one next to `kokuchi db_worker`; several (one per machine) are safe, each job occurrence is
enqueued once. `--once` checks once and exits (for cron or a systemd timer), `--list` shows the jobs.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from kokuchi.operations.jobs import JOBS
from kokuchi.operations.scheduler import current_slot, enqueue_due_jobs

logger = logging.getLogger("kokuchi.operations.scheduler")


class Command(BaseCommand):
    help = "Enqueue the scheduled jobs for the task worker, once per occurrence however many schedulers run."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue what is due, then exit.")
        parser.add_argument(
            "--list", dest="list_jobs", action="store_true", help="List the jobs and their current occurrence."
        )
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks (default 30).")
        parser.add_argument(
            "--job",
            dest="job_names",
            action="append",
            choices=[job.name for job in JOBS],
            help="Schedule only this job; repeat for several (default: every job).",
        )

    def handle(self, *args, once=False, list_jobs=False, interval=30.0, job_names=None, **options):
        jobs = [job for job in JOBS if not job_names or job.name in job_names]
        if list_jobs:
            now = timezone.now()
            for job in jobs:
                when = f"daily {job.daily_at:%H:%M}" if job.daily_at else f"every {job.every_minutes} min"
                self.stdout.write(f"{job.name}: {when}, current occurrence {current_slot(job, now=now)}")
            return
        if once:
            self._report(enqueue_due_jobs(jobs=jobs))
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"scheduler started: {len(jobs)} jobs, checking every {interval:g} s")
        while not stop.is_set():
            close_old_connections()
            try:
                self._report(enqueue_due_jobs(jobs=jobs))
            except DatabaseError:
                # The database restarting must not stop the schedule: try again at the next check.
                logger.exception("scheduler check failed; retrying in %s s", interval)
            stop.wait(interval)
        self.stdout.write("scheduler stopped")

    def _report(self, runs) -> None:
        for run in runs:
            self.stdout.write(f"enqueued {run.job} {run.slot}")
        self.stdout.flush()
