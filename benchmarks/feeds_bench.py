"""Measure full feed imports (wall time and peak RSS of the importing process) and a one-day change.

Run feeds_generate.py first. Each step runs `manage.py feeds import` in a child process of its
own, so the peak RSS is that of the import alone (os.wait4 rusage). The database is fresh: SQLite
in a new directory, or the PostgreSQL given by DATABASE_URL (an empty database).

Usage: python benchmarks/feeds_bench.py [--data /tmp/kokuchi-feeds-bench] [--label sqlite] [--note TEXT]
Results are merged into benchmarks/results/feeds.json under the label (replacing an entry of the same
label: keep earlier figures under another label), with the note saying what the run measured.
The machine is shared: CPU seconds (import process and its parser workers) compare variants;
wall times depend on the load average recorded around each step.
For per-stage CPU at reduced scale, see feeds_profile.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOALS = {"nvd_full": {"seconds": 120, "peak_rss_mb": 1024}, "jvn_full": {"seconds": 90}, "nvd_one_day": {"seconds": 5}}


def run(args: list[str], env: dict) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    out, err = process.stdout.read(), process.stderr.read()
    if status != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed:\n{out}\n{err}")
    return {
        "seconds": round(elapsed, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        # CPU of the importing process and its parser children; the machine is shared, so the
        # load average around each step says how much of the wall time was waiting for a core.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "output": out.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/kokuchi-feeds-bench"))
    parser.add_argument("--label", default="sqlite")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results" / "feeds.json")
    parser.add_argument("--note", default="", help="What this run measured (stored with the figures).")
    args = parser.parse_args()

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", KOKUCHI_LOG_LEVEL="WARNING")
    env.setdefault("KOKUCHI_DEBUG", "1")
    if not env.get("DATABASE_URL"):
        db_dir = Path(f"/tmp/kokuchi-feeds-bench-db-{args.label}")
        shutil.rmtree(db_dir, ignore_errors=True)
        db_dir.mkdir(parents=True)
        env["KOKUCHI_DATA_DIR"] = str(db_dir)
    run(["migrate", "--noinput", "-v", "0"], env)
    load_before = os.getloadavg()[0]

    nvd_files = sorted(str(p) for p in (args.data / "nvd").glob("nvdcve-2.0-*.json.gz"))
    jvn_files = sorted(str(p) for p in (args.data / "jvn").glob("jvndb_detail_*.rdf"))
    day_file = str(args.data / "nvdcve-2.0-modified.json.gz")
    steps = {
        "nvd_full": run(["feeds", "import", "--source", "nvd", "--no-progress", *nvd_files], env),
        "jvn_full": run(["feeds", "import", "--source", "jvn", "--no-progress", *jvn_files], env),
        "nvd_one_day": run(["feeds", "import", "--source", "nvd", "--no-progress", day_file], env),
        "nvd_one_day_again": run(["feeds", "import", "--source", "nvd", "--no-progress", day_file], env),
    }
    for name, step in steps.items():
        goal = GOALS.get(name)
        if goal:
            step["goal"] = goal
            step["met"] = all(step[key] <= limit for key, limit in goal.items())
        print(
            f"{name}: {step['seconds']} s (CPU {step['cpu_seconds']} s, load {step['load_average_after']}), "
            f"peak RSS {step['peak_rss_mb']} MB — {step['output']}",
            flush=True,
        )

    sizes = {
        "nvd_files": len(nvd_files),
        "nvd_bytes": sum(Path(p).stat().st_size for p in nvd_files),
        "jvn_files": len(jvn_files),
        "jvn_bytes": sum(Path(p).stat().st_size for p in jvn_files),
    }
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    results[args.label] = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": round(load_before, 2),
        },
        "input": sizes,
        "steps": steps,
    }
    if args.note:
        results[args.label]["note"] = args.note
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
