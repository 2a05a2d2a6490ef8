"""Benchmark installed-base matching on the database made by matching_generate.py.

    /work/venv/bin/python benchmarks/matching_bench.py [--db var/bench/matching.sqlite3] [--out FILE]

Measures, in one process, on SQLite:

1. baseline: the first full match, creating every exposure (no notices: a first load);
2. full re-match (``kokuchi match --full`` in steady state: recompute all, report the difference);
3. one day of feed changes: 300 vulnerabilities changed (30 on catalogue products whose range
   end NVD corrects from "excluding" to "including", 270 elsewhere), matched incrementally by
   ``changed_at`` (``seconds``), then work items, leads and notices made for the newly open
   exposures (``who_acts_seconds``, reported apart);
4. the staff exposure list page (and a customer's page) through Django's test client: p50/p95.

Peak RSS is the process's ru_maxrss after step 2. Figures go to benchmarks/results/matching.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "matching.sqlite3"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "matching.json"))
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ["KOKUCHI_DEBUG"] = "0"
    os.environ.setdefault("KOKUCHI_SECRET_KEY", "benchmark-only")
    os.environ["KOKUCHI_ALLOWED_HOSTS"] = "testserver"
    os.environ["KOKUCHI_SECURE_COOKIES"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from kokuchi.catalog.models import Product
    from kokuchi.customers.models import Customer
    from kokuchi.devices.models import Device
    from kokuchi.vulnerabilities import services
    from kokuchi.vulnerabilities.models import Exposure, Notice, Vulnerability, WorkItem

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-200000")
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "database": "SQLite (WAL)"},
        "data": {"devices": Device.objects.count(), "customers": Customer.objects.count(),
                 "products": Product.objects.count(), "vulnerabilities": Vulnerability.objects.count()},
    }
    print(result["data"], flush=True)
    Exposure.objects.all().delete()

    started = time.perf_counter()
    baseline = services.match_all(notify=False)
    result["baseline_full_match"] = {"seconds": round(time.perf_counter() - started, 2),
                                     "created": len(baseline.created), "pairs": baseline.pairs_evaluated,
                                     "vulnerabilities_examined": baseline.vulnerabilities_examined}
    print("baseline", result["baseline_full_match"], flush=True)

    started = time.perf_counter()
    again = services.match_all(notify=False)
    result["full_match"] = {"seconds": round(time.perf_counter() - started, 2), "created": len(again.created),
                            "unchanged": again.unchanged, "resolved": len(again.resolved_by_update)
                            + len(again.no_longer_matches), "pairs": again.pairs_evaluated,
                            "vulnerabilities_examined": again.vulnerabilities_examined,
                            "limit_seconds": 60}
    result["peak_rss_mb_after_full_matches"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["exposures"] = Exposure.objects.count()
    print("full", result["full_match"], result["peak_rss_mb_after_full_matches"], flush=True)

    rng = random.Random(7)
    relevant = list(Vulnerability.objects.filter(cpe_index__part__in=["o", "h"]).exclude(
        cpe_index__vendor__startswith="othervendor").exclude(vuln_id__startswith="JVNDB-").distinct().values_list(
        "pk", flat=True))
    others = list(Vulnerability.objects.filter(cpe_index__vendor__startswith="othervendor").values_list(
        "pk", flat=True)[:20000])
    changed = rng.sample(relevant, 30) + rng.sample(others, 270)
    now = timezone.now()
    for vuln in Vulnerability.objects.filter(pk__in=changed):
        for config in vuln.configurations:
            for node in config["nodes"]:
                for entry in node["cpeMatch"]:
                    if entry.get("vulnerable") and "versionEndExcluding" in entry:
                        # NVD corrects "fixed in X" to "up to and including X": devices on X join.
                        entry["versionEndIncluding"] = entry.pop("versionEndExcluding")
        Vulnerability.objects.filter(pk=vuln.pk).update(configurations=vuln.configurations, changed_at=now)
    notices_before, work_before = Notice.objects.count(), WorkItem.objects.count()
    started = time.perf_counter()
    day = services.match_vulnerabilities_changed_since_last_run(notify=False)
    match_seconds = time.perf_counter() - started
    started = time.perf_counter()
    services.act_on_new_exposures(exposure_pks=day.newly_open)
    act_seconds = time.perf_counter() - started
    result["incremental_one_day"] = {"seconds": round(match_seconds, 2),
                                     "who_acts_seconds": round(act_seconds, 2),
                                     "changed_vulnerabilities": len(changed),
                                     "vulnerabilities_examined": day.vulnerabilities_examined,
                                     "created": len(day.created), "reopened": len(day.reopened),
                                     "resolved": len(day.resolved_by_update) + len(day.no_longer_matches),
                                     "notices_created": Notice.objects.count() - notices_before,
                                     "work_items_created": WorkItem.objects.count() - work_before,
                                     "limit_seconds": 5}
    print("incremental", result["incremental_one_day"], flush=True)

    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    biggest = Device.objects.values("customer_id").order_by().annotate(
        n=django.db.models.Count("pk")).order_by("-n").first()
    pages = {
        "exposure_list": lambda i: f"/vulnerabilities/exposures/?status=open&page={1 + i % 5}",
        "exposure_list_urgent": lambda i: "/vulnerabilities/exposures/?status=open&priority=1",
        "exposure_list_customer": lambda i: f"/vulnerabilities/exposures/?status=open&customer=B{i * 37:06d}",
        "largest_customer_page": lambda i: f"/vulnerabilities/customers/{biggest['customer_id']}/exposures/",
    }
    result["pages_ms"] = {}
    for name, url in pages.items():
        timings = []
        for i in range(args.requests):
            started = time.perf_counter()
            response = client.get(url(i))
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url(i), response.status_code)
        timings.sort()
        result["pages_ms"][name] = {"p50": round(statistics.median(timings), 1),
                                    "p95": round(timings[int(len(timings) * 0.95) - 1], 1), "requests": len(timings)}
    result["pages_ms"]["limit_p95"] = 200
    result["largest_customer_devices"] = biggest["n"]
    print("pages", result["pages_ms"], flush=True)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
