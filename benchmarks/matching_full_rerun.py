"""Re-measure only the steady-state full match (``kokuchi match --full``) on an existing
benchmark database, with wall and process CPU time and the slowest SQL statements.

    /work/venv/bin/python benchmarks/matching_full_rerun.py [--db …] [--out FILE]

The result is added under "full_match_rerun" to the results file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "matching.sqlite3"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "matching.json"))
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from kokuchi.vulnerabilities import services

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-200000")
    connection.force_debug_cursor = True
    started, cpu = time.perf_counter(), time.process_time()
    diff = services.match_all(notify=False)
    figures = {"seconds": round(time.perf_counter() - started, 2), "process_cpu_seconds": round(
        time.process_time() - cpu, 2), "sql_seconds": round(sum(float(q["time"]) for q in connection.queries), 2),
        "created": len(diff.created), "updated": diff.updated, "unchanged": diff.unchanged,
        "pairs": diff.pairs_evaluated,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "slowest_sql": [{"seconds": float(q["time"]), "sql": q["sql"][:90]} for q in
                        sorted(connection.queries, key=lambda q: -float(q["time"]))[:4]],
        "limit_seconds": 60}
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    out = Path(args.out)
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    result["full_match_rerun"] = figures
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
