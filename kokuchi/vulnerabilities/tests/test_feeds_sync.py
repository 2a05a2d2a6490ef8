"""Online sync against a real local HTTP server serving the real samples: NVD paging with resume
after a failure at page k, JVN checksum-driven files and API date range, KEV/EPSS conditional
requests, backoff on 403/429/5xx and the rate limiter (sleep injected, nothing waits)."""

import datetime
import gzip

import httpx
import pytest
from django.core.management import call_command

from kokuchi.vulnerabilities.feeds.http import FeedHttpClient, FeedHttpError, RateLimiter
from kokuchi.vulnerabilities.feeds.sync import FeedSyncError, nvd_windows, sync_feeds
from kokuchi.vulnerabilities.models import FeedRun, FeedState, KnownExploited, Vulnerability
from kokuchi.vulnerabilities.tasks import sync_feeds_task
from kokuchi.vulnerabilities.tests.feedsamples import sample
from kokuchi.vulnerabilities.tests.feedserver import (
    JVN_DETAIL_FILES,
    OVERVIEW_IDS,
    FeedServer,
    add_jvn_routes,
    feed_urls,
    nvd_route,
)

pytestmark = pytest.mark.django_db

NVD_IDS = [
    "CVE-2023-36014",
    "CVE-2023-36024",
    "CVE-2023-46729",
    "CVE-2023-6069",
    "CVE-2023-45167",
    "CVE-2023-39796",
    "CVE-2023-47246",
    "CVE-2023-47800",
]
NOW = datetime.datetime(2023, 11, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def server(settings):
    with FeedServer() as feed_server:
        settings.FEED_URLS = feed_urls(feed_server.base)
        settings.NVD_API_KEY = "test-key"
        yield feed_server


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    http = FeedHttpClient(sleep=sleeps.append, max_retries=2, backoff_base=6.0)
    yield http
    http.close()


def _nvd_state():
    return {
        "rows": sorted(Vulnerability.objects.values_list("vuln_id", "content_hash", "source_status")),
        "cpes": sorted(Vulnerability.objects.values_list("vuln_id", "cpe_index__product")),
        "watermark": FeedState.objects.get(source="nvd").watermark,
        "cursor": FeedState.objects.get(source="nvd").cursor,
    }


def _nvd_sync(client):
    # resultsPerPage 3 to walk the real 3-page sample sequence.
    from kokuchi.vulnerabilities.feeds import sync as sync_module

    original = sync_module.NVD_PAGE_SIZE
    sync_module.NVD_PAGE_SIZE = 3
    try:
        return sync_feeds(sources=["nvd"], client=client, now=NOW)
    finally:
        sync_module.NVD_PAGE_SIZE = original


def test_nvd_sync_failing_at_page_2_resumes_to_the_same_end_state(server, client, sleeps):
    failures = {3: 503}
    server.routes["/rest/json/cves/2.0"] = nvd_route(failures)

    with pytest.raises(FeedSyncError) as excinfo:
        _nvd_sync(client)

    assert "HTTP 503 after 3 attempts" in str(excinfo.value)
    assert sorted(Vulnerability.objects.values_list("vuln_id", flat=True)) == sorted(NVD_IDS[:3])
    state = FeedState.objects.get(source="nvd")
    assert state.cursor == {"end": NOW.isoformat(), "windows": [[None, None]], "window": 0, "start_index": 3}
    assert state.watermark is None
    failed = FeedRun.objects.get(source="nvd")
    assert (failed.status, failed.created, failed.pages) == ("failed", 3, 1)
    assert sleeps == [6.0, 12.0]  # backoff between the three attempts at page 2

    failures.clear()
    server.log.clear()
    resumed = _nvd_sync(client)["nvd"]

    assert [int(q["startIndex"]) for _, q, _ in server.log] == [3, 6]  # page 1 is not fetched again
    assert (resumed.created, resumed.updated, resumed.changed_ids) == (5, 0, set(NVD_IDS[3:]))
    assert resumed.messages == ["resumed at window 1/1, startIndex 3"]
    after_resume = _nvd_state()

    # The same sync uninterrupted, from an empty database, ends in the same state.
    Vulnerability.objects.all().delete()
    FeedState.objects.all().delete()
    server.log.clear()
    _nvd_sync(client)
    assert [int(q["startIndex"]) for _, q, _ in server.log] == [0, 3, 6]
    assert _nvd_state() == after_resume
    assert after_resume["watermark"] == NOW
    assert after_resume["cursor"] == {}


def test_nvd_second_sync_is_incremental_and_changes_nothing(server, client):
    server.routes["/rest/json/cves/2.0"] = nvd_route()
    _nvd_sync(client)
    before = _nvd_state()
    changed_at = dict(Vulnerability.objects.values_list("vuln_id", "changed_at"))
    server.log.clear()
    later = NOW + datetime.timedelta(days=200)

    from kokuchi.vulnerabilities.feeds import sync as sync_module

    sync_module.NVD_PAGE_SIZE, original = 3, sync_module.NVD_PAGE_SIZE
    try:
        result = sync_feeds(sources=["nvd"], client=client, now=later)["nvd"]
    finally:
        sync_module.NVD_PAGE_SIZE = original

    assert (result.created, result.updated, result.unchanged, result.changed_ids) == (0, 0, 16, set())
    windows = [(q["lastModStartDate"], q["lastModEndDate"]) for _, q, _ in server.log]
    # 200 days since the watermark (minus the 15-minute overlap) → two windows of at most 120 days.
    assert sorted(set(windows)) == [
        ("2023-11-10T08:45:00.000+00:00", "2024-03-09T08:45:00.000+00:00"),
        ("2024-03-09T08:45:00.000+00:00", "2024-05-28T09:00:00.000+00:00"),
    ]
    assert all(headers["apikey"] == "test-key" for _, _, headers in server.log)
    assert dict(Vulnerability.objects.values_list("vuln_id", "changed_at")) == changed_at
    assert _nvd_state()["rows"] == before["rows"]


def test_nvd_windows_never_exceed_120_days():
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    windows = nvd_windows(start, start + datetime.timedelta(days=365))
    assert len(windows) == 4
    spans = [datetime.datetime.fromisoformat(b) - datetime.datetime.fromisoformat(a) for a, b in windows]
    assert max(spans) == datetime.timedelta(days=120)
    assert windows[-1][1] == "2024-12-31T00:00:00.000+00:00"


def test_jvn_sync_by_checksum_and_date_range_then_resume_and_no_op(server, client, sleeps):
    add_jvn_routes(server, fail={"jvndb_detail_2022.rdf"})

    with pytest.raises(FeedSyncError, match="jvndb_detail_2022.rdf: HTTP 503 after 3 attempts"):
        sync_feeds(sources=["jvn"], client=client, now=NOW)
    # checksum.txt lists 2023 before 2022: 2023 was committed with its hash before 2022 failed.
    assert sorted(Vulnerability.objects.values_list("vuln_id", flat=True)) == ["JVNDB-2022-017704", "JVNDB-2023-004315"]
    assert list(FeedState.objects.get(source="jvn").file_hashes) == ["jvndb_detail_2023.rdf"]

    add_jvn_routes(server)
    server.log.clear()
    result = sync_feeds(sources=["jvn"], client=client, now=NOW)["jvn"]

    paths = server.paths()
    assert paths[:3] == [
        "/ja/feed/checksum.txt",
        "/ja/feed/detail/jvndb_detail_2022.rdf",
        "/ja/feed/detail/jvndb_detail_2021.rdf",
    ]  # 2023 is not downloaded again
    overview = [q for p, q, _ in server.log if q.get("method") == "getVulnOverviewList"][0]
    assert (overview["datePublishedStartY"], overview["datePublishedStartM"], overview["datePublishedStartD"]) == (
        "2023",
        "11",
        "2",
    )
    assert (overview["datePublishedEndY"], overview["datePublishedEndM"], overview["datePublishedEndD"]) == (
        "2023",
        "11",
        "10",
    )
    assert overview["rangeDatePublished"] == "n"
    detail = [q for p, q, _ in server.log if q.get("method") == "getVulnDetailInfo"][0]
    assert detail["vulnId"] == "+".join(OVERVIEW_IDS)
    assert sorted(Vulnerability.objects.values_list("vuln_id", flat=True)) == [
        "JVNDB-2021-002774",
        "JVNDB-2021-005429",
        "JVNDB-2022-000001",
        "JVNDB-2022-000002",
        "JVNDB-2022-000097",
        "JVNDB-2022-017704",
        "JVNDB-2023-004315",
    ]
    assert result.created == 5
    electronic_bidding = Vulnerability.objects.get(vuln_id="JVNDB-2022-000097")
    assert electronic_bidding.affected_products.get().version_text == "v6 R4 およびそれ以前のバージョン"
    state = FeedState.objects.get(source="jvn")
    assert sorted(state.file_hashes) == list(JVN_DETAIL_FILES)
    assert (state.watermark, state.cursor) == (NOW, {})

    server.log.clear()
    again = sync_feeds(sources=["jvn"], client=client, now=NOW + datetime.timedelta(days=1))["jvn"]
    assert [p for p in server.paths() if p.endswith(".rdf")] == []
    assert (again.created, again.updated, again.changed_ids) == (0, 0, set())


def test_jvn_file_with_wrong_checksum_is_not_loaded(server, client):
    contents = add_jvn_routes(server)
    served = dict(contents)
    served["jvndb_detail_2023.rdf"] = contents["jvndb_detail_2023.rdf"].replace(b"5.16.3", b"5.16.4")
    for name in JVN_DETAIL_FILES:
        server.routes[f"/ja/feed/detail/{name}"] = lambda q, h, name=name: (200, {}, served[name])

    with pytest.raises(FeedSyncError, match="does not match checksum.txt"):
        sync_feeds(sources=["jvn"], client=client, now=NOW)
    assert not Vulnerability.objects.filter(vuln_id="JVNDB-2022-017704").exists()
    assert "jvndb_detail_2023.rdf" not in FeedState.objects.get(source="jvn").file_hashes


def test_kev_and_epss_conditional_requests(server, client):
    kev = sample("kev/known_exploited_vulnerabilities.json").read_bytes()
    epss = gzip.compress(sample("epss/current-excerpt/epss_scores-current.head.csv").read_bytes())

    def kev_route(query, headers):
        if headers.get("if-none-match") == '"kev-2025.08.25"':
            return 304, {}, b""
        return 200, {"ETag": '"kev-2025.08.25"'}, kev

    def epss_route(query, headers):
        if headers.get("if-modified-since") == "Mon, 29 Sep 2026 12:00:22 GMT":
            return 304, {}, b""
        return 200, {"Last-Modified": "Mon, 29 Sep 2026 12:00:22 GMT"}, epss

    server.routes["/feeds/known_exploited_vulnerabilities.json"] = kev_route
    server.routes["/epss_scores-current.csv.gz"] = epss_route

    first = sync_feeds(sources=["kev", "epss"], client=client)
    assert (first["kev"].created, first["epss"].created) == (1404, 29)
    kev_state = FeedState.objects.get(source="kev")
    assert kev_state.etag == '"kev-2025.08.25"'
    assert FeedState.objects.get(source="epss").http_last_modified == "Mon, 29 Sep 2026 12:00:22 GMT"
    KnownExploited.objects.filter(cve_id="CVE-2021-20090").update(notes="edited locally")

    second = sync_feeds(sources=["kev", "epss"], client=client)

    assert (second["kev"].created, second["kev"].updated, second["kev"].changed_ids) == (0, 0, set())
    assert second["kev"].messages == [f"{server.base}/feeds/known_exploited_vulnerabilities.json: 304 Not Modified"]
    assert KnownExploited.objects.get(cve_id="CVE-2021-20090").notes == "edited locally"  # nothing re-imported
    runs = list(FeedRun.objects.filter(source__in=["kev", "epss"]).values_list("source", "status"))
    assert sorted(runs) == [("epss", "not_modified"), ("epss", "success"), ("kev", "not_modified"), ("kev", "success")]


@pytest.mark.parametrize(
    ("statuses", "headers", "expected_sleeps"),
    [
        ([403, 403, 200], {}, [6.0, 12.0]),
        ([429, 200], {"Retry-After": "7"}, [7.0]),
        ([500, 502, 503, 200], {}, [6.0, 12.0, 24.0]),
    ],
)
def test_backoff_on_throttling_and_server_errors(statuses, headers, expected_sleeps):
    answers = list(statuses)
    sleeps = []

    def handler(request):
        status = answers.pop(0)
        return httpx.Response(status, headers=headers if status != 200 else {}, content=b"ok")

    client = FeedHttpClient(
        client=httpx.Client(transport=httpx.MockTransport(handler)), sleep=sleeps.append, max_retries=5
    )
    assert client.get("https://services.nvd.nist.gov/rest/json/cves/2.0").content == b"ok"
    assert sleeps == expected_sleeps


def test_backoff_gives_up_and_names_the_url():
    sleeps = []
    client = FeedHttpClient(
        client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(403))),
        sleep=sleeps.append,
        max_retries=3,
    )
    with pytest.raises(FeedHttpError, match=r"^https://example.test/x: HTTP 403 after 4 attempts$"):
        client.get("https://example.test/x")
    assert sleeps == [6.0, 12.0, 24.0]


def test_not_found_is_not_retried():
    sleeps = []
    client = FeedHttpClient(
        client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404))), sleep=sleeps.append
    )
    with pytest.raises(FeedHttpError, match="HTTP 404"):
        client.get("https://example.test/missing")
    assert sleeps == []


def test_rate_limiter_keeps_nvd_public_limit():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(5, 30.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
        now[0] += 1.0
    limiter.wait()  # the 6th call within 30 s waits until the first one is 30 s old
    assert sleeps == [25.0]


def test_sync_task_runs_through_the_tasks_framework(server):
    server.routes["/feeds/known_exploited_vulnerabilities.json"] = lambda q, h: (
        200,
        {},
        sample("kev/known_exploited_vulnerabilities.json").read_bytes(),
    )
    result = sync_feeds_task.enqueue(sources=["kev"])
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {
        "kev": {"created": 1404, "updated": 0, "unchanged": 0, "deleted": 0, "changed_ids": 1404}
    }


def test_feeds_status_command_shows_last_run_counts_and_errors(server, capsys):
    server.routes["/feeds/known_exploited_vulnerabilities.json"] = lambda q, h: (
        200,
        {},
        sample("kev/known_exploited_vulnerabilities.json").read_bytes(),
    )
    server.routes["/epss_scores-current.csv.gz"] = lambda q, h: (200, {}, b"cve,score\n")
    with pytest.raises(Exception, match="wrong header"):
        call_command("feeds", "sync", "--source", "kev", "--source", "epss")
    capsys.readouterr()
    call_command("feeds", "status")
    out = capsys.readouterr().out
    assert "kev: last run " in out
    assert "(sync, success, 1404 created, 0 updated, 0 unchanged, 0 deleted)" in out
    assert "  rows: 1404;" in out
    assert (
        f"  last error: {server.base}/epss_scores-current.csv.gz: line 1: wrong header 'cve,score': "
        "expected 'cve,epss' or 'cve,epss,percentile'"
    ) in out
    assert "nvd: last run never" in out
