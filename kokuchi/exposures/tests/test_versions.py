import pytest

from kokuchi.exposures.versions import compare_versions, parse_version

# (a, b, expected compare(a, b)): vendor firmware strings from the feeds and the issue.
TABLE = [
    ("Rev.15.02.29", "15.2.29", 0),  # Yamaha RTX: label dropped, leading zeros numeric
    ("Rev.15.02.29", "Rev.15.02.30", -1),
    ("7.0.12", "7.0.9", 1),  # numeric, not lexical
    ("7.2.4 build1396", "7.2.4", 1),  # Fortinet build after the plain release
    ("7.2.4 build1396", "7.2.5", -1),
    ("17.9.4", "17.9.4a", -1),  # Cisco IOS XE rebuild letter after the release
    ("17.9.4a", "17.9.4b", -1),
    ("17.9.4a", "17.9.5", -1),
    ("16.12.10a", "16.12.10", 1),
    ("16.12.10a", "16.12.9", 1),
    ("16.12", "16.12.0", 0),  # padding with zero
    ("6.0(2)A6(8)", "6.0(2)A6(10)", -1),  # NX-OS parentheses are separators
    ("6.0(2)A6(8)", "6.0(2)A8(1)", -1),
    ("12.5\\(1\\)su8", "12.5(1)SU8", 0),  # NVD escapes removed, case ignored
    ("12.5(1)SU7", "12.5(1)SU8", -1),
    ("14.0", "14su3", -1),  # Cisco UCM: SU releases after the base
    ("v6 R4", "V6 R3", 1),  # JVN's "v6 R4"
    ("v6 R4", "v7", -1),
    ("Ver.1.4.2", "1.4.2", 0),  # JVN "Ver.1.4.2より前"
    ("1.02", "1.2", 0),
    ("24.00.04", "24.00.03", 1),  # Yamaha WLX
    ("1.0rc1", "1.0", -1),  # pre-release before the release
    ("1.0", "1.0a", -1),
    ("11.4.4.46", "11.4.4.45", 1),  # Citrix SD-WAN four-part
    ("9.0.17-h1", "9.0.17 h1", 0),  # PAN-OS hotfix spelled two ways
]


@pytest.mark.parametrize(("a", "b", "expected"), TABLE)
def test_version_comparison_table(a, b, expected):
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected


def test_versions_sort_into_one_total_order():
    values = ["17.9.5", "17.9.4a", "16.12.10a", "17.9.4", "16.12", "17.3.8a", "16.12.10"]
    assert sorted(values, key=parse_version) == [
        "16.12",
        "16.12.10",
        "16.12.10a",
        "17.3.8a",
        "17.9.4",
        "17.9.4a",
        "17.9.5",
    ]


@pytest.mark.parametrize("value", ["", "-", "*", "（なし）"])
def test_text_without_version_is_unknown(value):
    assert parse_version(value) is None
    with pytest.raises(ValueError):
        compare_versions(value, "1.0")
