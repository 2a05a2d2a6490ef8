"""A polite HTTP client for the feeds: rate limits, backoff on 403/408/429/5xx, conditional GET.

Sleep and clock are injectable so that tests never wait. NVD throttles with 403 (and sometimes
503); the client honours Retry-After when the server sends it and otherwise backs off
exponentially. Every request has an explicit timeout.
"""

from __future__ import annotations

import collections
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({403, 408, 429, 500, 502, 503, 504})
USER_AGENT = "Kokuchi vulnerability feed sync (+https://jvndb.jvn.jp/apis/termsofuse.html)"


class FeedHttpError(Exception):
    """A request failed for good (after retries), naming the URL and the last status or error."""

    def __init__(self, url: str, detail: str) -> None:
        self.url = url
        super().__init__(f"{url}: {detail}")


class RateLimiter:
    """At most `max_calls` requests in any rolling `period` seconds (NVD: 5/30 s, 50/30 s with a key)."""

    def __init__(
        self,
        max_calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_calls = max_calls
        self.period = period
        self.clock = clock
        self.sleep = sleep
        self.calls: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        now = self.clock()
        while self.calls and now - self.calls[0] >= self.period:
            self.calls.popleft()
        if len(self.calls) >= self.max_calls:
            delay = self.period - (now - self.calls[0])
            if delay > 0:
                self.sleep(delay)
            self.calls.popleft()
        self.calls.append(self.clock())


@dataclass(frozen=True)
class Downloaded:
    """A conditional download: `path` is None when the server answered 304 Not Modified."""

    path: Path | None
    etag: str
    last_modified: str


class FeedHttpClient:
    """Wrap an httpx.Client with retries and optional rate limiting."""

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 5,
        backoff_base: float = 6.0,
        max_backoff: float = 300.0,
        timeout: float = 60.0,
    ) -> None:
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})
        self.sleep = sleep
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                return min(float(retry_after), self.max_backoff)
        return min(self.backoff_base * (2**attempt), self.max_backoff)

    def _send(
        self, method: str, url: str, *, stream_to: Path | None = None, limiter: RateLimiter | None = None, **kwargs
    ) -> httpx.Response:
        last = ""
        for attempt in range(self.max_retries + 1):
            if limiter is not None:
                limiter.wait()
            self.requests += 1
            response = None
            try:
                if stream_to is None:
                    response = self.client.request(method, url, timeout=self.timeout, **kwargs)
                    response.read()
                else:
                    with self.client.stream(method, url, timeout=self.timeout, **kwargs) as response:
                        if response.status_code == 200:
                            with open(stream_to, "wb") as out:
                                for chunk in response.iter_bytes(1 << 20):
                                    out.write(chunk)
                        else:
                            response.read()
            except httpx.TransportError as exc:  # includes a body cut short (RemoteProtocolError)
                last = f"{type(exc).__name__}: {exc}"
                response = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    if response.status_code >= 400:
                        raise FeedHttpError(str(response.request.url), f"HTTP {response.status_code}")
                    return response
                last = f"HTTP {response.status_code}"
            if attempt < self.max_retries:
                delay = self._delay(attempt, response)
                logger.warning("feed request %s failed (%s); retrying in %.0f s", url, last, delay)
                self.sleep(delay)
        raise FeedHttpError(url, f"{last} after {self.max_retries + 1} attempts")

    def get(self, url: str, *, params=None, headers=None, limiter: RateLimiter | None = None) -> httpx.Response:
        return self._send("GET", url, params=params, headers=headers or {}, limiter=limiter)

    def download(
        self, url: str, *, etag: str = "", last_modified: str = "", directory: Path | None = None
    ) -> Downloaded:
        """GET `url` into a temporary file, conditionally (If-None-Match / If-Modified-Since)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed at once; only the name is used
            prefix="kokuchi-feed-", suffix="-" + url.rsplit("/", 1)[-1], dir=directory, delete=False
        )
        handle.close()
        path = Path(handle.name)
        try:
            response = self._send("GET", url, headers=headers, stream_to=path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if response.status_code == 304:
            path.unlink(missing_ok=True)
            return Downloaded(path=None, etag=etag, last_modified=last_modified)
        return Downloaded(
            path=path, etag=response.headers.get("ETag", ""), last_modified=response.headers.get("Last-Modified", "")
        )
