"""Re-measure only the staff exposure pages on an existing benchmark database (p50/p95).

    .venv/bin/python benchmarks/matching_pages.py [--db …] [--requests 60] [--out FILE]

The result is added under "pages_ms_rerun" to the results file.
"""

from __future__ import annotations

from matching_common import add_to_results, open_database, parse_arguments, time_exposure_pages


def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0], requests=True)
    open_database(args.db, web=True)
    figures, _largest = time_exposure_pages(args.requests)
    print(figures)
    add_to_results(args.out, "pages_ms_rerun", figures)


if __name__ == "__main__":
    main()
