"""Every requirement ID of the guideline catalogue is named by at least one test (traceability)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ID_ROW = re.compile(r"^\| (G\d(?:\.\d)?(?:-\d[a-e]?)?|S-[A-Z]+) \|", re.MULTILINE)


def requirement_ids() -> list[str]:
    catalogue = REPO / "docs" / "guideline" / "REQUIREMENTS.md"
    return ID_ROW.findall(catalogue.read_text(encoding="utf-8"))


def test_catalogue_is_read():
    ids = requirement_ids()
    assert "G5.2-1a" in ids and "S-EVID" in ids and "G6" in ids
    assert len(ids) == len(set(ids)) == 29


def test_every_requirement_id_is_named_by_a_test():
    corpus = "\n".join(
        p.read_text(encoding="utf-8") for p in REPO.glob("kokuchi/**/test_*.py") if p.name != "test_traceability.py"
    )
    missing = [req_id for req_id in requirement_ids() if not is_named(req_id, corpus)]
    assert missing == []


def is_named(req_id: str, corpus: str) -> bool:
    """The ID as written (G5.2-1a) or in identifier form (g5_2_1a), not as part of a longer ID."""
    key = req_id.lower().replace(".", "_").replace("-", "_")
    as_written = re.compile(rf"(?<![A-Za-z0-9.-]){re.escape(req_id)}(?![0-9a-z.]|-\d)")
    as_key = re.compile(rf"(?<![a-z0-9]){re.escape(key)}(?![0-9a-z]|_\d)")
    return bool(as_written.search(corpus) or as_key.search(corpus.lower()))
