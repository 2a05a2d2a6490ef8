"""Re-measure only the staff exposure pages on an existing benchmark database (p50/p95).

    /work/venv/bin/python benchmarks/matching_pages.py [--db …] [--requests 60] [--out FILE]

The result is added under "pages_ms_rerun" to the results file.
"""

from __future__ import annotations

import argparse
import json
import os
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
    from django.contrib.auth.models import User
    from django.db.models import Count
    from django.test import Client

    from kokuchi.devices.models import Device

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    biggest = Device.objects.order_by().values("customer_id").annotate(n=Count("pk")).order_by("-n").first()
    pages = {
        "exposure_list": lambda i: f"/vulnerabilities/exposures/?status=open&page={1 + i % 5}",
        "exposure_list_urgent": lambda i: "/vulnerabilities/exposures/?status=open&priority=1",
        "exposure_list_customer": lambda i: f"/vulnerabilities/exposures/?status=open&customer=B{i * 37:06d}",
        "largest_customer_page": lambda i: f"/vulnerabilities/customers/{biggest['customer_id']}/exposures/",
    }
    figures = {}
    for name, url in pages.items():
        timings = []
        for i in range(args.requests):
            started = time.perf_counter()
            response = client.get(url(i))
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url(i), response.status_code)
        timings.sort()
        figures[name] = {"p50": round(statistics.median(timings), 1),
                         "p95": round(timings[int(len(timings) * 0.95) - 1], 1), "requests": len(timings)}
    figures["limit_p95"] = 200
    print(figures)
    out = Path(args.out)
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    result["pages_ms_rerun"] = figures
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
