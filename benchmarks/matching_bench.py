"""Benchmark installed-base matching on the database made by matching_generate.py.

    .venv/bin/python benchmarks/matching_bench.py [--db var/bench/matching.sqlite3] [--out FILE]

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

import json
import os
import platform
import resource
import time
from pathlib import Path

from matching_common import apply_one_day_of_changes, open_database, parse_arguments, time_exposure_pages


def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0], requests=True)
    open_database(args.db, web=True)

    from kokuchi.catalog.models import Product
    from kokuchi.customers.models import Customer
    from kokuchi.devices.models import Device
    from kokuchi.exposures.followup import act_on_new_exposures
    from kokuchi.exposures.models import Exposure, Notice, WorkItem
    from kokuchi.exposures.runs import match_all, match_vulnerabilities_changed_since_last_run
    from kokuchi.vulnerabilities.models import Vulnerability

    result: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "database": "SQLite (WAL)"},
        "data": {
            "devices": Device.objects.count(),
            "customers": Customer.objects.count(),
            "products": Product.objects.count(),
            "vulnerabilities": Vulnerability.objects.count(),
        },
    }
    print(result["data"], flush=True)
    Exposure.objects.all().delete()

    started = time.perf_counter()
    baseline = match_all(notify=False)
    result["baseline_full_match"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "created": len(baseline.created),
        "pairs": baseline.pairs_evaluated,
        "vulnerabilities_examined": baseline.vulnerabilities_examined,
    }
    print("baseline", result["baseline_full_match"], flush=True)

    started = time.perf_counter()
    again = match_all(notify=False)
    result["full_match"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "created": len(again.created),
        "unchanged": again.unchanged,
        "resolved": len(again.resolved_by_update) + len(again.no_longer_matches),
        "pairs": again.pairs_evaluated,
        "vulnerabilities_examined": again.vulnerabilities_examined,
        "limit_seconds": 60,
    }
    result["peak_rss_mb_after_full_matches"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["exposures"] = Exposure.objects.count()
    print("full", result["full_match"], result["peak_rss_mb_after_full_matches"], flush=True)

    changed = apply_one_day_of_changes(7)
    notices_before, work_before = Notice.objects.count(), WorkItem.objects.count()
    started = time.perf_counter()
    day = match_vulnerabilities_changed_since_last_run(notify=False)
    match_seconds = time.perf_counter() - started
    started = time.perf_counter()
    act_on_new_exposures(exposure_pks=day.newly_open)
    act_seconds = time.perf_counter() - started
    result["incremental_one_day"] = {
        "seconds": round(match_seconds, 2),
        "who_acts_seconds": round(act_seconds, 2),
        "changed_vulnerabilities": len(changed),
        "vulnerabilities_examined": day.vulnerabilities_examined,
        "created": len(day.created),
        "reopened": len(day.reopened),
        "resolved": len(day.resolved_by_update) + len(day.no_longer_matches),
        "notices_created": Notice.objects.count() - notices_before,
        "work_items_created": WorkItem.objects.count() - work_before,
        "limit_seconds": 5,
    }
    print("incremental", result["incremental_one_day"], flush=True)

    result["pages_ms"], result["largest_customer_devices"] = time_exposure_pages(args.requests)
    print("pages", result["pages_ms"], flush=True)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
