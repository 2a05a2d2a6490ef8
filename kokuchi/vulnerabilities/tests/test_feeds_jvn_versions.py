"""The JVN version-text parser, on real VersionNumber texts from the JVN sample files."""

import pytest

from kokuchi.vulnerabilities.feeds.jvn_versions import parse_version_text
from kokuchi.vulnerabilities.tests.feedsamples import rng

ALL = ["CVE-2025-0354", "CVE-2025-0355", "CVE-2025-0356"]

# Every distinct VersionNumber text found in data/feeds/jvn (grep VersionNumber).
REAL_TEXTS = [
    ("5.16.3 未満", [rng(end="5.16.3", cve_ids=ALL)]),
    ("1.5.62 未満", [rng(end="1.5.62", cve_ids=ALL)]),
    ("7.3.7 より前のバージョン", [rng(end="7.3.7", cve_ids=ALL)]),
    ("7.6.2より前のバージョン", [rng(end="7.6.2", cve_ids=ALL)]),
    (
        "Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        [rng(end="1.4.2", cve_ids=["CVE-2025-0354", "CVE-2025-0355"])],
    ),
    ("Ver.1.3.0より前のバージョン（CVE-2025-0355）", [rng(end="1.3.0", cve_ids=["CVE-2025-0355"])]),
    ("Ver.1.5.3より前のバージョン（CVE-2025-0356）", [rng(end="1.5.3", cve_ids=["CVE-2025-0356"])]),
    (
        "Ver.2.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）",
        [rng(end="2.4.2", cve_ids=["CVE-2025-0354", "CVE-2025-0355"])],
    ),
    ("v6 R4 およびそれ以前のバージョン", [rng(end="v6 R4", end_inclusive=True, cve_ids=ALL)]),
    ("ファームウェアバージョン 1.05およびそれ以前", [rng(end="1.05", end_inclusive=True, cve_ids=ALL)]),
    ("2.13.0 から 2.15.0 より前のバージョン", [rng("2.13.0", "2.15.0", start_inclusive=True, cve_ids=ALL)]),
    ("core 2.0-beta9 から 2.12.1 より前のバージョン", [rng("2.0-beta9", "2.12.1", start_inclusive=True, cve_ids=ALL)]),
    ("for Windows 5.8 (Build 1575) 未満", [rng(end="5.8 (Build 1575)", cve_ids=ALL)]),
    ("for EMC Celerra 5.8 (Build 1577) 未満", [rng(end="5.8 (Build 1577)", cve_ids=ALL)]),
    ("7.7", [rng(exact="7.7", cve_ids=ALL)]),
    # Several VersionNumber elements of one AffectedItem are kept one per line (JVNDB-2018-009328).
    ("7.7\n8.0\n8.1", [rng(exact="7.7", cve_ids=ALL), rng(exact="8.0", cve_ids=ALL), rng(exact="8.1", cve_ids=ALL)]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), REAL_TEXTS)
def test_real_jvn_version_texts(text, expected):
    assert parse_version_text(text, ALL) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.0 以上 2.0.1 未満", [rng("1.2.0", "2.0.1", start_inclusive=True)]),
        ("１．２．０ 以上　２．０．１ 未満", [rng("1.2.0", "2.0.1", start_inclusive=True)]),  # full-width digits/space
        ("3.0 以前", [rng(end="3.0", end_inclusive=True)]),
        ("Rev.24.00.03 およびそれ以前", [rng(end="24.00.03", end_inclusive=True)]),
        ("4.0 より前", [rng(end="4.0")]),
        ("5.0 以降", [rng(start="5.0", start_inclusive=True)]),
        ("1.0 から 1.4 まで", [rng("1.0", "1.4", start_inclusive=True, end_inclusive=True)]),
        ("1.0、1.1、1.2", [rng(exact="1.0"), rng(exact="1.1"), rng(exact="1.2")]),
        ("すべてのバージョン", [rng()]),
        ("16.12.10a より前（CVE-2023-20198）", [rng(end="16.12.10a", cve_ids=["CVE-2023-20198"])]),
    ],
)
def test_other_forms(text, expected):
    assert parse_version_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "詳細はベンダ情報を参照してください",
        "複数のバージョン",
        "1.0 未満、詳細は開発者の情報を参照",  # one unknown part makes the whole text unparsed
    ],
)
def test_unparsable_text_gives_no_ranges(text):
    assert parse_version_text(text, ["CVE-2024-0001"]) == []
