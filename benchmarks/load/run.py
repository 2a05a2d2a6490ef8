"""Load test of the production setup: `kokuchi serve` (Gunicorn, N workers) on PostgreSQL, on loopback.

Starts a throw-away PostgreSQL (.ci/postgres.sh; or uses the server of DATABASE_URL), loads the demo
data plus a staff login and customer links, starts the server with DEBUG off, then runs Locust
headless for a fixed time at each number of concurrent clients (half staff, half customers; each
client waits 0.5–1.5 s between requests). Writes p50/p95/errors per level to
benchmarks/results/load.json. Needs the benchmark extra: pip install -e ".[benchmark]".

    .venv/bin/python benchmarks/load/run.py [--users 8 32 64] [--seconds 30] [--workers 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

GOALS = {"staff_p95_ms_at_32": 300, "customer_p95_ms_at_32": 150, "errors": 0}


def locust_level(*, host: str, users: int, seconds: int, seed_file: Path, out: Path) -> dict:
    prefix = out / f"u{users}"
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 2)),
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
    ]
    env = os.environ | {"LOAD_SEED": str(seed_file)}
    subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False)
    rows = {row["Name"]: row for row in csv.DictReader((prefix.with_name(prefix.name + "_stats.csv")).open())}

    def figures(name: str) -> dict:
        row = rows.get(name)
        if row is None:
            return {"requests": 0}
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "max_ms": float(row["Max Response Time"]),
            "requests_per_s": round(float(row["Requests/s"]), 1),
        }

    return {
        "users": users,
        "seconds": seconds,
        "staff": figures("staff"),
        "customer": figures("customer"),
        "total": figures("Aggregated"),
        "load_average_after": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "results" / "load.json")
    args = parser.parse_args()

    from kokuchi.operations.tests.stack import Stack, answers, postgres_database, wait_until

    work = Path(tempfile.mkdtemp(prefix="kokuchi-load-"))
    with postgres_database(work) as database_url:
        if database_url is None:
            raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
        stack = Stack(database_url=database_url, workdir=work / "site", KOKUCHI_READY_FEED_MAX_AGE="0")
        try:
            started = time.monotonic()
            stack.run("migrate", "--noinput")
            stack.run("collectstatic", "--noinput")
            stack.run("demo", "--no-users")
            seed = Stack.seeded(stack.run(*Stack.seed_command(links=20, sessions=64)))
            seed_file = work / "seed.json"
            seed_file.write_text(json.dumps(seed))
            host = stack.start_web("web", workers=args.workers)
            wait_until(lambda: answers(f"{host}/healthz"), timeout=60, what="the web server")
            setup_seconds = round(time.monotonic() - started, 1)
            levels = []
            for users in args.users:
                load_before = os.getloadavg()
                level = locust_level(host=host, users=users, seconds=args.seconds, seed_file=seed_file, out=work)
                level["load_average_before"] = load_before
                levels.append(level)
                print(json.dumps(level, ensure_ascii=False), flush=True)
        finally:
            stack.stop()
    shutil.rmtree(work, ignore_errors=True)
    at32 = next((level for level in levels if level["users"] == 32), None)
    result = {
        "benchmark": "load",
        "server": f"kokuchi serve (Gunicorn sync, {args.workers} workers), DEBUG off, PostgreSQL, loopback",
        "clients": (
            "half staff (signed in beforehand, 6 pages), half customers (their link page); "
            "0.5-1.5 s between a client's requests"
        ),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "shared": True},
        "setup_seconds": setup_seconds,
        "levels": levels,
        "goals": GOALS,
        "goals_met": None
        if at32 is None
        else {
            "errors": all(level["total"].get("errors", 1) == 0 for level in levels),
            "staff_p95_at_32": at32["staff"].get("p95_ms", 1e9) <= GOALS["staff_p95_ms_at_32"],
            "customer_p95_at_32": at32["customer"].get("p95_ms", 1e9) <= GOALS["customer_p95_ms_at_32"],
        },
    }
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(f"written {args.output}")


if __name__ == "__main__":
    main()
