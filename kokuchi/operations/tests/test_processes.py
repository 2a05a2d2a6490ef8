"""Real processes against one PostgreSQL database, as deploy/systemd runs them: two web servers, two
task workers and two schedulers. Every task and every notice runs once."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from kokuchi.operations.tests.stack import Stack, answers, http_get, postgres_database, wait_until

pytestmark = pytest.mark.processes

PROBE_TASKS = 40
DELIVERIES = 30
SCHEDULED = ["heartbeat", "send_notices", "evidence_checkpoint", "match", "ack_reminders"]


@pytest.fixture
def stack(tmp_path):
    with postgres_database(tmp_path) as database_url:
        if database_url is None:
            pytest.skip("needs PostgreSQL server binaries (apt-get install postgresql)")
        stack = Stack(database_url=database_url, workdir=tmp_path / "site", KOKUCHI_READY_FEED_MAX_AGE="0")
        try:
            yield stack
        finally:
            stack.stop()


def test_two_web_processes_two_workers_and_two_schedulers_run_every_task_and_notice_once(stack, tmp_path):
    stack.run("migrate", "--noinput")
    for number in (1, 2):
        stack.start(f"worker{number}", "db_worker", "--interval", "0.2", "--worker-id", f"worker{number}")
        jobs = [arg for name in SCHEDULED for arg in ("--job", name)]
        stack.start(f"scheduler{number}", "scheduler", "--interval", "0.5", *jobs)
    _, seed_output = stack.run_in_parallel(
        ("collectstatic", "--noinput"), stack.seed_command(links=2, deliveries=DELIVERIES)
    )
    seeded = stack.seeded(seed_output)
    webs = [stack.start_web("web1", workers=2), stack.start_web("web2", workers=2)]
    probes = tmp_path / "probes"
    probes.mkdir()
    # Several senders at once on both workers, besides the scheduled one.
    stack.shell(
        "from kokuchi.operations.tests.probe_tasks import record_run\n"
        "from kokuchi.operations.tasks import run_scheduled_job\n"
        f"for n in range({PROBE_TASKS}):\n"
        f"    record_run.enqueue({str(probes)!r}, f'task{{n:03d}}')\n"
        "    if n % 10 == 0: run_scheduled_job.enqueue('send_notices')\n"
    )
    for web in webs:
        wait_until(lambda web=web: answers(f"{web}/healthz"), timeout=60, what=f"{web}/healthz")

    for web in webs:
        for token in seeded["tokens"]:
            status, body = http_get(f"{web}/ack/c/{token}/")
            assert status == 200
            assert "確認" in body.decode()
        status, body = http_get(f"{web}/accounts/login/")
        assert status == 200
        css = re.search(rb'href="(/static/kokuchi/kokuchi\.[0-9a-f]{12}\.css)"', body)
        assert css is not None
        assert http_get(web + css.group(1).decode())[0] == 200

    def all_done():
        rows = stack.query("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status")
        pending = sum(count for status, count in rows if status not in ("SUCCESSFUL", "FAILED"))
        scheduled = {job for (job,) in stack.query("SELECT DISTINCT job FROM operations_scheduledrun")}
        return pending == 0 and len(list(probes.iterdir())) == PROBE_TASKS and scheduled == set(SCHEDULED)

    wait_until(all_done, timeout=90, what="every task to finish")

    runs = {path.name: path.read_text().splitlines() for path in probes.iterdir()}
    assert sorted(runs) == [f"task{n:03d}" for n in range(PROBE_TASKS)]
    assert [key for key, lines in runs.items() if len(lines) != 1] == []
    results = stack.query("SELECT task_path, status, worker_ids FROM django_tasks_database_dbtaskresult")
    assert Counter(status for _, status, _ in results) == Counter({"SUCCESSFUL": len(results)})
    assert all(len(worker_ids) == 1 for _, _, worker_ids in results)
    assert {worker_ids[0] for _, _, worker_ids in results} <= {"worker1", "worker2"}

    scheduled = stack.query(
        "SELECT r.job, r.slot, t.status FROM operations_scheduledrun r "
        "JOIN django_tasks_database_dbtaskresult t ON t.id::text = r.task_result_id"
    )
    occurrences = Counter((job, slot) for job, slot, _ in scheduled)
    assert set(job for job, _ in occurrences) == set(SCHEDULED)
    assert max(occurrences.values()) == 1
    assert stack.query("SELECT count(*) FROM operations_scheduledrun")[0][0] == len(scheduled)

    deliveries = stack.query("SELECT status, attempts, token_sha256 FROM vulnerabilities_noticedelivery")
    assert Counter((status, attempts) for status, attempts, _ in deliveries) == Counter({("sent", 1): DELIVERIES})
    assert len({token for _, _, token in deliveries}) == DELIVERIES
    mail = "".join(path.read_text() for path in stack.mail_dir.iterdir())
    recipients = Counter(re.findall(r"^To: (customer\d{3}@example\.jp)$", mail, flags=re.MULTILINE))
    assert recipients == Counter({f"customer{n:03d}@example.jp": 1 for n in range(DELIVERIES)})

    for web in webs:
        status, body = http_get(f"{web}/readyz")
        assert status == 200, body
    access_log = stack.log("web1") + stack.log("web2")
    assert access_log.count('"GET /ack/c/[token]/ HTTP/1.1" 200') == 2 * len(seeded["tokens"])
    assert [token for token in seeded["tokens"] if token in access_log] == []
