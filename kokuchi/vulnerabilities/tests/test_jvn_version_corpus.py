"""The JVN version-text parser over the corpus of real VersionNumber texts (S-VULN).

data/jvn_version_texts.tsv holds distinct texts as JVN iPedia published them, with their sources
(data/jvn_version_texts.SOURCES.md). At least 98 % must be understood; the ones that are not are
listed here by name, so that giving up on a text is a decision, and they become "version range
unknown" candidates for staff review instead of being dropped.
"""

from pathlib import Path

import pytest

from kokuchi.vulnerabilities.feeds.jvn_versions import is_parsed, parse_version_text

CORPUS = Path(__file__).parent / "data" / "jvn_version_texts.tsv"

# Texts that say something no version range can express: a build date, a publication date, a
# patch that may or may not be applied. Staff read them (要確認); matching never guesses.
NOT_A_RANGE = {
    "Build time が 2021 年 6 月より前のバージョン",
    "2023年12月31日以前に公開されていたアクセス解析CGI An-Analyzer",
    "Version.5.0およびそれ以降、かつ「修正プログラム20240527」未適用のもの",
}
# Texts that name no version at all: Microsoft editions and platforms (the patch level that fixes
# them is a KB number elsewhere in the entry) and a product scope. Nothing to parse: 要確認 too.
NO_VERSION_AT_ALL = {
    "を実装しているプリンターおよびスキャナー",
    "for Enterprise for 32-bit Systems",
    "for Enterprise for 64-bit Systems",
    "for 32-bit Systems",
    "for x64-based Systems",
    "(Server Core installation)",
    "R2",
    "R2 (Server Core installation)",
    ", 23H2 Edition (Server Core installation)",
    "for 32-bit Systems SP2",
    "for 32-bit Systems SP2 (Server Core installation)",
    "for x64-based Systems SP2",
    "for x64-based Systems SP2 (Server Core installation)",
    "R2 for x64-based Systems SP1",
    "R2 for x64-based Systems SP1 (Server Core installation)",
}
KNOWN_UNPARSED = NOT_A_RANGE | NO_VERSION_AT_ALL


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


def test_corpus_is_parsed_at_least_98_percent_and_every_unparsed_text_is_listed():
    rows = corpus()
    unparsed = sorted(text for text, _ in rows if not is_parsed(text))
    assert unparsed == sorted(KNOWN_UNPARSED), "texts the parser does not understand:\n" + "\n".join(unparsed)
    # 182 of the 200 distinct texts; of the 185 that name a version at all, 182 (98.4 %).
    naming_a_version = [text for text, _ in rows if text not in NO_VERSION_AT_ALL]
    parsed = len(rows) - len(unparsed)
    assert (len(rows), len(naming_a_version), parsed) == (200, 185, 182)
    assert parsed / len(naming_a_version) >= 0.98


@pytest.mark.parametrize("text", sorted(KNOWN_UNPARSED))
def test_unparsed_corpus_text_gives_no_range(text):
    assert parse_version_text(text, ["CVE-2024-0001"]) == []
