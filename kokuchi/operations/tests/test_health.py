"""/healthz and /readyz for load balancers and monitors: no login, JSON, 503 when not ready."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kokuchi.vulnerabilities.models import FeedName, FeedRun, FeedRunStatus

pytestmark = pytest.mark.django_db


def _finished_task(
    finished_at: datetime.datetime | None, *, status: str = "SUCCESSFUL", started_at=None
) -> DBTaskResult:
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=status,
        started_at=started_at,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="kokuchi.operations.tasks.run_scheduled_job",
        backend_name="default",
        queue_name="default",
        run_after=started_at or finished_at,
        finished_at=finished_at,
        exception_class_path="",
        traceback="",
    )


def _feed_run(source: str, finished_at: datetime.datetime) -> FeedRun:
    return FeedRun.objects.create(
        source=source, kind="sync", started_at=finished_at, finished_at=finished_at, status=FeedRunStatus.SUCCESS
    )


def test_healthz_answers_without_login_and_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_503_naming_the_worker_and_the_feeds_on_a_new_installation(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert body["checks"]["worker"] == {
        "ok": False,
        "last_task_finished_seconds_ago": None,
        "running_tasks": 0,
        "max_age_seconds": 900,
    }
    assert body["checks"]["feeds"]["ok"] is False
    assert body["checks"]["feeds"]["stale"] == ["epss", "jvn", "kev", "nvd"]


def test_readyz_is_200_when_the_worker_ran_a_task_and_every_feed_is_recent(client):
    now = timezone.now()
    _finished_task(now - datetime.timedelta(minutes=5))
    for name in FeedName:
        _feed_run(name.value, now - datetime.timedelta(hours=30))

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["worker"]["ok"] is True
    assert 299 <= body["checks"]["worker"]["last_task_finished_seconds_ago"] <= 310
    assert body["checks"]["feeds"]["stale"] == []


def test_readyz_is_503_when_the_worker_is_silent_or_a_feed_is_old(client):
    now = timezone.now()
    _finished_task(now - datetime.timedelta(minutes=16))
    for name in FeedName:
        _feed_run(name.value, now - datetime.timedelta(hours=1))
    FeedRun.objects.filter(source="nvd").update(finished_at=now - datetime.timedelta(days=3))

    body = client.get("/readyz").json()

    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["feeds"]["stale"] == ["nvd"]


def test_readyz_thresholds_of_zero_skip_the_worker_and_feed_checks(client, settings):
    settings.READY_WORKER_MAX_AGE = 0
    settings.READY_FEED_MAX_AGE = 0

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["feeds"]["stale"] == []


def test_readyz_shows_no_secret_and_no_database_address(client, settings):
    text = json.dumps(client.get("/readyz").json())

    assert settings.SECRET_KEY not in text
    for value in settings.DATABASES["default"].values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in text


def test_readyz_counts_a_worker_busy_with_a_long_task_as_alive(client):
    now = timezone.now()
    _finished_task(now - datetime.timedelta(hours=2))
    _finished_task(None, status="RUNNING", started_at=now - datetime.timedelta(minutes=40))

    worker = client.get("/readyz").json()["checks"]["worker"]

    assert (worker["ok"], worker["running_tasks"]) == (True, 1)


def test_readyz_does_not_count_a_task_abandoned_hours_ago(client):
    now = timezone.now()
    _finished_task(None, status="RUNNING", started_at=now - datetime.timedelta(hours=7))

    worker = client.get("/readyz").json()["checks"]["worker"]

    assert (worker["ok"], worker["running_tasks"]) == (False, 0)
