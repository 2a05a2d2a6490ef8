"""NVD and JVN matching on the real sample records, at every range boundary."""

import copy

import pytest

from kokuchi.exposures.matching import (
    DeviceIdentity,
    JvnAffected,
    JvnRange,
    match_attribute,
    match_jvn,
    match_nvd,
)
from kokuchi.vulnerabilities.tests.realdata import ATERM_AFFECTED, cpe22_to_23, nvd_record


def device(firmware_cpe, version, hardware_cpe="", label="機器"):
    return DeviceIdentity.build(
        firmware_cpe=firmware_cpe, hardware_cpe=hardware_cpe, firmware_version=version, label=label
    )


def nvd(cve_id, dev):
    return match_nvd(vuln_id=cve_id, configurations=nvd_record(cve_id)["configurations"], device=dev)


IOS_XE = "cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    ("version", "matched"),
    [
        ("16.11.9", False),  # below the first start
        ("16.12", True),  # versionStartIncluding 16.12
        ("16.12.10", True),
        ("16.12.10a", False),  # versionEndExcluding 16.12.10a
        ("17.3.8", True),
        ("17.3.8a", False),
        ("17.4.1", False),  # between two ranges
        ("17.6", True),
        ("17.6.6a", False),
        ("17.9.3a", True),
        ("17.9.4", True),
        ("17.9.4a", False),
    ],
)
def test_s_vuln_cisco_ios_xe_non_semver_boundaries_cve_2023_20198(version, matched):
    found = nvd("CVE-2023-20198", device(IOS_XE, version, label="IOS XE"))
    assert (found is not None) == matched


def test_s_vuln_explanation_names_version_cve_and_range():
    found = nvd("CVE-2023-20198", device(IOS_XE, "17.9.4", label="IOS XE"))
    assert found.method == "nvd_range"
    assert found.confidence == 90
    assert found.explanation == "IOS XE 17.9.4 は CVE-2023-20198 の範囲 17.9 以上 17.9.4a 未満に該当"


FORTIOS = "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    ("version", "matched"),
    [
        ("5.6.14", False),
        ("6.0.0", True),  # start included
        ("6.2.15", True),
        ("6.2.16", False),  # end excluded
        ("6.4.0", True),
        ("7.0.12", True),
        ("7.0.14", False),
        ("7.2.4 build1396", True),
        ("7.2.7", False),
        ("7.4.2", True),
        ("7.4.3", False),
    ],
)
def test_s_vuln_fortios_ranges_cve_2024_21762(version, matched):
    assert (nvd("CVE-2024-21762", device(FORTIOS, version, label="FortiOS")) is not None) == matched


def test_s_vuln_fortios_explanation():
    found = nvd("CVE-2024-21762", device(FORTIOS, "7.0.12", label="FortiOS"))
    assert found.explanation == "FortiOS 7.0.12 は CVE-2024-21762 の範囲 7.0.0 以上 7.0.14 未満に該当"


WLX212_FW = "cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*"
WLX212_HW = "cpe:2.3:h:yamaha:wlx212:-:*:*:*:*:*:*:*"
WLX222_HW = "cpe:2.3:h:yamaha:wlx222:-:*:*:*:*:*:*:*"


def test_s_vuln_firmware_and_hardware_configuration_matches_when_both_hold():
    found = nvd("CVE-2024-22366", device(WLX212_FW, "21.00.12", WLX212_HW, label="WLX212"))
    assert found.method == "nvd_range"
    assert found.confidence == 95
    assert found.explanation == (
        "WLX212 21.00.12 は CVE-2024-22366 の範囲 21.00.13 未満に該当（ハードウェア条件 wlx212 を満たす）"
    )


def test_s_vuln_firmware_and_hardware_excluded_end_does_not_match():
    assert nvd("CVE-2024-22366", device(WLX212_FW, "21.00.13", WLX212_HW)) is None


def test_s_vuln_firmware_and_hardware_needs_the_hardware_condition():
    """vuls folds AND into OR; here the firmware alone does not prove the platform."""
    assert nvd("CVE-2024-22366", device(WLX212_FW, "21.00.12")) is None
    # The WLX212 firmware on other hardware satisfies no block either.
    assert nvd("CVE-2024-22366", device(WLX212_FW, "21.00.12", WLX222_HW)) is None


def test_s_vuln_other_model_uses_its_own_block():
    wlx222_fw = "cpe:2.3:o:yamaha:wlx222_firmware:*:*:*:*:*:*:*:*"
    assert nvd("CVE-2024-22366", device(wlx222_fw, "24.00.03", WLX222_HW)) is not None
    assert nvd("CVE-2024-22366", device(wlx222_fw, "24.00.04", WLX222_HW)) is None


BUFFALO_FW = "cpe:2.3:o:buffalo:wsr-2533dhpl2-bk_firmware:*:*:*:*:*:*:*:*"
BUFFALO_HW = "cpe:2.3:h:buffalo:wsr-2533dhpl2-bk:-:*:*:*:*:*:*:*"


@pytest.mark.parametrize(("version", "matched"), [("1.01", True), ("1.02", True), ("1.03", False)])
def test_s_vuln_buffalo_included_end_cve_2021_20090(version, matched):
    assert (nvd("CVE-2021-20090", device(BUFFALO_FW, version, BUFFALO_HW)) is not None) == matched


CITRIX_FW = "cpe:2.3:o:citrix:sd-wan_1000_firmware:*:*:*:*:*:*:*:*"
CITRIX_HW = "cpe:2.3:h:citrix:sd-wan_1000:-:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    ("version", "matched"), [("11.3.9", False), ("11.4.0", True), ("11.4.4.45", True), ("11.4.4.46", False)]
)
def test_s_vuln_citrix_four_part_boundaries_cve_2024_2049(version, matched):
    assert (nvd("CVE-2024-2049", device(CITRIX_FW, version, CITRIX_HW)) is not None) == matched


def test_s_vuln_unknown_edition_lowers_confidence():
    """The criteria name sw_edition "standard"; a product CPE leaving it ANY is not proven."""
    vague = nvd("CVE-2024-2049", device(CITRIX_FW, "11.4.1", CITRIX_HW))
    exact = nvd(
        "CVE-2024-2049",
        device(
            "cpe:2.3:o:citrix:sd-wan_1000_firmware:*:*:*:*:standard:*:*:*",
            "11.4.1",
            "cpe:2.3:h:citrix:sd-wan_1000:-:*:*:*:standard:*:*:*",
        ),
    )
    assert (vague.confidence, exact.confidence) == (85, 95)


PAN_OS = "cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    ("version", "method"),
    [
        ("10.1.9", "nvd_range"),
        ("10.1.10", "nvd_exact"),  # named version pan-os:10.1.10:-
        ("10.1.11", None),
        ("9.0.17-h1", "nvd_exact"),  # named version with update h1
        ("9.0.17-h2", None),
        ("9.1.17", None),
    ],
)
def test_s_vuln_pan_os_exact_versions_cve_2024_0008(version, method):
    found = nvd("CVE-2024-0008", device(PAN_OS, version))
    assert (found.method if found else None) == method


UCM = "cpe:2.3:a:cisco:unified_communications_manager:*:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    ("version", "matched"), [("12.5(1)SU7", True), ("12.5(1)SU8", False), ("14SU2", True), ("14SU3", False)]
)
def test_s_vuln_cisco_escaped_parentheses_cve_2024_20253(version, matched):
    assert (nvd("CVE-2024-20253", device(UCM, version)) is not None) == matched


def _wlx212_block_with_negated_hardware():
    """No sample record publishes `negate: true`, so the real WLX212 block of CVE-2024-22366 is
    taken unchanged and only its hardware node's flag is set: "WLX212 firmware unless on WLX212"."""
    config = copy.deepcopy(
        next(
            c
            for c in nvd_record("CVE-2024-22366")["configurations"]
            if c["nodes"][1]["cpeMatch"][0]["criteria"] == WLX212_HW
        )
    )
    config["nodes"][1]["negate"] = True
    return [config]


def test_s_vuln_negated_node_excludes_its_platform():
    configurations = _wlx212_block_with_negated_hardware()
    on_wlx212 = device(WLX212_FW, "21.00.12", WLX212_HW)
    on_wlx222 = device(WLX212_FW, "21.00.12", WLX222_HW)
    assert match_nvd(vuln_id="CVE-2024-22366", configurations=configurations, device=on_wlx212) is None
    found = match_nvd(vuln_id="CVE-2024-22366", configurations=configurations, device=on_wlx222)
    assert found.method == "nvd_range"
    assert found.explanation == "機器 21.00.12 は CVE-2024-22366 の範囲 21.00.13 未満に該当"


def test_s_vuln_negated_configuration():
    config = copy.deepcopy(nvd_record("CVE-2023-20198")["configurations"][0])
    config["negate"] = True
    assert match_nvd(vuln_id="CVE-2023-20198", configurations=[config], device=device(IOS_XE, "17.9.4")) is None


def test_s_vuln_unknown_firmware_version_is_a_low_confidence_match():
    found = nvd("CVE-2023-20198", device(IOS_XE, "", label="IOS XE"))
    assert (found.method, found.confidence) == ("nvd_version_unknown", 30)


def test_s_vuln_other_vendor_product_never_matches():
    assert nvd("CVE-2023-20198", device(FORTIOS, "17.9.4")) is None


@pytest.mark.parametrize(
    ("criteria", "target", "expected"),
    [
        ("*", "fortios", (True, False)),
        ("-", "-", (True, False)),
        ("-", "standard", (False, False)),
        ("standard", "-", (False, False)),
        ("standard", "*", (True, True)),
        ("wlx2*", "wlx212", (True, False)),
        ("wlx2?2", "wlx212", (True, False)),
        ("wlx2?2", "wlx313", (False, False)),
        ("12.5\\(1\\)", "12.5\\(1\\)", (True, False)),
    ],
)
def test_cpe_attribute_matching(criteria, target, expected):
    assert match_attribute(criteria, target) == expected


def _aterm(parsed=True):
    items = []
    for _product, cpe22, text, end, cves in ATERM_AFFECTED:
        ranges = (JvnRange(end=end, start_inclusive=False, cve_ids=tuple(cves)),) if parsed else ()
        items.append(JvnAffected(cpe23=cpe22_to_23(cpe22), version_text=text, ranges=ranges, ranges_parsed=parsed))
    return items


WG2600HS = "cpe:2.3:o:nec:aterm_wg2600hs_firmware:*:*:*:*:*:*:*:*"


@pytest.mark.parametrize(("version", "matched"), [("1.7.1", True), ("1.7.2", False), ("1.8.0", False)])
def test_s_vuln_jvn_parsed_range_nec_aterm(version, matched):
    found = match_jvn(
        vuln_id="CVE-2025-0355", affected=_aterm(), device=device(WG2600HS, version), for_cve="CVE-2025-0355"
    )
    assert (found is not None) == matched


def test_s_vuln_jvn_explanation_quotes_the_text():
    found = match_jvn(
        vuln_id="CVE-2025-0355",
        affected=_aterm(),
        device=device(WG2600HS, "1.7.1", label="WG2600HS"),
        for_cve="CVE-2025-0355",
    )
    assert (found.method, found.confidence) == ("jvn_range", 80)
    assert found.explanation == (
        "WG2600HS 1.7.1 は CVE-2025-0355 の範囲 1.7.2 未満に該当"
        "（JVN 記載「Ver.1.7.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）」）"
    )


def test_s_vuln_jvn_range_applies_only_to_the_cves_it_names():
    wx1500 = device("cpe:2.3:o:nec:aterm_wx1500hp_firmware:*:*:*:*:*:*:*:*", "1.4.1")
    assert match_jvn(vuln_id="CVE-2025-0356", affected=_aterm(), device=wx1500, for_cve="CVE-2025-0356") is not None
    assert match_jvn(vuln_id="CVE-2025-0355", affected=_aterm(), device=wx1500, for_cve="CVE-2025-0355") is None


def test_s_vuln_jvn_unparsed_text_falls_back_to_vendor_product():
    found = match_jvn(
        vuln_id="CVE-2025-0355",
        affected=_aterm(parsed=False),
        device=device(WG2600HS, "1.7.2"),
        for_cve="CVE-2025-0355",
    )
    assert (found.method, found.confidence) == ("jvn_vendor_product", 10)
