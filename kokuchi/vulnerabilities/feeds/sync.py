"""Online sync of the feeds, resumable and idempotent.

* NVD: CVE API 2.0 by lastModStartDate/lastModEndDate in windows of at most 120 days (a full
  walk on the very first run), resultsPerPage 2000, rate-limited (5 requests/30 s, 50 with an API
  key). Each page is committed together with the resume marker (window, startIndex), so a run
  killed half way continues from its last committed page.
* JVN: checksum.txt → the yearly jvndb_detail_YYYY.rdf files whose sha256 changed (each file
  committed with its hash), then getVulnOverviewList over the days since the last run (by 最終更新日)
  → getVulnDetailInfo, 10 IDs per call; each overview page committed with its resume marker.
* KEV and EPSS: whole files with conditional requests (ETag / Last-Modified); 304 changes nothing.

Running a sync twice changes nothing: unchanged records keep their content_hash and are skipped.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kokuchi.vulnerabilities.models import FeedRun, FeedRunStatus, FeedState
from kokuchi.vulnerabilities.signals import feed_sync_failed

from .csaf_sync import sync_csaf
from .epss import iter_epss
from .http import FeedHttpClient, FeedHttpError, RateLimiter
from .jvn import iter_jvn_detail, parse_checksum, parse_jvn_overview
from .kev import parse_kev
from .loader import (
    ImportResult,
    announce_changes_on_commit,
    replace_known_exploited,
    upsert_epss,
    upsert_vulnerabilities,
)
from .nvd import parse_nvd_page
from .records import FeedError, VulnRecord
from .runs import feed_state, finish_run, start_run

logger = logging.getLogger(__name__)

DEFAULT_URLS = {
    "nvd": "https://services.nvd.nist.gov/rest/json/cves/2.0",
    "jvn_checksum": "https://jvndb.jvn.jp/ja/feed/checksum.txt",
    "jvn_api": "https://jvndb.jvn.jp/myjvn",
    "kev": "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
    "epss": "https://epss.cyentia.com/epss_scores-current.csv.gz",
}
NVD_MAX_WINDOW = datetime.timedelta(days=120)
NVD_OVERLAP = datetime.timedelta(minutes=15)
NVD_PAGE_SIZE = 2000
JVN_OVERVIEW_PAGE = 50
JVN_DETAIL_IDS = 10
JVN_DETAIL_FILE_RE = re.compile(r"^jvndb_detail_\d{4}\.rdf$")
SOURCES = ("nvd", "jvn", "kev", "epss", "csaf")


def feed_url(name: str) -> str:
    """Official URL of a feed endpoint, overridable with settings.FEED_URLS (mirrors, tests)."""
    return {**DEFAULT_URLS, **getattr(settings, "FEED_URLS", {})}[name]


def nvd_windows(start: datetime.datetime, end: datetime.datetime) -> list[list[str]]:
    """Split [start, end] into consecutive windows of at most 120 days (NVD's limit)."""
    windows = []
    cursor = start
    while cursor < end:
        stop = min(cursor + NVD_MAX_WINDOW, end)
        windows.append([cursor.isoformat(timespec="milliseconds"), stop.isoformat(timespec="milliseconds")])
        cursor = stop
    return windows


def _save_cursor(state: FeedState, cursor: dict) -> None:
    state.cursor = cursor
    FeedState.objects.filter(pk=state.pk).update(cursor=cursor)


def sync_nvd(
    *,
    client: FeedHttpClient,
    now: datetime.datetime | None = None,
    page_size: int = NVD_PAGE_SIZE,
    api_key: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    result: ImportResult | None = None,
) -> ImportResult:
    """Bring NVD up to date (see module docstring); resume an interrupted run first.

    `result` (if given) accumulates the committed pages, so a failing run still reports them."""
    state = feed_state("nvd")
    api_key = settings.NVD_API_KEY if api_key is None else api_key
    limiter = RateLimiter(50 if api_key else 5, 30.0, clock=clock, sleep=client.sleep)
    headers = {"apiKey": api_key} if api_key else {}
    result = result if result is not None else ImportResult(source="nvd")
    cursor = dict(state.cursor or {})
    if not cursor.get("windows"):
        end = now or timezone.now()
        # The first run walks everything, with no date filter.
        windows = nvd_windows(state.watermark - NVD_OVERLAP, end) if state.watermark else [[None, None]]
        cursor = {"end": end.isoformat(), "windows": windows, "window": 0, "start_index": 0}
        _save_cursor(state, cursor)
    else:
        result.messages.append(
            f"resumed at window {cursor['window'] + 1}/{len(cursor['windows'])}, startIndex {cursor['start_index']}"
        )
    url = feed_url("nvd")
    while cursor["window"] < len(cursor["windows"]):
        window_start, window_end = cursor["windows"][cursor["window"]]
        while True:
            params = {"startIndex": cursor["start_index"], "resultsPerPage": page_size}
            if window_start:
                params |= {"lastModStartDate": window_start, "lastModEndDate": window_end}
            response = client.get(url, params=params, headers=headers, limiter=limiter)
            page = parse_nvd_page(response.content, file=f"{url}?{urlencode(params)}")
            next_index = cursor["start_index"] + len(page.records)
            with transaction.atomic():
                batch = upsert_vulnerabilities(page.records, source="nvd", file=f"{url}?{urlencode(params)}")
                batch.pages = 1
                cursor = {**cursor, "start_index": next_index}
                done = not page.records or next_index >= page.total_results
                if done:
                    cursor = {**cursor, "window": cursor["window"] + 1, "start_index": 0}
                _save_cursor(state, cursor)
                announce_changes_on_commit(batch.changed_ids)
            result.add(batch)
            if done:
                break
    with transaction.atomic():
        state.watermark = datetime.datetime.fromisoformat(cursor["end"])
        state.cursor = {}
        FeedState.objects.filter(pk=state.pk).update(watermark=state.watermark, cursor={})
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _jvn_files(*, client: FeedHttpClient, state: FeedState, result: ImportResult) -> None:
    checksum_url = feed_url("jvn_checksum")
    entries = parse_checksum(client.get(checksum_url).content, file=checksum_url)
    for entry in entries:
        if not JVN_DETAIL_FILE_RE.match(entry.filename):
            continue
        if state.file_hashes.get(entry.filename) == entry.sha256:
            continue  # unchanged since it was loaded (or loaded before an interruption)
        path = client.download(entry.url).path
        if path is None:
            # Only a conditional request gets 304 Not Modified, and this one is not conditional.
            raise FeedError("the server answered 304 Not Modified to an unconditional request", file=entry.url)
        try:
            actual = _sha256(path)
            if actual != entry.sha256:
                raise FeedError(
                    f"sha256 {actual} does not match checksum.txt ({entry.sha256}); file not loaded", file=entry.url
                )
            with transaction.atomic():
                batch = upsert_vulnerabilities(iter_jvn_detail(path, file=entry.url), source="jvn", file=entry.url)
                batch.pages = 1
                state.file_hashes = {**state.file_hashes, entry.filename: entry.sha256}
                FeedState.objects.filter(pk=state.pk).update(file_hashes=state.file_hashes)
                announce_changes_on_commit(batch.changed_ids)
            result.add(batch)
        finally:
            path.unlink(missing_ok=True)


def _jvn_query(params: dict) -> str:
    # MyJVN joins several vulnId values with a literal "+", so the query is built by hand.
    return "&".join(f"{key}={value}" for key, value in params.items())


def _jvn_api(*, client: FeedHttpClient, state: FeedState, now: datetime.datetime, result: ImportResult) -> None:
    api = feed_url("jvn_api")
    cursor = dict(state.cursor or {})
    if cursor.get("phase") != "api":
        start = (state.watermark or now - datetime.timedelta(days=7)).astimezone(
            datetime.timezone(datetime.timedelta(hours=9))
        ).date() - datetime.timedelta(days=1)
        end = now.astimezone(datetime.timezone(datetime.timedelta(hours=9))).date()
        cursor = {
            "phase": "api",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "start_item": 1,
            "now": now.isoformat(),
        }
        _save_cursor(state, cursor)
    else:
        result.messages.append(f"resumed JVN API walk at startItem {cursor['start_item']}")
    start = datetime.date.fromisoformat(cursor["start"])
    end = datetime.date.fromisoformat(cursor["end"])
    while True:
        params = {
            "method": "getVulnOverviewList",
            "feed": "hnd",
            "lang": "ja",
            "rangeDatePublic": "n",
            "rangeDateFirstPublished": "n",
            "rangeDatePublished": "n",
            "datePublishedStartY": start.year,
            "datePublishedStartM": start.month,
            "datePublishedStartD": start.day,
            "datePublishedEndY": end.year,
            "datePublishedEndM": end.month,
            "datePublishedEndD": end.day,
            "startItem": cursor["start_item"],
            "maxCountItem": JVN_OVERVIEW_PAGE,
        }
        url = f"{api}?{_jvn_query(params)}"
        overview = parse_jvn_overview(client.get(url).content, file=url)
        result.messages.extend(overview.recovered)
        ids = list(dict.fromkeys(item.vuln_id for item in overview.items))
        records: list[VulnRecord] = []
        for offset in range(0, len(ids), JVN_DETAIL_IDS):
            detail_params = {
                "method": "getVulnDetailInfo",
                "feed": "hnd",
                "lang": "ja",
                "vulnId": "+".join(ids[offset : offset + JVN_DETAIL_IDS]),
                "maxCountItem": JVN_DETAIL_IDS,
            }
            detail_url = f"{api}?{_jvn_query(detail_params)}"
            records.extend(iter_jvn_detail(client.get(detail_url).content, file=detail_url))
        total = overview.status.total_res if overview.status and overview.status.total_res is not None else len(ids)
        next_item = cursor["start_item"] + len(overview.items)
        done = not overview.items or next_item > total
        with transaction.atomic():
            batch = upsert_vulnerabilities(records, source="jvn", file=f"getVulnDetailInfo for {url}")
            batch.pages = 1
            cursor = {**cursor, "start_item": next_item}
            _save_cursor(state, {} if done else cursor)
            announce_changes_on_commit(batch.changed_ids)
        result.add(batch)
        if done:
            break
    state.watermark = datetime.datetime.fromisoformat(cursor["now"])
    FeedState.objects.filter(pk=state.pk).update(watermark=state.watermark, cursor={})


def sync_jvn(
    *, client: FeedHttpClient, now: datetime.datetime | None = None, result: ImportResult | None = None
) -> ImportResult:
    """Load changed yearly detail files (checksum.txt), then the entries updated since the last run."""
    state = feed_state("jvn")
    now = now or timezone.now()
    if state.cursor.get("phase") == "api" and state.cursor.get("now"):
        now = datetime.datetime.fromisoformat(state.cursor["now"])
    result = result if result is not None else ImportResult(source="jvn")
    _jvn_files(client=client, state=state, result=result)
    _jvn_api(client=client, state=state, now=now, result=result)
    return result


def _sync_whole_file(
    *, source: str, client: FeedHttpClient, load: Callable[[Path, str], ImportResult]
) -> tuple[ImportResult, bool]:
    state = feed_state(source)
    url = feed_url(source)
    downloaded = client.download(url, etag=state.etag, last_modified=state.http_last_modified)
    result = ImportResult(source=source)
    if downloaded.path is None:
        result.messages.append(f"{url}: 304 Not Modified")
        return result, False
    try:
        with transaction.atomic():
            result = load(downloaded.path, url)
            result.pages = 1
            # The validators are stored with the data: a run killed before commit downloads again.
            FeedState.objects.filter(pk=state.pk).update(
                etag=downloaded.etag, http_last_modified=downloaded.last_modified
            )
            announce_changes_on_commit(result.changed_ids)
    finally:
        downloaded.path.unlink(missing_ok=True)
    return result, True


def sync_kev(*, client: FeedHttpClient) -> tuple[ImportResult, bool]:
    return _sync_whole_file(
        source="kev",
        client=client,
        load=lambda path, url: replace_known_exploited(parse_kev(path.read_bytes(), file=url).records),
    )


def sync_epss(*, client: FeedHttpClient) -> tuple[ImportResult, bool]:
    return _sync_whole_file(source="epss", client=client, load=lambda path, url: upsert_epss(iter_epss(path, file=url)))


def sync_feeds(
    *, sources: list[str] | None = None, client: FeedHttpClient | None = None, now: datetime.datetime | None = None
) -> dict[str, ImportResult]:
    """Sync the given feeds (all by default), recording a FeedRun each; errors are recorded and re-raised
    after the other feeds had their turn."""
    own_client = client is None
    client = client or FeedHttpClient()
    results: dict[str, ImportResult] = {}
    failures: list[str] = []
    try:
        for source in sources or SOURCES:
            run = start_run(source=source, kind="sync")
            result = ImportResult(source=source)
            try:
                status = FeedRunStatus.SUCCESS
                if source == "nvd":
                    sync_nvd(client=client, now=now, result=result)
                elif source == "jvn":
                    sync_jvn(client=client, now=now, result=result)
                elif source == "csaf":
                    sync_csaf(client=client, now=now, result=result)
                else:
                    result, modified = (sync_kev if source == "kev" else sync_epss)(client=client)
                    status = FeedRunStatus.SUCCESS if modified else FeedRunStatus.NOT_MODIFIED
            except (FeedError, FeedHttpError) as exc:
                finish_run(run, result=result, status=FeedRunStatus.FAILED, error=str(exc))
                failures.append(f"{source}: {exc}")
                feed_sync_failed.send(sender=FeedRun, source=source, run_id=run.pk, error=str(exc))
                logger.error("feed sync %s failed: %s", source, exc)
                continue
            finish_run(run, result=result, status=status)
            results[source] = result
    finally:
        if own_client:
            client.close()
    if failures:
        raise FeedSyncError(failures, results)
    return results


class FeedSyncError(Exception):
    """One or more feeds failed; the others were synced (their results are in `results`)."""

    def __init__(self, failures: list[str], results: dict[str, ImportResult]) -> None:
        self.failures = failures
        self.results = results
        super().__init__("; ".join(failures))
