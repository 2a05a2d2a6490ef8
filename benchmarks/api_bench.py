"""REST API speed at the matching benchmark's scale: p50/p95 of the list endpoints (first page and
a page deep in the cursor) and a bulk upsert of 10,000 devices (created, then all updated).

    .venv/bin/python benchmarks/matching_generate.py --db var/bench/api.sqlite3 [--scale 1.0]
    .venv/bin/python benchmarks/api_bench.py --db var/bench/api.sqlite3 [--requests 60]

Exposures are matched first when the database has none (timed apart, not part of the goal).
Goals: every list p95 ≤ 100 ms; the bulk upsert of 10,000 devices ≤ 10 s. Results go to
benchmarks/results/api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from matching_common import ROOT, add_to_results, open_database

BULK_ITEMS = 10_000


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "api.sqlite3"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "api.json"))
    parser.add_argument("--requests", type=int, default=60, help="requests per list")
    return parser.parse_args()


def percentiles(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {
        "p50": round(statistics.median(timings), 1),
        "p95": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "requests": len(timings),
    }


def main() -> None:
    args = parse_arguments()
    open_database(args.db, web=True)
    from django.db.models import Count
    from django.test import Client

    from kokuchi.api.models import RESOURCES, Access, Integration
    from kokuchi.api.tokens import create_integration, create_token
    from kokuchi.catalog.models import Product
    from kokuchi.core.roles import Role
    from kokuchi.customers.models import Customer
    from kokuchi.devices.models import Device
    from kokuchi.exposures.models import Exposure
    from kokuchi.exposures.runs import match_all

    figures: dict = {
        "data": {
            "devices": Device.objects.count(),
            "customers": Customer.objects.count(),
            "products": Product.objects.count(),
        }
    }
    if not Exposure.objects.exists():
        started = time.perf_counter()
        match_all(notify=False)
        figures["matching_seconds_before"] = round(time.perf_counter() - started, 1)
    else:
        figures["matching_seconds_before"] = None  # matched by an earlier run (matching_bench.py)
    figures["data"]["exposures"] = Exposure.objects.count()
    load_at_start = tuple(round(value, 2) for value in os.getloadavg())

    integration = Integration.objects.filter(name="bench").first() or create_integration(
        name="bench", role=Role.ADMIN, created_by=None
    )
    secret = create_token(
        integration=integration, scopes={r: Access.WRITE for r in RESOURCES}, days=1, created_by=None
    ).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    biggest = Device.objects.order_by().values("customer_id").annotate(n=Count("pk")).order_by("-n").first()
    customer_codes = list(Customer.objects.order_by("pk").values_list("customer_code", flat=True)[::97])
    customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[::97])

    lists = {
        "devices": lambda i: "/api/v1/devices/",
        "devices_of_customer": lambda i: f"/api/v1/devices/?customer={customer_ids[i % len(customer_ids)]}",
        "devices_of_largest_customer": lambda i: f"/api/v1/devices/?customer={biggest['customer_id']}",
        "customers": lambda i: "/api/v1/customers/",
        "products": lambda i: "/api/v1/products/",
        "exposures_open": lambda i: "/api/v1/exposures/?status=open",
        "exposures_urgent": lambda i: "/api/v1/exposures/?status=open&priority=1",
        "exposures_of_customer": lambda i: (
            f"/api/v1/exposures/?status=open&customer={customer_codes[i % len(customer_codes)]}"
        ),
        "devices_by_delivered_on": lambda i: "/api/v1/devices/?ordering=delivered_on",
        "devices_by_delivered_on_desc": lambda i: "/api/v1/devices/?ordering=-delivered_on",
        "devices_by_serial": lambda i: "/api/v1/devices/?ordering=serial_number",
        "exposures_open_by_priority_desc": lambda i: "/api/v1/exposures/?status=open&ordering=-priority",
        "exposures_by_first_matched_desc": lambda i: "/api/v1/exposures/?ordering=-first_matched_at",
        "customers_by_name": lambda i: "/api/v1/customers/?ordering=name",
        "contracts": lambda i: "/api/v1/contracts/",
        "notices": lambda i: "/api/v1/notices/",
        "deals": lambda i: "/api/v1/deals/",
    }
    pages: dict = {}
    for name, url in lists.items():
        timings = []
        for i in range(args.requests):
            started = time.perf_counter()
            response = client.get(url(i))
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url(i), response.status_code, response.content[:300])
        pages[name] = percentiles(timings)
    # A page deep in the cursor: follow `next` 20 pages, then time that page.
    deep: list[float] = []
    url = "/api/v1/devices/?page_size=100"
    for _ in range(20):
        url = client.get(url).json()["next"]
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        deep.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    pages["devices_page_21_of_100"] = percentiles(deep)
    # The same deep in a sorted list: the cursor holds (value, id), the index (field, id) seeks.
    deep = []
    url = "/api/v1/exposures/?status=open&ordering=-priority&page_size=100"
    for _ in range(20):
        url = client.get(url).json()["next"]
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        deep.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    pages["exposures_by_priority_page_21_of_100"] = percentiles(deep)
    pages["limit_p95"] = 100
    figures["lists_ms"] = pages

    products = list(Product.objects.order_by("pk").values_list("pk", flat=True)[:200])
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:500])
    run = int(time.time())
    items = [
        {
            "product": products[i % len(products)],
            "customer": customers[i % len(customers)],
            "serial_number": f"APIBENCH-{run}-{i:05d}",
            "installation_site": "本社",
            "firmware_at_sale": "1.0.0",
        }
        for i in range(BULK_ITEMS)
    ]
    bulk: dict = {"items": BULK_ITEMS, "limit_seconds": 10}
    for label, site in (("create_seconds", "本社"), ("update_seconds", "大阪支店")):
        for item in items:
            item["installation_site"] = site
        body = json.dumps({"items": items})
        started = time.perf_counter()
        response = client.post("/api/v1/devices/bulk-upsert/", body, content_type="application/json")
        bulk[label] = round(time.perf_counter() - started, 2)
        assert response.status_code == 200, response.content[:500]
        answer = response.json()
        bulk[label.replace("seconds", "counts")] = {key: len(value) for key, value in answer.items()}
    figures["bulk_upsert"] = bulk
    figures["notes"] = [
        "Django test client in-process (no HTTP server), SQLite (WAL), production settings (DEBUG off).",
        f"Load average (1, 5, 15 min) when the lists were timed: {load_at_start}.",
    ]
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    for key, value in figures.items():
        add_to_results(args.out, key, value)


if __name__ == "__main__":
    Path(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    main()
