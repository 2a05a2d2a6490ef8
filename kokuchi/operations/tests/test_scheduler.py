"""`kokuchi scheduler`: each job occurrence is enqueued once, however many schedulers run."""

from __future__ import annotations

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from kokuchi.operations.jobs import JOBS, command_action_exists, job_named, write_evidence_checkpoint
from kokuchi.operations.models import ScheduledRun
from kokuchi.operations.scheduler import current_slot, enqueue_due_jobs

TOKYO = ZoneInfo("Asia/Tokyo")


def test_daily_job_slot_is_the_date_of_its_last_passed_time_in_tokyo():
    job = job_named("feeds_sync")  # daily at 04:30

    assert current_slot(job, now=datetime.datetime(2026, 12, 7, 4, 29, tzinfo=TOKYO)) == "2026-12-06"
    assert current_slot(job, now=datetime.datetime(2026, 12, 7, 4, 30, tzinfo=TOKYO)) == "2026-12-07"
    # 20:00 UTC on the 6th is 05:00 on the 7th in Tokyo.
    assert current_slot(job, now=datetime.datetime(2026, 12, 6, 20, 0, tzinfo=datetime.UTC)) == "2026-12-07"


def test_frequent_job_slot_is_the_start_of_its_window():
    job = job_named("send_notices")  # every 10 minutes

    assert current_slot(job, now=datetime.datetime(2026, 12, 7, 9, 59, 59, tzinfo=TOKYO)) == "2026-12-07T09:50"
    assert current_slot(job, now=datetime.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)) == "2026-12-07T10:00"


def test_the_daily_jobs_are_the_feeds_matching_evidence_and_reminders_and_notices_go_out_every_ten_minutes():
    assert [(j.name, j.daily_at, j.every_minutes) for j in JOBS] == [
        ("evidence_checkpoint", datetime.time(3, 0), None),
        ("feeds_sync", datetime.time(4, 30), None),
        ("match", datetime.time(5, 30), None),
        ("ack_reminders", datetime.time(9, 0), None),
        ("send_notices", None, 10),
        ("heartbeat", None, 5),
    ]


@pytest.mark.django_db
def test_a_job_occurrence_is_enqueued_once_and_the_next_occurrence_again():
    jobs = [job_named("heartbeat"), job_named("send_notices")]
    now = datetime.datetime(2026, 12, 7, 10, 1, tzinfo=TOKYO)

    first = enqueue_due_jobs(now=now, jobs=jobs)
    second = enqueue_due_jobs(now=now + datetime.timedelta(minutes=3), jobs=jobs)
    third = enqueue_due_jobs(now=now + datetime.timedelta(minutes=4), jobs=jobs)

    assert [(r.job, r.slot) for r in first] == [("heartbeat", "2026-12-07T10:00"), ("send_notices", "2026-12-07T10:00")]
    assert second == []
    assert [(r.job, r.slot) for r in third] == [("heartbeat", "2026-12-07T10:05")]
    assert ScheduledRun.objects.count() == 3
    assert all(run.task_result_id for run in ScheduledRun.objects.all())


@pytest.mark.django_db
def test_an_occurrence_another_scheduler_enqueued_is_skipped():
    ScheduledRun.objects.create(job="heartbeat", slot="2026-12-07T10:00", task_result_id="elsewhere")

    runs = enqueue_due_jobs(now=datetime.datetime(2026, 12, 7, 10, 2, tzinfo=TOKYO), jobs=[job_named("heartbeat")])

    assert runs == []
    assert list(ScheduledRun.objects.values_list("task_result_id", flat=True)) == ["elsewhere"]


@pytest.mark.django_db
def test_scheduler_list_prints_every_job():
    out = StringIO()

    call_command("scheduler", "--list", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":", 1)[0] for line in lines] == [job.name for job in JOBS]
    assert lines[1].startswith("feeds_sync: daily 04:30, current occurrence ")


def test_evidence_checkpoint_runs_the_evidence_command_when_it_has_the_action_else_is_skipped():
    assert command_action_exists("evidence", "verify") is True
    assert command_action_exists("no_such_command", "verify") is False
    if command_action_exists("evidence", "checkpoint"):
        pytest.skip("kokuchi evidence checkpoint exists: the job runs it")
    assert write_evidence_checkpoint() == {"skipped": "kokuchi evidence checkpoint is not available"}


@pytest.mark.django_db
def test_g1_scheduler_enqueues_the_acknowledgement_reminders_once_a_day_and_they_send_once():
    from django.core import mail
    from django.utils import timezone

    from kokuchi.acknowledgements.models import CustomerLink
    from kokuchi.acknowledgements.services import create_customer_link
    from kokuchi.acknowledgements.tests.factories import make_issued_version
    from kokuchi.core.roles import Role
    from kokuchi.core.tests.factories import make_user
    from kokuchi.evidence.services import Origin

    version = make_issued_version()
    create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=Origin(channel="staff_ui"),
    )
    # The job runs now: the link was sent eight days ago.
    CustomerLink.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    mail.outbox.clear()
    jobs = [job_named("ack_reminders")]

    first = enqueue_due_jobs(now=datetime.datetime(2026, 12, 7, 9, 1, tzinfo=TOKYO), jobs=jobs)
    again = enqueue_due_jobs(now=datetime.datetime(2026, 12, 7, 17, 0, tzinfo=TOKYO), jobs=jobs)

    assert [(run.job, run.slot) for run in first] == [("ack_reminders", "2026-12-07")]
    assert again == []
    # The test settings run tasks at once: the job ran when it was enqueued.
    assert len(mail.outbox) == 1
    assert CustomerLink.objects.filter(reminder_number=1, revoked_at__isnull=True).count() == 1
