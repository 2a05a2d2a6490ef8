"""The periodic jobs of an installation, each a call of the service an existing command runs.

The scheduler (`kokuchi scheduler`) enqueues them for the task worker; `kokuchi scheduler --list`
prints them. Each job returns a small JSON summary, stored with the task result.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.core.management import call_command, get_commands, load_command_class

from kokuchi.acknowledgements.reminders import send_due_reminders
from kokuchi.exposures.notices import send_pending_notices
from kokuchi.exposures.runs import match_changed_since_last_run
from kokuchi.vulnerabilities.feeds.sync import sync_feeds

JobResult = dict[str, Any]


@dataclass(frozen=True)
class Job:
    """A job run once a day at `daily_at` (local time, TIME_ZONE) or every `every_minutes`."""

    name: str
    run: Callable[[], JobResult]
    daily_at: datetime.time | None = None
    every_minutes: int | None = None
    description: str = ""


def sync_vulnerability_feeds() -> JobResult:
    """`kokuchi feeds sync`: every feed; the import triggers the incremental match of what changed."""
    results = sync_feeds()
    return {source: {"created": r.created, "updated": r.updated} for source, r in results.items()}


def match_installed_base() -> JobResult:
    """`kokuchi match`: devices and vulnerabilities changed since the last run (catches anything missed)."""
    vulnerabilities, devices = match_changed_since_last_run(notify=True)
    return {
        "created": len(vulnerabilities.created) + (len(devices.created) if devices else 0),
        "resolved_by_update": len(vulnerabilities.resolved_by_update),
    }


def send_notices() -> JobResult:
    """`kokuchi send_notices`: the due deliveries of the notice outbox."""
    result = send_pending_notices()
    return {"sent": result.sent, "retry_later": result.retried, "failed": result.failed}


def send_acknowledgement_reminders() -> JobResult:
    """`kokuchi acknowledgements remind`: a fresh link for each acknowledgement request still unanswered."""
    return send_due_reminders().summary()


def command_action_exists(command: str, action: str) -> bool:
    """Whether `kokuchi <command> <action>` exists (a sub-command another part of Kokuchi may add)."""
    app = get_commands().get(command)
    if app is None:
        return False
    parser = load_command_class(app, command).create_parser("kokuchi", command)
    for group in parser._subparsers._group_actions if parser._subparsers else []:
        if action in getattr(group, "choices", {}):
            return True
    return False


def write_evidence_checkpoint() -> JobResult:
    """`kokuchi evidence checkpoint`, when this installation's Kokuchi has it; skipped otherwise."""
    if not command_action_exists("evidence", "checkpoint"):
        return {"skipped": "kokuchi evidence checkpoint is not available"}
    out = StringIO()
    call_command("evidence", "checkpoint", stdout=out)
    return {"output": out.getvalue().strip()[-500:]}


def heartbeat() -> JobResult:
    """Nothing: its finished task shows the worker is alive (/readyz)."""
    return {}


JOBS: tuple[Job, ...] = (
    Job("evidence_checkpoint", write_evidence_checkpoint, daily_at=datetime.time(3, 0)),
    Job("feeds_sync", sync_vulnerability_feeds, daily_at=datetime.time(4, 30)),
    Job("match", match_installed_base, daily_at=datetime.time(5, 30)),
    # Reminders reach customers at the start of the business day, not at night.
    Job("ack_reminders", send_acknowledgement_reminders, daily_at=datetime.time(9, 0)),
    Job("send_notices", send_notices, every_minutes=10),
    Job("heartbeat", heartbeat, every_minutes=5),
)


def job_named(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(name)
