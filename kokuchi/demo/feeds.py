"""Demo feeds: the real feed samples packaged under kokuchi/vulnerabilities/tests/data/feeds
(see SOURCES.md there) imported as an offline import would, so that the demo devices have
exposures and the disclosures state what Kokuchi knows at issue (S-RISK, S-VULN)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kokuchi.vulnerabilities.feeds.importer import import_feed_files

FEEDS_DIR = Path(__file__).resolve().parent.parent / "vulnerabilities" / "tests" / "data" / "feeds"

# Per source, the sample files whose records name the demo products (SOURCES.md: origin of each).
DEMO_FEED_FILES: dict[str, tuple[str, ...]] = {
    "nvd": tuple(f"nvd/cve-records/{path.name}" for path in sorted((FEEDS_DIR / "nvd" / "cve-records").glob("*.json"))),
    "jvn": (
        "jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml",
        "jvn/jvndb-feed-fixtures/detail/jvndb_detail_2021.rdf",
        "jvn/jvndb-feed-fixtures/detail/jvndb_detail_2022.rdf",
        "jvn/jvndb-feed-fixtures/detail/jvndb_detail_2023.rdf",
    ),
    "kev": ("kev/known_exploited_vulnerabilities.json",),
}


@dataclass
class FeedLoadSummary:
    """Per source: files imported and records created or changed."""

    files: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)


def load_demo_feeds() -> FeedLoadSummary:
    """Import the packaged samples (one FeedRun per source; a second run changes nothing but
    records a new successful import, so the demo's feeds count as current)."""
    summary = FeedLoadSummary()
    for source, files in DEMO_FEED_FILES.items():
        result = import_feed_files(source=source, paths=[FEEDS_DIR / name for name in files], parallel=False)
        summary.files[source] = len(files)
        summary.changed[source] = result.changed
    return summary
