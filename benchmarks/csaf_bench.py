"""Measure the offline import of 10,000 CSAF advisories (goal: ≤ 60 s), and of the same files again.

The advisories are generated from the structure of the real samples in
kokuchi/vulnerabilities/tests/data/feeds/csaf/ (Fortinet, Cisco, BSI, the OASIS VEX examples):
each copy gets its own tracking ID and its own CVE IDs (CVE-2099-…, a year no real CVE has), so
every copy is a new document with new statements. Cisco's 2.5 MB SNMP advisory (3,840 product
versions) is one copy in 500, as large advisories are rare. Generated files go to /tmp and are
never committed.

Usage: python benchmarks/csaf_bench.py [--count 10000] [--label sqlite] [--note TEXT]
(with DATABASE_URL for PostgreSQL). Results are merged into benchmarks/results/csaf.json under the
label. The machine is shared: the load average around the run is recorded with the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from feeds_bench import run  # noqa: E402  (the same child-process measurement)

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "kokuchi" / "vulnerabilities" / "tests" / "data" / "feeds" / "csaf"
TEMPLATES = (
    "vendor-fortinet/csaf_authenticated-heap-overflow-in-ssl-vpn-bookmarks.json",
    "vendor-cisco/cisco-sa-ios-xr-verii-bypass-HhPwQRvx.json",
    "oasis-examples/csaf/bsi-2022-0001.json",
    "oasis-examples/csaf/cisco-sa-20180328-smi2.json",
    "oasis-examples/csaf_vex/2022-evd-uc-01-a-001.json",
    "oasis-examples/csaf_vex/2022-evd-uc-01-na-001.json",
)
LARGE = "vendor-cisco/cisco-sa-snmp-dos-sdxnSUcW.json"
GOAL_SECONDS = 60


def generate(directory: Path, count: int) -> list[Path]:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    templates = [json.loads((SAMPLES / name).read_bytes()) for name in TEMPLATES]
    large = json.loads((SAMPLES / LARGE).read_bytes())
    paths = []
    for n in range(count):
        document = json.loads(json.dumps(large if n % 500 == 499 else templates[n % len(templates)]))
        tracking = document["document"]["tracking"]
        tracking["id"] = f"BENCH-{n:05d}-{tracking['id']}"[:200]
        for k, vulnerability in enumerate(document.get("vulnerabilities", [])):
            if "cve" in vulnerability:
                vulnerability["cve"] = f"CVE-2099-{n:05d}{k:02d}"
        path = directory / f"bench-{n:05d}.json"
        path.write_text(json.dumps(document))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/kokuchi-csaf-bench"))
    parser.add_argument("--label", default="sqlite")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results" / "csaf.json")
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    paths = [str(p) for p in generate(args.data, args.count)]
    # As in production: DEBUG off (no per-query logging), with a throw-away secret key.
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        KOKUCHI_LOG_LEVEL="WARNING",
        KOKUCHI_DEBUG="0",
        KOKUCHI_SECRET_KEY=secrets.token_urlsafe(50),
    )
    if not env.get("DATABASE_URL"):
        db_dir = Path(f"/tmp/kokuchi-csaf-bench-db-{args.label}")
        shutil.rmtree(db_dir, ignore_errors=True)
        db_dir.mkdir(parents=True)
        env["KOKUCHI_DATA_DIR"] = str(db_dir)
    run(["migrate", "--noinput", "-v", "0"], env)
    load_before = os.getloadavg()[0]
    steps = {
        "csaf_full": run(["feeds", "import", "--source", "csaf", "--no-progress", *paths], env),
        "csaf_again": run(["feeds", "import", "--source", "csaf", "--no-progress", *paths], env),
    }
    steps["csaf_full"]["goal"] = {"seconds": GOAL_SECONDS}
    steps["csaf_full"]["met"] = steps["csaf_full"]["seconds"] <= GOAL_SECONDS
    for name, step in steps.items():
        print(
            f"{name}: {step['seconds']} s (CPU {step['cpu_seconds']} s, load {step['load_average_after']}), "
            f"peak RSS {step['peak_rss_mb']} MB — {step['output']}",
            flush=True,
        )
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    results[args.label] = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_before": load_before},
        "input": {"advisories": len(paths), "bytes": sum(Path(p).stat().st_size for p in paths)},
        "steps": steps,
    }
    if args.note:
        results[args.label]["note"] = args.note
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
