"""Per-stage CPU of the feed import at reduced scale (one or a few generated files), for profiling.

Run feeds_generate.py first. Stages, each in CPU seconds of this process (best of --repeat):
parse (records built, content hash included, one file consumed), loader rows, database write
(fresh SQLite database, one transaction), the import hook (matching) for that file's changed IDs,
and a whole `import_feed_files` of --files files with its worker processes (wall, CPU of this
process, CPU of the workers). The machine is shared: compare CPU seconds, not wall time.

Usage: python benchmarks/feeds_profile.py [--data /tmp/kokuchi-feeds-bench] [--files 4] [--repeat 3]
       [--pyinstrument nvd|jvn]   (a pyinstrument profile of parsing one file instead)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(REPO))
    data_dir = tempfile.mkdtemp(prefix="kokuchi-feeds-profile-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KOKUCHI_DEBUG=os.environ.get("KOKUCHI_DEBUG", "1"),
        KOKUCHI_DATA_DIR=data_dir,
        KOKUCHI_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def _fresh_db() -> None:
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    shutil.rmtree(os.environ["KOKUCHI_DATA_DIR"], ignore_errors=True)
    os.makedirs(os.environ["KOKUCHI_DATA_DIR"])
    call_command("migrate", verbosity=0)


def _cpu(fn, repeat: int = 1, before=None) -> tuple[float, object]:
    best, result = None, None
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.process_time()
        result = fn()
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/kokuchi-feeds-bench"))
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pyinstrument", choices=["nvd", "jvn"])
    args = parser.parse_args()
    _setup()
    try:
        _profile(args)
    finally:
        shutil.rmtree(os.environ["KOKUCHI_DATA_DIR"], ignore_errors=True)


def _profile(args: argparse.Namespace) -> None:
    from django.db import transaction

    from kokuchi.vulnerabilities.feeds import loader
    from kokuchi.vulnerabilities.feeds.importer import import_feed_files
    from kokuchi.vulnerabilities.feeds.jvn import iter_jvn_detail
    from kokuchi.vulnerabilities.feeds.nvd import iter_nvd_file
    from kokuchi.vulnerabilities.models import Vulnerability
    from kokuchi.vulnerabilities.signals import vulnerabilities_changed

    sources = {
        "nvd": (iter_nvd_file, sorted((args.data / "nvd").glob("nvdcve-2.0-*.json.gz"))),
        "jvn": (iter_jvn_detail, sorted((args.data / "jvn").glob("jvndb_detail_*.rdf"))),
    }
    if args.pyinstrument:
        from pyinstrument import Profiler

        parse, paths = sources[args.pyinstrument]
        with Profiler() as profiler:
            sum(1 for _ in parse(paths[0]))
        profiler.print()
        return
    for source, (parse, paths) in sources.items():
        path = paths[0]
        print(f"{source}: {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
        seconds, records = _cpu(lambda: list(parse(path)), args.repeat)  # noqa: B023 - called at once
        print(f"  parse and build records  {seconds:6.2f} s CPU  ({len(records)} records)")
        if hasattr(loader, "load_rows"):
            seconds, _rows = _cpu(lambda: list(loader.load_rows(records)), args.repeat)  # noqa: B023
            print(f"  loader rows              {seconds:6.2f} s CPU")

        def write():
            with transaction.atomic():
                return loader.upsert_vulnerabilities(records, source=source)  # noqa: B023

        seconds, result = _cpu(write, args.repeat, before=_fresh_db)
        print(f"  database write (fresh)   {seconds:6.2f} s CPU")
        seconds, _ = _cpu(
            lambda: vulnerabilities_changed.send(sender=Vulnerability, vuln_ids=set(result.changed_ids))  # noqa: B023
        )
        print(f"  receivers (matching)     {seconds:6.2f} s CPU")

        _fresh_db()
        chosen = paths[: args.files]
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, cpu = time.perf_counter(), time.process_time()
        total = import_feed_files(source=source, paths=chosen)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
        print(
            f"  import of {len(chosen)} files: {wall:.2f} s wall, {cpu:.2f} s CPU here + {workers:.2f} s in "
            f"workers = {(cpu + workers) / len(chosen):.2f} s CPU per file ({total.created} created; "
            f"load average {os.getloadavg()[0]:.2f})"
        )


if __name__ == "__main__":
    main()
