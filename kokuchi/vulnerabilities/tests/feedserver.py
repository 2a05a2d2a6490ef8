"""A real HTTP server on 127.0.0.1 serving the feed samples, for the online sync tests."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from kokuchi.vulnerabilities.tests.feedsamples import sample

Response = tuple[int, dict[str, str], bytes]


class FeedServer:
    """Routes: path → handler(query, headers) → (status, headers, body). Every request is logged."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[dict, dict], Response]] = {}
        self.log: list[tuple[str, dict, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                url = urlsplit(self.path)
                # Keep a literal "+" (MyJVN joins vulnId values with it).
                query = {k: v[0] for k, v in parse_qs(url.query.replace("+", "%2B")).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.log.append((url.path, query, headers))
                handler = server.routes.get(url.path)
                status, extra, body = handler(query, headers) if handler else (404, {}, b"not found")
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.log]


NVD_PAGES = {
    0: "nvd/api-cve-pages/3_pages/0-3.json",
    3: "nvd/api-cve-pages/3_pages/3-3.json",
    6: "nvd/api-cve-pages/3_pages/6-3.json",
}


def nvd_route(fail_at: dict | None = None) -> Callable[[dict, dict], Response]:
    """Serve the real 3-page sequence by startIndex; `fail_at[startIndex] = status` makes that page fail."""
    fail_at = fail_at if fail_at is not None else {}

    def handle(query, headers):
        start = int(query.get("startIndex", 0))
        if start in fail_at:
            return fail_at[start], {}, b"{}"
        return 200, {"Content-Type": "application/json"}, sample(NVD_PAGES[start]).read_bytes()

    return handle


JVN_DETAIL_FILES = ("jvndb_detail_2021.rdf", "jvndb_detail_2022.rdf", "jvndb_detail_2023.rdf")


def jvn_checksum(base: str, contents: dict[str, bytes]) -> bytes:
    """checksum.txt in JVN's format (real entries for the other files kept) for the served detail files."""
    entries = json.loads(sample("jvn/jvndb-feed-fixtures/detail/checksum.txt").read_bytes())
    for entry in entries:
        if entry["filename"] in contents:
            entry["url"] = f"{base}/ja/feed/detail/{entry['filename']}"
            entry["sha256"] = hashlib.sha256(contents[entry["filename"]]).hexdigest()
            entry["size"] = len(contents[entry["filename"]])
    return json.dumps(entries, indent=4).encode()


def _detail_document(ids: list[str]) -> bytes:
    """A getVulnDetailInfo answer made of the real Vulinfo elements of the sample detail feed."""
    tree = etree.fromstring(sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml").read_bytes())
    for vulinfo in list(tree):
        if vulinfo.tag.endswith("Vulinfo") and vulinfo.findtext("{*}VulinfoID") not in ids:
            tree.remove(vulinfo)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


OVERVIEW_IDS = ["JVNDB-2022-000097", "JVNDB-2021-002774"]


def _overview_document() -> bytes:
    """The real getVulnOverviewList answer, with its two items pointing at entries we have details for."""
    data = sample("jvn/myjvn-api-examples/hnd/getVulnOverviewList_hnd.xml").read_bytes()
    data = data.replace(b"JVNDB-2025-002953", OVERVIEW_IDS[0].encode()).replace(
        b"JVNDB-2025-002884", OVERVIEW_IDS[1].encode()
    )
    return re.sub(rb'totalRes="6"', b'totalRes="2"', data)


def add_jvn_routes(server: FeedServer, contents: dict[str, bytes] | None = None, fail: set[str] | None = None):
    contents = (
        contents
        if contents is not None
        else {name: sample(f"jvn/jvndb-feed-fixtures/detail/{name}").read_bytes() for name in JVN_DETAIL_FILES}
    )
    fail = fail if fail is not None else set()
    server.routes["/ja/feed/checksum.txt"] = lambda q, h: (200, {}, jvn_checksum(server.base, contents))
    for name in JVN_DETAIL_FILES:
        server.routes[f"/ja/feed/detail/{name}"] = lambda q, h, name=name: (
            (503, {}, b"busy") if name in fail else (200, {}, contents[name])
        )

    def myjvn(query, headers):
        if query["method"] == "getVulnOverviewList":
            return 200, {}, _overview_document()
        return 200, {}, _detail_document(query["vulnId"].split("+"))

    server.routes["/myjvn"] = myjvn
    return contents


def feed_urls(base: str) -> dict[str, str]:
    return {
        "nvd": f"{base}/rest/json/cves/2.0",
        "jvn_checksum": f"{base}/ja/feed/checksum.txt",
        "jvn_api": f"{base}/myjvn",
        "kev": f"{base}/feeds/known_exploited_vulnerabilities.json",
        "epss": f"{base}/epss_scores-current.csv.gz",
    }
