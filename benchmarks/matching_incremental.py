"""Re-measure only the one-day incremental step on an existing benchmark database.

    /work/venv/bin/python benchmarks/matching_incremental.py [--db …] [--seed 8] [--out FILE]

Applies another day of changes (30 catalogue vulnerabilities with a corrected range end, 270
others) and times the incremental match and, apart, who-acts (work items, leads, notices).
The result is added under "incremental_one_day_rerun" to the results file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "matching.sqlite3"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "matching.json"))
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from kokuchi.vulnerabilities import services
    from kokuchi.vulnerabilities.models import Notice, Vulnerability

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    rng = random.Random(args.seed)
    relevant = list(Vulnerability.objects.filter(cpe_index__part__in=["o", "h"]).exclude(
        cpe_index__vendor__startswith="othervendor").exclude(vuln_id__startswith="JVNDB-").distinct().values_list(
        "pk", flat=True))
    others = list(Vulnerability.objects.filter(cpe_index__vendor__startswith="othervendor").values_list(
        "pk", flat=True)[:20000])
    changed = rng.sample(relevant, 30) + rng.sample(others, 270)
    now = timezone.now()
    for vuln in Vulnerability.objects.filter(pk__in=changed):
        for config in vuln.configurations:
            for node in config["nodes"]:
                for entry in node["cpeMatch"]:
                    if entry.get("vulnerable") and "versionEndExcluding" in entry:
                        entry["versionEndIncluding"] = entry.pop("versionEndExcluding")
        Vulnerability.objects.filter(pk=vuln.pk).update(configurations=vuln.configurations, changed_at=now)
    notices_before = Notice.objects.count()
    started = time.perf_counter()
    cpu = time.process_time()
    day = services.match_vulnerabilities_changed_since_last_run(notify=False)
    match_seconds, match_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    services.act_on_new_exposures(exposure_pks=day.newly_open)
    act_seconds = time.perf_counter() - started
    figures = {"seconds": round(match_seconds, 2), "process_cpu_seconds": round(match_cpu, 2),
               "who_acts_seconds": round(act_seconds, 2), "changed_vulnerabilities": len(changed),
               "vulnerabilities_examined": day.vulnerabilities_examined, "created": len(day.created),
               "notices_created": Notice.objects.count() - notices_before, "limit_seconds": 5}
    print(figures)
    out = Path(args.out)
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    result["incremental_one_day_rerun"] = figures
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
