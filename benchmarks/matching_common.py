"""What the matching benchmark scripts share: their arguments, opening the benchmark database made
by matching_generate.py, one day of feed changes, timing the staff exposure pages, and adding
figures to the results file."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_arguments(description: str, *, requests: bool = False, seed: int | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "matching.sqlite3"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "matching.json"))
    if requests:
        parser.add_argument("--requests", type=int, default=60, help="requests per page")
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed, help="which vulnerabilities change")
    return parser.parse_args()


def open_database(db: str, *, web: bool = False) -> None:
    """Point Django at the benchmark's SQLite file and set it up (WAL, a 200 MB page cache).
    `web`: production settings (DEBUG off) for timing pages through the test client."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    if web:
        os.environ["KOKUCHI_DEBUG"] = "0"
        os.environ.setdefault("KOKUCHI_SECRET_KEY", "benchmark-only-" + "abcdefghijklmnopqrstuvwxyz0123456789")
        os.environ["KOKUCHI_ALLOWED_HOSTS"] = "testserver"
        os.environ["KOKUCHI_SECURE_COOKIES"] = "0"
    else:
        os.environ.setdefault("KOKUCHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # Pages render without `collectstatic`: the hashed-manifest storage would refuse every
    # {% static %} of an uncollected tree.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-200000")


def apply_one_day_of_changes(seed: int) -> list[int]:
    """Change 300 vulnerabilities as one day of NVD updates does and return their pks: 30 on
    catalogue products whose range end NVD corrects from "excluding" to "including" (devices on
    that version join), 270 elsewhere."""
    from django.utils import timezone

    from kokuchi.vulnerabilities.models import Vulnerability

    rng = random.Random(seed)
    relevant = list(
        Vulnerability.objects.filter(cpe_index__part__in=["o", "h"])
        .exclude(cpe_index__vendor__startswith="othervendor")
        .exclude(vuln_id__startswith="JVNDB-")
        .distinct()
        .values_list("pk", flat=True)
    )
    others = list(
        Vulnerability.objects.filter(cpe_index__vendor__startswith="othervendor").values_list("pk", flat=True)[:20000]
    )
    changed = rng.sample(relevant, 30) + rng.sample(others, 270)
    now = timezone.now()
    for vuln in Vulnerability.objects.filter(pk__in=changed):
        for config in vuln.configurations:
            for node in config["nodes"]:
                for entry in node["cpeMatch"]:
                    if entry.get("vulnerable") and "versionEndExcluding" in entry:
                        entry["versionEndIncluding"] = entry.pop("versionEndExcluding")
        Vulnerability.objects.filter(pk=vuln.pk).update(configurations=vuln.configurations, changed_at=now)
    return changed


def time_exposure_pages(requests: int) -> tuple[dict, int]:
    """p50/p95 in ms of the staff exposure pages (as the user "bench"), and the device count of
    the largest customer, whose page is one of them."""
    from django.contrib.auth.models import User
    from django.db.models import Count
    from django.test import Client

    from kokuchi.devices.models import Device

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    biggest = Device.objects.order_by().values("customer_id").annotate(n=Count("pk")).order_by("-n").first()
    pages = {
        "exposure_list": lambda i: f"/exposures/?status=open&page={1 + i % 5}",
        "exposure_list_urgent": lambda i: "/exposures/?status=open&priority=1",
        "exposure_list_customer": lambda i: f"/exposures/?status=open&customer=B{i * 37:06d}",
        "largest_customer_page": lambda i: f"/exposures/customers/{biggest['customer_id']}/",
    }
    figures: dict = {}
    for name, url in pages.items():
        timings = []
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(url(i))
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url(i), response.status_code)
        timings.sort()
        figures[name] = {
            "p50": round(statistics.median(timings), 1),
            "p95": round(timings[int(len(timings) * 0.95) - 1], 1),
            "requests": len(timings),
        }
    figures["limit_p95"] = 200
    return figures, biggest["n"]


def add_to_results(out: str, key: str, figures: dict) -> None:
    """Store `figures` under `key` in the results file, keeping its other entries."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    result[key] = figures
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
