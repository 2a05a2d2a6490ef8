"""Re-measure only the one-day incremental step on an existing benchmark database.

    .venv/bin/python benchmarks/matching_incremental.py [--db …] [--seed 8] [--out FILE]

Applies another day of changes (30 catalogue vulnerabilities with a corrected range end, 270
others) and times the incremental match and, apart, who-acts (work items, leads, notices).
The result is added under "incremental_one_day_rerun" to the results file.
"""

from __future__ import annotations

import time

from matching_common import add_to_results, apply_one_day_of_changes, open_database, parse_arguments


def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0], seed=8)
    open_database(args.db)
    from kokuchi.exposures.followup import act_on_new_exposures
    from kokuchi.exposures.models import Notice
    from kokuchi.exposures.runs import match_vulnerabilities_changed_since_last_run

    changed = apply_one_day_of_changes(args.seed)
    notices_before = Notice.objects.count()
    started = time.perf_counter()
    cpu = time.process_time()
    day = match_vulnerabilities_changed_since_last_run(notify=False)
    match_seconds, match_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    act_on_new_exposures(exposure_pks=day.newly_open)
    act_seconds = time.perf_counter() - started
    figures = {
        "seconds": round(match_seconds, 2),
        "process_cpu_seconds": round(match_cpu, 2),
        "who_acts_seconds": round(act_seconds, 2),
        "changed_vulnerabilities": len(changed),
        "vulnerabilities_examined": day.vulnerabilities_examined,
        "created": len(day.created),
        "notices_created": Notice.objects.count() - notices_before,
        "limit_seconds": 5,
    }
    print(figures)
    add_to_results(args.out, "incremental_one_day_rerun", figures)


if __name__ == "__main__":
    main()
