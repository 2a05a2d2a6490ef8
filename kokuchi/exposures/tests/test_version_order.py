"""The one documented order of vendor versions (exposures/versions.py) and the ranges JVN's
version texts become (S-VULN): property tests on generated versions, then every form of the
texts with devices just inside, at and just outside each bound."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kokuchi.exposures.matching import JvnRange
from kokuchi.exposures.versions import compare_versions, parse_version, version_in_bounds
from kokuchi.vulnerabilities.feeds.jvn_versions import parse_version_text

# --- generated vendor versions -------------------------------------------------------------

numbers = st.integers(min_value=0, max_value=120)
cores = st.lists(numbers, min_size=1, max_size=4)
LABELS = ["", "Rev.", "Ver.", "v", "V", "バージョン "]
SUFFIXES = st.one_of(
    st.just(""),
    st.sampled_from("abcpqz").map(lambda letter: letter),  # 17.9.4a, 1.000A
    numbers.map(lambda n: f"-h{n}"),  # PAN-OS hotfix
    numbers.map(lambda n: f" build{n}"),  # Fortinet
    st.integers(min_value=20200101, max_value=20261231).map(lambda n: f" Build {n}"),  # TP-Link
    st.tuples(numbers, numbers).map(lambda p: f"({p[0]}.{p[1]})"),  # Cisco 11.0(20.3)
    st.tuples(numbers, numbers, numbers).map(lambda p: f"({p[0]}.{p[1]})T{p[2]}"),  # 12.0(3.4)T1
    numbers.map(lambda n: f"_multi_TDE{n:02d}"),  # 15.03.06.48_multi_TDE01
    numbers.map(lambda n: f"rc{n}"),
    st.just(".x"),  # 10.5.x
)


@st.composite
def versions(draw) -> str:
    core = ".".join(f"{n:02d}" if draw(st.booleans()) else str(n) for n in draw(cores))
    return f"{draw(st.sampled_from(LABELS))}{core}{draw(SUFFIXES)}"


@settings(max_examples=300, deadline=None)
@given(versions(), versions())
def test_order_is_antisymmetric_and_total(a, b):
    va, vb = parse_version(a), parse_version(b)
    assert (va < vb) + (vb < va) + (va == vb) == 1
    assert compare_versions(a, b) == -compare_versions(b, a)


@settings(max_examples=300, deadline=None)
@given(versions(), versions(), versions())
def test_order_is_transitive(a, b, c):
    low, middle, high = sorted([parse_version(a), parse_version(b), parse_version(c)])
    assert low <= middle <= high
    assert low <= high
    if low < middle and middle < high:
        assert low < high


@settings(max_examples=300, deadline=None)
@given(versions(), versions())
def test_equality_agrees_with_the_order_and_the_hash(a, b):
    va, vb = parse_version(a), parse_version(b)
    assert (va == vb) == (compare_versions(a, b) == 0) == (not va < vb and not vb < va)
    if va == vb:
        assert hash(va) == hash(vb)


@settings(max_examples=200, deadline=None)
@given(cores, st.sampled_from(LABELS))
def test_spellings_of_one_version_are_equal(core, label):
    plain = ".".join(map(str, core))
    assert parse_version(f"{label}{'.'.join(f'{n:03d}' for n in core)}") == parse_version(plain)
    assert parse_version(f"{plain}.0") == parse_version(plain)


@settings(max_examples=200, deadline=None)
@given(cores, numbers, st.integers(min_value=1, max_value=5))
def test_an_exact_entry_matches_only_the_same_build(core, build, step):
    base = ".".join(map(str, core))
    entry = f"{base} Build {20231115 + build}"
    assert version_in_bounds(parse_version(entry), exact=entry)
    assert not version_in_bounds(parse_version(f"{base} Build {20231115 + build + step}"), exact=entry)
    assert not version_in_bounds(parse_version(base), exact=entry)
    assert not version_in_bounds(parse_version(f"{base}.{step}"), exact=entry)


@settings(max_examples=200, deadline=None)
@given(st.lists(numbers, min_size=1, max_size=3), st.lists(numbers, min_size=0, max_size=3), st.integers(1, 5))
def test_a_wildcard_means_its_whole_series(prefix, rest, step):
    series = ".".join(map(str, prefix))
    member = ".".join(map(str, prefix + rest))
    after = ".".join(map(str, prefix[:-1] + [prefix[-1] + step]))
    assert version_in_bounds(parse_version(member), exact=f"{series}.x")
    assert not version_in_bounds(parse_version(after), exact=f"{series}.x")
    assert version_in_bounds(parse_version(member), end=f"{series}.x", end_inclusive=True)
    assert not version_in_bounds(parse_version(after), end=f"{series}.x", end_inclusive=True)
    assert not version_in_bounds(parse_version(member), start=f"{series}.x", start_inclusive=False)
    assert version_in_bounds(parse_version(after), start=f"{series}.x", start_inclusive=False)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=8))
def test_series_to_version_range_is_not_empty(patch):
    (rng,) = [JvnRange.from_dict(r) for r in parse_version_text("10.5.x から 10.5.8 まで")]
    assert not rng.is_empty()
    assert rng.contains(parse_version(f"10.5.{patch}"))


def test_documented_order_of_the_vendor_schemes():
    assert sorted(
        [
            "10.5.x",
            "10.5.8",
            "10.2.4-h3",
            "10.2.4",
            "10.2.5",
            "10.5",
            "10.4.9",
        ],
        key=parse_version,
    ) == ["10.2.4", "10.2.4-h3", "10.2.5", "10.4.9", "10.5.x", "10.5", "10.5.8"]
    assert compare_versions("Rev.14.01.33", "14.1.33") == 0
    assert compare_versions("Rev.14.01.33", "Rev.14.01.34") == -1
    assert compare_versions("S5.82.00", "S5.83.00") == -1
    assert compare_versions("7.2.5", "7.2.4 build1396") == 1
    assert compare_versions("15.03.06.48_multi_TDE01", "15.03.06.49_multi_TDE01") == -1
    assert compare_versions("11.0(20.3)", "11.0(20.10)") == -1
    assert compare_versions("12.0(3.4)T1", "12.0(3.4)") == 1
    assert compare_versions("1.1.2 Build 20231115", "1.1.2 Build 20231116") == -1
    assert compare_versions("1.000A", "1.014Q") == -1


# --- every form of JVN's text, devices just inside, at and just outside each bound -------------


def affected(text: str, version: str) -> bool:
    ranges = [JvnRange.from_dict(r) for r in parse_version_text(text)]
    assert ranges, f"not parsed: {text}"
    return any(r.contains(parse_version(version)) for r in ranges)


FORM_CASES = [
    # glued product name and hardware revision, first fixed build excluded
    ("「Archer C5(JP)_V1_1.1.2 Build 20231115」より前のファームウェア", "1.1.2 Build 20231114", True),
    ("「Archer C5(JP)_V1_1.1.2 Build 20231115」より前のファームウェア", "1.1.2 Build 20231115", False),
    ("「Archer C5(JP)_V1_1.1.2 Build 20231115」より前のファームウェア", "1.1.3 Build 20231001", False),
    # leading Ver. and a trailing list of CVEs in full-width parentheses
    ("Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）", "1.4.1", True),
    ("Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）", "1.4.2", False),
    ("Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）", "1.4.3", False),
    # ASCII parentheses separated by ","
    ("1.29.3より前のバージョン(CVE-2024-31077, CVE-2024-28890)", "1.29.2", True),
    ("1.29.3より前のバージョン(CVE-2024-31077, CVE-2024-28890)", "1.29.3", False),
    # Rev. and ファームウェア
    ("Rev.14.01.33 およびそれ以前のファームウェア", "Rev.14.01.32", True),
    ("Rev.14.01.33 およびそれ以前のファームウェア", "Rev.14.01.33", True),
    ("Rev.14.01.33 およびそれ以前のファームウェア", "Rev.14.01.34", False),
    ("ファームウェアバージョン 1.05およびそれ以前", "1.05", True),
    ("ファームウェアバージョン 1.05およびそれ以前", "1.06", False),
    # qualifiers that do not change the versions
    ("2.4 (32 ビット版) およびそれ以前", "2.4", True),
    ("2.4 (32 ビット版) およびそれ以前", "2.4.1", False),
    ("3.1.0 (client) 未満", "3.0.9", True),
    ("3.1.0 (client) 未満", "3.1.0", False),
    ("7.0.1 (x86-64) より前のバージョン", "7.0.0", True),
    ("7.0.1 (x86-64) より前のバージョン", "7.0.1", False),
    ("LTSC 2021 for 64-bit editions", "2021", True),
    ("LTSC 2021 for 64-bit editions", "2022", False),
    ("1.0 SP1 およびそれ以前", "1.0 SP1", True),
    ("1.0 SP1 およびそれ以前", "1.0 SP2", False),
    # 「A から B」 without まで: both bounds included
    ("2.13.0 から 2.15.0", "2.12.9", False),
    ("2.13.0 から 2.15.0", "2.13.0", True),
    ("2.15.0 から 2.15.0", "2.15.0", True),
    ("2.13.0 から 2.15.0", "2.15.0", True),
    ("2.13.0 から 2.15.0", "2.15.1", False),
    ("Ver.3.1.0 から Ver.3.1.8", "3.0.9", False),  # JVNDB-2024-000019 as published
    ("Ver.3.1.0 から Ver.3.1.8", "3.1.0", True),
    ("Ver.3.1.0 から Ver.3.1.8", "3.1.8", True),
    ("Ver.3.1.0 から Ver.3.1.8", "3.1.9", False),
    # a build name glued to the version (JVNDB-2024-000025)
    ("scvimage4.10.21_1013 より前のバージョン", "scvimage4.10.21_1012", True),
    ("scvimage4.10.21_1013 より前のバージョン", "scvimage4.10.21_1013", False),
    # 「A〜B」 with letter suffixes (wave dash and full-width tilde)
    ("1.000A〜1.014Q", "1.000", False),
    ("1.000A〜1.014Q", "1.000A", True),
    ("1.000A〜1.014Q", "1.014P", True),
    ("1.000A〜1.014Q", "1.014Q", True),
    ("1.000A～1.014Q", "1.014R", False),
    # wildcards
    ("10.5.x", "10.4.9", False),
    ("10.5.x", "10.5", True),
    ("10.5.x", "10.5.99", True),
    ("10.5.x", "10.6", False),
    ("10.5.x から 10.5.8 まで", "10.4.99", False),
    ("10.5.x から 10.5.8 まで", "10.5.0", True),
    ("10.5.x から 10.5.8 まで", "10.5.8", True),
    ("10.5.x から 10.5.8 まで", "10.5.9", False),
    ("ver.3.6.xおよびそれ以前(CVE-2024-36252)", "3.6.100", True),
    ("ver.3.6.xおよびそれ以前(CVE-2024-36252)", "3.7.0", False),
    # a series restriction: the range starts at that series
    ("Ver.2.10.50 より前のバージョン (Ver.2.10.x系)", "2.9.99", False),
    ("Ver.2.10.50 より前のバージョン (Ver.2.10.x系)", "2.10.0", True),
    ("Ver.2.10.50 より前のバージョン (Ver.2.10.x系)", "2.10.49", True),
    ("Ver.2.10.50 より前のバージョン (Ver.2.10.x系)", "2.10.50", False),
    # Cisco
    ("11.0(20.3) より前", "11.0(20.2)", True),
    ("11.0(20.3) より前", "11.0(20.3)", False),
    ("11.0(20.3) より前", "11.0(20.4)", False),
    ("12.0(3.4)T1 より前", "12.0(3.4)", True),
    ("12.0(3.4)T1 より前", "12.0(3.4)T1", False),
    ("12.0(3.4)T1 より前", "12.0(3.4)T2", False),
    # PAN-OS hotfix and a leading letter
    ("10.2.4-h3 より前", "10.2.4-h2", True),
    ("10.2.4-h3 より前", "10.2.4-h3", False),
    ("S5.82.00 より前", "S5.81.99", True),
    ("S5.82.00 より前", "S5.82.00", False),
    # exact entries: only the same build
    ("15.03.06.48_multi_TDE01", "15.03.06.48_multi_TDE01", True),
    ("15.03.06.48_multi_TDE01", "15.03.06.49_multi_TDE01", False),
    ("15.03.06.48_multi_TDE01", "15.03.06.48", False),
    ("7.7", "7.7", True),
    ("7.7", "7.7.1", False),
    # several exact builds, one with another name in parentheses
    ("ver.3.5.1.201（ver.3.5.1.200op1）、ver.3.6.2.1", "3.5.1.200op1", True),
    ("ver.3.5.1.201（ver.3.5.1.200op1）、ver.3.6.2.1", "3.5.1.202", False),
    # a product word and a label before the version
    ("Android アプリ バージョン 5.78.0 より前のバージョン", "5.77.9", True),
    ("Android アプリ バージョン 5.78.0 より前のバージョン", "5.78.0", False),
    # every version, definite: no bound, the first and any later build inside
    ("すべてのバージョン", "0.0.1", True),
    ("すべてのバージョン", "Rev.15.02.29", True),
    ("全てのバージョン", "0.0.1", True),
    ("全てのバージョン", "99.9", True),
    ("全バージョン", "0.0.1", True),
    ("全バージョン", "99.9", True),
    ("すべてのリリース(CVE-2024-23604, CVE-2024-28039, CVE-2024-28125)", "20220319", True),
    # 「Version.」 with a dot, a start bound, and a fix condition (the range; the qualifier is
    # decided by staff, see test_qualified_ranges.py)
    ("Version.5.0およびそれ以降、かつ「修正プログラム20240527」未適用のもの", "4.9.9", False),
    ("Version.5.0およびそれ以降、かつ「修正プログラム20240527」未適用のもの", "5.0", True),
    ("Version.5.0およびそれ以降、かつ「修正プログラム20240527」未適用のもの", "5.0.1", True),
]


@pytest.mark.parametrize(("text", "version", "expected"), FORM_CASES)
def test_s_vuln_jvn_form_bounds(text, version, expected):
    assert affected(text, version) is expected


def test_s_vuln_empty_range_is_version_range_unknown():
    """A range whose start lies after its end admits nothing: it is a misreading, so the
    affected item falls back to "version range unknown" (要確認), never a silent non-match."""
    (rng,) = [JvnRange.from_dict(r) for r in parse_version_text("2.15.0 から 2.13.0 まで")]
    assert rng.is_empty()
    assert not rng.contains(parse_version("2.14.0"))
    (floor,) = [JvnRange.from_dict(r) for r in parse_version_text("10.5.x から 10.5.8 まで")]
    assert not floor.is_empty()


def test_s_vuln_versions_named_without_saying_which_are_version_range_unknown():
    """「複数のバージョン」 says some versions are affected, not which: no range (要確認)."""
    assert parse_version_text("複数のバージョン") == []


@pytest.mark.parametrize("text", ["すべてのバージョン", "全てのバージョン", "全バージョン", "すべてのリリース"])
def test_s_vuln_every_version_forms_are_an_open_range_without_qualifier(text):
    assert parse_version_text(text) == [
        {"start": None, "start_inclusive": False, "end": None, "end_inclusive": False, "exact": None, "cve_ids": []}
    ]
