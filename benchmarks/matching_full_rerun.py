"""Re-measure only the steady-state full match (``kokuchi match --full``) on an existing
benchmark database, with wall and process CPU time and the slowest SQL statements.

    .venv/bin/python benchmarks/matching_full_rerun.py [--db …] [--out FILE]

The result is added under "full_match_rerun" to the results file.
"""

from __future__ import annotations

import json
import resource
import time

from matching_common import add_to_results, open_database, parse_arguments


def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0])
    open_database(args.db)
    from django.db import connection

    from kokuchi.exposures.runs import match_all

    connection.force_debug_cursor = True
    started, cpu = time.perf_counter(), time.process_time()
    diff = match_all(notify=False)
    figures = {
        "seconds": round(time.perf_counter() - started, 2),
        "process_cpu_seconds": round(time.process_time() - cpu, 2),
        "sql_seconds": round(sum(float(q["time"]) for q in connection.queries), 2),
        "created": len(diff.created),
        "updated": diff.updated,
        "unchanged": diff.unchanged,
        "pairs": diff.pairs_evaluated,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "slowest_sql": [
            {"seconds": float(q["time"]), "sql": q["sql"][:90]}
            for q in sorted(connection.queries, key=lambda q: -float(q["time"]))[:4]
        ],
        "limit_seconds": 60,
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    add_to_results(args.out, "full_match_rerun", figures)


if __name__ == "__main__":
    main()
