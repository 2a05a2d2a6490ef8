"""The JVN version-text parser over the corpus of real VersionNumber texts (S-VULN).

data/jvn_version_texts.tsv holds distinct texts as JVN iPedia published them, with their sources
(data/jvn_version_texts.SOURCES.md). At least 98 % of all of them must be understood; the ones that
are not are listed here by name, so that giving up on a text is a decision, and they become
"version range unknown" candidates for staff review instead of being dropped.
"""

from pathlib import Path

import pytest

from kokuchi.vulnerabilities.feeds.jvn_versions import is_parsed, parse_version_text

CORPUS = Path(__file__).parent / "data" / "jvn_version_texts.tsv"

# Texts no version range can express: a build date, a publication date, a product scope. Staff
# read them (要確認); matching never guesses.
KNOWN_UNPARSED = {
    "Build time が 2021 年 6 月より前のバージョン",
    "2023年12月31日以前に公開されていたアクセス解析CGI An-Analyzer",
    "を実装しているプリンターおよびスキャナー",
}
# Texts that name an edition, platform or architecture and no version (Microsoft's affected
# items): every version of that edition, a range qualified by the edition.
EDITION_ONLY = [
    "for Enterprise for 32-bit Systems",
    "for Enterprise for 64-bit Systems",
    "for 32-bit Systems",
    "for x64-based Systems",
    "(Server Core installation)",
    "R2",
    "R2 (Server Core installation)",
    "for 32-bit Systems SP2",
    "for 32-bit Systems SP2 (Server Core installation)",
    "for x64-based Systems SP2",
    "for x64-based Systems SP2 (Server Core installation)",
    "R2 for x64-based Systems SP1",
    "R2 for x64-based Systems SP1 (Server Core installation)",
]


def corpus() -> list[tuple[str, str]]:
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        text, source = line.split("\t")
        rows.append((text, source))
    return rows


def test_corpus_texts_are_distinct_and_sourced():
    rows = corpus()
    assert len({text for text, _ in rows}) == len(rows)
    assert all(source.startswith(("samples jvn/", "vdr-jvn ")) for _, source in rows)


def test_s_vuln_corpus_is_parsed_at_least_98_percent_and_every_unparsed_text_is_listed():
    rows = corpus()
    unparsed = sorted(text for text, _ in rows if not is_parsed(text))
    listing = "\n".join(unparsed)
    assert unparsed == sorted(KNOWN_UNPARSED), f"{len(unparsed)} texts the parser does not understand:\n{listing}"
    parsed = len(rows) - len(unparsed)
    assert (len(rows), parsed) == (200, 197), f"texts the parser does not understand:\n{listing}"
    assert parsed / len(rows) >= 0.98, f"{parsed}/{len(rows)} parsed; not understood:\n{listing}"


@pytest.mark.parametrize("text", sorted(KNOWN_UNPARSED))
def test_s_vuln_unparsed_corpus_text_gives_no_range(text):
    assert parse_version_text(text, ["CVE-2024-0001"]) == []


@pytest.mark.parametrize("text", EDITION_ONLY)
def test_s_vuln_edition_only_corpus_text_is_every_version_of_that_edition(text):
    assert parse_version_text(text, ["CVE-2024-0001"]) == [
        {
            "start": None,
            "start_inclusive": False,
            "end": None,
            "end_inclusive": False,
            "exact": None,
            "cve_ids": ["CVE-2024-0001"],
            "qualifier": text,
            "qualifier_kind": "edition",
        }
    ]


def test_s_vuln_edition_after_a_comma_keeps_the_edition_words():
    assert parse_version_text(", 23H2 Edition (Server Core installation)") == [
        {
            "start": None,
            "start_inclusive": False,
            "end": None,
            "end_inclusive": False,
            "exact": None,
            "cve_ids": [],
            "qualifier": "23H2 Edition (Server Core installation)",
            "qualifier_kind": "edition",
        }
    ]


def test_s_vuln_version_range_without_an_unapplied_fix_is_a_patch_qualified_range():
    assert parse_version_text("Version.5.0およびそれ以降、かつ「修正プログラム20240527」未適用のもの") == [
        {
            "start": "5.0",
            "start_inclusive": True,
            "end": None,
            "end_inclusive": False,
            "exact": None,
            "cve_ids": [],
            "qualifier": "「修正プログラム20240527」未適用",
            "qualifier_kind": "patch",
        }
    ]
