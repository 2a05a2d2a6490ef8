"""Benchmark `kokuchi import devices` with 100,000 rows on a fresh SQLite file (production settings).

    .venv/bin/python benchmarks/import_bench.py [--rows 100000] [--db var/bench/import.sqlite3] [--out FILE]

Makes 1,000 customers and 20 products, writes a CSV of `--rows` devices (CP932, as Excel in Japan
saves it, and so through encoding detection), then imports it while a second thread saves a
customer every 50 ms with a 2-second lock wait (as staff would). Measures the import's wall time,
the process's peak RSS (ru_maxrss), and the staff writes that succeeded or failed. With
DATABASE_URL set to a PostgreSQL URL the same runs there. Figures go to
benchmarks/results/import.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "import.sqlite3"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "import.json"))
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        db = Path(args.db)
        db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{db}"
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "KOKUCHI_DEBUG": "0",
            "KOKUCHI_SECRET_KEY": os.environ.get("KOKUCHI_SECRET_KEY")
            or "import-benchmark-" + "abcdefghijklmnopqrstuvwxyz0123456789",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    subprocess.run([sys.executable, "-m", "kokuchi.cli", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from kokuchi.catalog.models import Manufacturer, Product, ProductCategory
    from kokuchi.customers.models import Customer
    from kokuchi.devices.importers import import_file
    from kokuchi.devices.models import Device

    maker, _ = Manufacturer.objects.get_or_create(
        slug="bench-maker", defaults={"name_ja": "ベンチ電機", "name_en": "Bench Electric", "cpe_vendors": ["bench"]}
    )
    Product.objects.bulk_create(
        [Product(manufacturer=maker, model_number=f"BX-{n:02d}", category=ProductCategory.ROUTER) for n in range(20)],
        ignore_conflicts=True,
    )
    Customer.objects.bulk_create(
        [Customer(customer_code=f"C-{n:04d}", name=f"株式会社ベンチ{n}") for n in range(1000)], ignore_conflicts=True
    )
    csv_path = Path(args.db).with_suffix(".devices.csv")
    with csv_path.open("w", encoding="cp932", newline="") as handle:
        handle.write("顧客コード,メーカー,型番,シリアル番号,ファームウェア,納入日,設置場所\r\n")
        for n in range(args.rows):
            handle.write(
                f"C-{n % 1000:04d},ベンチ電機,BX-{n % 20:02d},SN{n:08d},1.{n % 7}.{n % 13},2025/04/01,本社{n % 9}階\r\n"
            )
    connection.close()

    staff = {"writes": 0, "errors": [], "max_wait_seconds": 0.0}
    running = threading.Event()
    running.set()

    def staff_writes() -> None:
        from django.db import connection as staff_connection

        if staff_connection.vendor == "sqlite":
            staff_connection.settings_dict["OPTIONS"] = {**staff_connection.settings_dict["OPTIONS"], "timeout": 2}
        n = 0
        while running.is_set():
            n += 1
            began = time.monotonic()
            try:
                Customer.objects.create(customer_code=f"STAFF-{n}", name=f"株式会社スタッフ{n}")
                staff["writes"] += 1
            except Exception as error:  # reported in the results
                staff["errors"].append(repr(error)[:200])
            staff["max_wait_seconds"] = max(staff["max_wait_seconds"], round(time.monotonic() - began, 3))
            time.sleep(0.05)
        staff_connection.close()

    worker = threading.Thread(target=staff_writes)
    worker.start()
    began = time.monotonic()
    try:
        result = import_file(kind="devices", path=csv_path)
    finally:
        seconds = time.monotonic() - began
        running.clear()
        worker.join()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "database": connection.vendor,
            "load_average_at_end": os.getloadavg(),
            "note": "the load average says whether other work shared the machine",
        },
        "rows": args.rows,
        "encoding": result.encoding,
        "created": result.created,
        "devices_in_database": Device.objects.count(),
        "import_seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "staff_writes_during_import": staff["writes"],
        "staff_write_errors": staff["errors"][:5],
        "staff_longest_write_seconds": staff["max_wait_seconds"],
        "goal": "100,000 rows <= 60 s and <= 300 MB; every staff write succeeds",
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
