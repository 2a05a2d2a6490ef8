"""Paths of the real feed samples under data/feeds beside this module (see SOURCES.md there)."""

from __future__ import annotations

from pathlib import Path

FEEDS_DIR = Path(__file__).resolve().parent / "data" / "feeds"


def sample(relative: str) -> Path:
    path = FEEDS_DIR / relative
    assert path.is_file(), f"missing sample {path}"
    return path


def rng(start=None, end=None, *, start_inclusive=False, end_inclusive=False, exact=None, cve_ids=()) -> dict:
    """An expected AffectedProduct.ranges entry."""
    return {
        "start": start,
        "start_inclusive": start_inclusive,
        "end": end,
        "end_inclusive": end_inclusive,
        "exact": exact,
        "cve_ids": list(cve_ids),
    }
