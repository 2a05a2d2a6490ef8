"""Disclosure rendering benchmark: median time to render a 20-device disclosure PDF, and
a batch of 100 documents; a 200-device disclosure with long names; the pre-issue check of that
200-device deal. Goals on the 2-core reference machine: median ≤ 0.5 s per 20-device document,
≤ 3 s for 200 devices, ≤ 0.2 s for the pre-issue check of 200 devices.

Run from the repository root:

    .venv/bin/python benchmarks/disclosures.py            # full run: 10 singles + batch of 100
    .venv/bin/python benchmarks/disclosures.py --quick    # 3 singles + batch of 5 (while developing)

Figures are written to benchmarks/results/disclosures.json (disclosures-quick.json with --quick, so
a quick run never replaces the full figures; or --output). The database is a
throw-away SQLite file (config.settings_test), built fresh on every run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
os.environ.pop("DATABASE_URL", None)
# What a server does by default (config/settings.py): the two parts of the document are laid out
# at the same time on two cores. The test settings would render in one process.
os.environ.setdefault("KOKUCHI_PDF_WORKERS", str(min(2, os.cpu_count() or 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--large-devices", type=int, default=200)
    parser.add_argument("--large-runs", type=int, default=3)
    parser.add_argument("--check-runs", type=int, default=10)
    parser.add_argument("--singles", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.quick:
        args.singles, args.batch, args.large_runs, args.check_runs = 3, 5, 1, 3
    if args.output is None:
        name = "disclosures-quick.json" if args.quick else "disclosures.json"
        args.output = str(ROOT / "benchmarks" / "results" / name)

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its INFO log prints every step
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import io

    import weasyprint
    from django.conf import settings
    from pypdf import PdfReader

    from kokuchi.catalog.models import Manufacturer
    from kokuchi.core import pdf as pdf_module
    from kokuchi.core.pdf import render_pdf
    from kokuchi.disclosures.checks import run_pre_issue_check
    from kokuchi.disclosures.services import DOCUMENT_PAGE_NUMBERS, render_disclosure_html
    from kokuchi.disclosures.tests.factories import ISSUED_AT, make_document_deal, make_large_deal

    # The factory creates its manufacturers itself, as in the tests (which start without the
    # manufacturers the data migration preloads).
    Manufacturer.objects.all().delete()
    deal = make_document_deal(devices=args.devices).deal

    def worker_cpu() -> float:
        # CPU time of the PDF worker processes (Linux /proc): process_time() counts this process only.
        total = 0.0
        for pool in pdf_module._pools.values():
            for pid in list(pool._processes):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    cpu_times: list[float] = []
    all_cpu_times: list[float] = []
    html_cpu_times: list[float] = []

    def one(number: int) -> tuple[float, float, bytes]:
        # Wall time is what a user waits; CPU time of this process is also kept because the
        # reference machine is shared and wall time there includes waiting for a core.
        cpu_start, workers_start = time.process_time(), worker_cpu()
        start = time.perf_counter()
        html, _label = render_disclosure_html(
            deal=deal, issued_at=ISSUED_AT, version_number=number, document_number=f"KK-{deal.number}-{number:03d}"
        )
        middle = time.perf_counter()
        html_cpu_times.append(time.process_time() - cpu_start)
        pdf = render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS)
        cpu_times.append(time.process_time() - cpu_start)
        all_cpu_times.append(cpu_times[-1] + worker_cpu() - workers_start)
        return middle - start, time.perf_counter() - start, pdf

    one(0)  # warm-up: loads WeasyPrint, pango and the font once, as a running server would
    cpu_times.clear()
    all_cpu_times.clear()
    html_cpu_times.clear()
    singles = [one(n + 1) for n in range(args.singles)]
    single_cpu = list(cpu_times)
    single_all_cpu = list(all_cpu_times)
    batch_start, batch_cpu_start = time.perf_counter(), time.process_time()
    batch = [one(n + 1) for n in range(args.batch)]
    batch_total, batch_cpu = time.perf_counter() - batch_start, time.process_time() - batch_cpu_start
    pages = len(PdfReader(io.BytesIO(singles[0][2])).pages)
    median = statistics.median(total for _html, total, _pdf in singles)

    # 200 devices with long names over three products, firmware and contracts varying (the
    # layout tests' deal), and the pre-issue check of that deal.
    # A fresh database: the layout deal builds the same makers and products as the first one.
    call_command("flush", interactive=False, verbosity=0)
    Manufacturer.objects.all().delete()
    large_deal = make_large_deal(devices=args.large_devices)
    large_times, large_pages = [], 0
    for number in range(args.large_runs):
        start = time.perf_counter()
        html, _label = render_disclosure_html(
            deal=large_deal,
            issued_at=ISSUED_AT,
            version_number=number + 1,
            document_number=f"KK-{large_deal.number}-{number + 1:03d}",
        )
        large_pdf = render_pdf(html, page_numbers=DOCUMENT_PAGE_NUMBERS)
        large_times.append(time.perf_counter() - start)
        large_pages = len(PdfReader(io.BytesIO(large_pdf)).pages)
    check_times = []
    for _run in range(args.check_runs):
        start = time.perf_counter()
        check = run_pre_issue_check(deal=large_deal, at=ISSUED_AT)
        check_times.append(time.perf_counter() - start)
    large_median = statistics.median(large_times)
    check_median = statistics.median(check_times)
    results = {
        "benchmark": "disclosure PDF rendering (HTML context + template + WeasyPrint)",
        "run_at": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
            "weasyprint": weasyprint.__version__,
            "pdf_workers": settings.PDF_WORKERS,
        },
        "devices": args.devices,
        "pages": pages,
        "pdf_bytes": len(singles[0][2]),
        "single": {
            "runs": args.singles,
            "median_seconds": round(median, 3),
            # CPU of this process (the first part, the HTML and the joining)…
            "median_cpu_seconds": round(statistics.median(single_cpu), 3),
            # … and of this process plus the PDF worker (the other parts): the total work.
            "median_cpu_seconds_all_processes": round(statistics.median(single_all_cpu), 3),
            "median_html_seconds": round(statistics.median(html for html, _t, _p in singles), 3),
            "median_html_cpu_seconds": round(statistics.median(html_cpu_times[: len(single_cpu)]), 3),
            "min_cpu_seconds": round(min(single_cpu), 3),
            "max_cpu_seconds": round(max(single_cpu), 3),
            "min_seconds": round(min(total for _h, total, _p in singles), 3),
            "max_seconds": round(max(total for _h, total, _p in singles), 3),
        },
        "batch": {
            "documents": args.batch,
            "total_seconds": round(batch_total, 2),
            "median_seconds_per_document": round(statistics.median(total for _h, total, _p in batch), 3),
            "mean_seconds_per_document": round(batch_total / args.batch, 3),
            "median_cpu_seconds_per_document": round(statistics.median(cpu_times[len(single_cpu) :]), 3),
            "median_cpu_seconds_all_processes_per_document": round(
                statistics.median(all_cpu_times[len(single_cpu) :]), 3
            ),
            "total_cpu_seconds": round(batch_cpu, 2),
        },
        "goal_seconds_per_document": 0.5,
        "goal_met": median <= 0.5,
        "large": {
            "devices": args.large_devices,
            "pages": large_pages,
            "runs": args.large_runs,
            "median_seconds": round(large_median, 3),
            "max_seconds": round(max(large_times), 3),
            "goal_seconds": 3.0,
            "goal_met": large_median <= 3.0,
        },
        "pre_issue_check": {
            "devices": args.large_devices,
            "runs": args.check_runs,
            "median_seconds": round(check_median, 3),
            "max_seconds": round(max(check_times), 3),
            "blocking": len(check.blocking),
            "warnings": len(check.warnings),
            "goal_seconds": 0.2,
            "goal_met": check_median <= 0.2,
        },
    }
    Path(args.output).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
