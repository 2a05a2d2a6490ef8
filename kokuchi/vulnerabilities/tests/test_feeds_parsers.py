"""Each real feed sample parses to the exact expected records (S-VULN)."""

import datetime
import json
from decimal import Decimal

import pytest

from kokuchi.vulnerabilities.feeds.epss import iter_epss
from kokuchi.vulnerabilities.feeds.jvn import iter_jvn_detail, parse_checksum, parse_jvn_overview
from kokuchi.vulnerabilities.feeds.kev import parse_kev
from kokuchi.vulnerabilities.feeds.nvd import iter_nvd_file, parse_nvd_page
from kokuchi.vulnerabilities.feeds.records import FeedError
from kokuchi.vulnerabilities.tests.feedsamples import rng, sample

UTC = datetime.UTC
JST = datetime.timezone(datetime.timedelta(hours=9))


def _one(path):
    records = list(iter_nvd_file(sample(path)))
    assert len(records) == 1
    return records[0]


def test_nvd_buffalo_record_keeps_firmware_and_hardware_configuration():
    record = _one("nvd/cve-records/CVE-2021-20090.json")
    published = json.loads(sample("nvd/cve-records/CVE-2021-20090.json").read_text())
    assert record.vuln_id == "CVE-2021-20090"
    assert record.source == "nvd"
    assert record.source_status == "Modified"
    assert record.withdrawn is False
    assert record.cvss3_score == Decimal("9.8")
    assert record.cvss3_severity == "CRITICAL"
    assert record.cvss3_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert record.cvss4_score is None
    assert record.cwe_ids == ("CWE-22",)
    assert record.published == datetime.datetime(2021, 4, 29, 15, 15, 10, 630000, tzinfo=UTC)
    assert record.last_modified == datetime.datetime(2024, 11, 21, 5, 45, 54, 457000, tzinfo=UTC)
    assert record.title_en == "Arcadyan Buffalo Firmware Path Traversal Vulnerability"
    assert record.description_en.startswith(
        "A path traversal vulnerability in the web interfaces of Buffalo WSR-2533DHPL2 firmware version <= 1.02"
    )
    # Configurations exactly as published: AND of firmware (vulnerable) and hardware (platform).
    assert list(record.configurations) == published["configurations"]
    first = record.configurations[0]
    assert first["operator"] == "AND"
    assert first["nodes"][0]["cpeMatch"][0] == {
        "vulnerable": True,
        "criteria": "cpe:2.3:o:buffalo:wsr-2533dhpl2-bk_firmware:*:*:*:*:*:*:*:*",
        "matchCriteriaId": "D861729C-023B-4D73-8C4C-BF7E8B0B7045",
        "versionEndIncluding": "1.02",
    }
    assert record.cpes == (
        ("o", "buffalo", "wsr-2533dhpl2-bk_firmware"),
        ("h", "buffalo", "wsr-2533dhpl2-bk"),
        ("o", "buffalo", "wsr-2533dhp3-bk_firmware"),
        ("h", "buffalo", "wsr-2533dhp3-bk"),
    )
    assert len(record.references) == 6
    assert record.references[0]["url"] == "https://www.kb.cert.org/vuls/id/914124"
    assert len(record.content_hash) == 64


def test_nvd_primary_metric_preferred_over_cna_secondary():
    record = _one("nvd/cve-records/CVE-2024-21762.json")
    assert (record.cvss3_score, record.cvss3_severity) == (Decimal("9.8"), "CRITICAL")
    assert record.cwe_ids == ("CWE-787",)
    assert record.cpes == (("a", "fortinet", "fortiproxy"), ("o", "fortinet", "fortios"))
    fortios = [
        m
        for m in record.configurations[0]["nodes"][0]["cpeMatch"]
        if m["criteria"].startswith("cpe:2.3:o:fortinet:fortios")
    ]
    assert fortios[0]["versionStartIncluding"] == "6.0.0"
    assert fortios[0]["versionEndExcluding"] == "6.2.16"


def test_nvd_negate_fields_and_sw_edition_kept():
    record = _one("nvd/cve-records/CVE-2024-2049.json")
    config = record.configurations[0]
    assert config["negate"] is False
    assert config["nodes"][0]["negate"] is False
    assert config["nodes"][0]["cpeMatch"][0]["criteria"] == (
        "cpe:2.3:o:citrix:sd-wan_1000_firmware:*:*:*:*:standard:*:*:*"
    )
    assert config["nodes"][0]["cpeMatch"][0]["versionEndExcluding"] == "11.4.4.46"
    assert record.cpes == (("o", "citrix", "sd-wan_1000_firmware"), ("h", "citrix", "sd-wan_1000"))
    assert (record.cvss3_score, record.cvss3_severity) == (Decimal("5.3"), "MEDIUM")


def test_nvd_awaiting_analysis_without_configurations_uses_cna_score():
    record = _one("nvd/cve-records/CVE-2025-0355.json")
    assert record.source_status == "Awaiting Analysis"
    assert record.configurations == ()
    assert record.cpes == ()
    assert (record.cvss3_score, record.cvss3_severity) == (Decimal("7.5"), "HIGH")
    assert record.cvss3_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    assert record.cwe_ids == ("CWE-306",)
    assert "Aterm WG2600HS Ver.1.7.2 and earlier" in record.description_en


def test_nvd_cvss_v4_page():
    page = parse_nvd_page(sample("nvd/api-cve-pages/1_item/0-1.json").read_bytes())
    assert (page.total_results, page.start_index, page.results_per_page) == (1, 0, 1)
    (record,) = page.records
    assert record.vuln_id == "CVE-2024-4819"
    assert (record.cvss4_score, record.cvss4_severity) == (Decimal("5.3"), "MEDIUM")
    assert record.cvss4_vector.startswith("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N")
    assert record.cvss3_vector == "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N"
    assert record.cwe_ids == ("CWE-285",)
    assert record.published == datetime.datetime(2024, 5, 14, 15, 45, 11, 543000, tzinfo=UTC)


def test_nvd_paging_sequence_and_empty_page():
    pages = [
        parse_nvd_page(sample(f"nvd/api-cve-pages/3_pages/{name}").read_bytes())
        for name in ("0-3.json", "3-3.json", "6-3.json")
    ]
    assert [p.total_results for p in pages] == [8, 8, 8]
    assert [p.start_index for p in pages] == [0, 3, 6]
    assert [r.vuln_id for p in pages for r in p.records] == [
        "CVE-2023-36014",
        "CVE-2023-36024",
        "CVE-2023-46729",
        "CVE-2023-6069",
        "CVE-2023-45167",
        "CVE-2023-39796",
        "CVE-2023-47246",
        "CVE-2023-47800",
    ]
    assert pages[1].records[0].cvss3_score == Decimal("9.9")  # from cvssMetricV30
    assert pages[1].records[0].source_status == "Received"
    empty = parse_nvd_page(sample("nvd/api-cve-pages/empty/0-1.json").read_bytes())
    assert (empty.total_results, empty.records) == (0, ())


def test_nvd_metrics_empty_gives_no_score():
    page = parse_nvd_page(sample("nvd/api-cve-pages/3_items/0-3.json").read_bytes())
    first = page.records[0]
    assert first.vuln_id == "CVE-2023-47488"
    assert (first.cvss3_score, first.cvss3_severity, first.cvss3_vector) == (None, "", "")


def test_nvd_severity_computed_from_vector_when_missing():
    cve = json.loads(sample("nvd/cve-records/CVE-2024-22366.json").read_text())
    for metric in cve["metrics"]["cvssMetricV31"]:
        del metric["cvssData"]["baseScore"]
        del metric["cvssData"]["baseSeverity"]
    record = next(iter_nvd_file(json.dumps(cve).encode()))
    assert (record.cvss3_score, record.cvss3_severity) == (Decimal("6.8"), "MEDIUM")


def test_nvd_rejected_cve_is_withdrawn():
    cve = json.loads(sample("nvd/cve-records/CVE-2024-20282.json").read_text())
    cve["vulnStatus"] = "Rejected"
    record = next(iter_nvd_file(json.dumps(cve).encode()))
    assert (record.withdrawn, record.source_status) == (True, "Rejected")


def test_jvn_detail_nec_aterm_per_cve_versions():
    path = sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml")
    records = {r.vuln_id: r for r in iter_jvn_detail(path)}
    assert list(records) == [
        "JVNDB-2025-000001",
        "JVNDB-2025-000002",
        "JVNDB-2025-000003",
        "JVNDB-2017-009608",
        "JVNDB-2018-009328",
        "JVNDB-2021-002774",
        "JVNDB-2022-000097",
    ]
    aterm = records["JVNDB-2025-000002"]
    assert aterm.title_ja == "NEC Atermシリーズにおける複数の脆弱性（NV25-003）"
    assert aterm.aliases == ("CVE-2025-0354", "CVE-2025-0355", "CVE-2025-0356")
    assert aterm.source == "jvn"
    assert aterm.description_ja.startswith(
        "日本電気株式会社が提供するAtermシリーズには、次の複数の脆弱性が存在します。\n"
        "・格納型クロスサイトスクリプティング（CWE-79）- CVE-2025-0354"
    )
    assert len(aterm.affected) == 11
    wg2600hm4 = aterm.affected[3]
    assert wg2600hm4.vendor == "日本電気"
    assert wg2600hm4.product == "Aterm WG2600HM4 ファームウェア"
    assert wg2600hm4.cpe22 == "cpe:/o:nec:aterm_wg2600hm4_firmware"
    assert wg2600hm4.cpe23 == "cpe:2.3:o:nec:aterm_wg2600hm4_firmware:*:*:*:*:*:*:*:*"
    assert wg2600hm4.version_text == "Ver.1.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）"
    assert wg2600hm4.ranges == (rng(end="1.4.2", cve_ids=["CVE-2025-0354", "CVE-2025-0355"]),)
    assert wg2600hm4.ranges_parsed is True
    wx1500 = next(a for a in aterm.affected if a.product == "Aterm WX1500HP ファームウェア")
    assert wx1500.ranges == (rng(end="1.4.2", cve_ids=["CVE-2025-0356"]),)
    assert ("o", "nec", "aterm_wg2600hm4_firmware") in aterm.cpes
    planex = records["JVNDB-2025-000001"]
    assert planex.affected[0].cpe23 == "cpe:2.3:o:planex:mzk-dp300n:*:*:*:*:*:*:*:*"
    assert planex.affected[0].ranges == (rng(end="1.05", end_inclusive=True, cve_ids=["CVE-2025-21603"]),)
    assert (planex.cvss3_score, planex.cvss3_severity) == (Decimal("4.8"), "MEDIUM")
    assert planex.cvss3_vector == "CVSS:3.0/AV:N/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:N"
    assert planex.published == datetime.datetime(2025, 1, 8, tzinfo=JST)
    assert planex.last_modified == datetime.datetime(2025, 1, 8, 12, 16, 23, tzinfo=JST)
    assert planex.cwe_ids == ("CWE-79",)
    netbackup = records["JVNDB-2018-009328"]
    assert netbackup.affected[0].version_text == "7.7\n8.0\n8.1"
    assert [r["exact"] for r in netbackup.affected[0].ranges] == ["7.7", "8.0", "8.1"]
    serverprotect = records["JVNDB-2021-002774"]
    assert (serverprotect.cvss3_score, serverprotect.cvss3_vector) == (None, "")
    assert serverprotect.affected[0].version_text.splitlines()[3] == "for Windows 5.8 (Build 1575) 未満"


def test_jvn_yearly_detail_feeds():
    log4j = next(iter_jvn_detail(sample("jvn/jvndb-feed-fixtures/detail/jvndb_detail_2021.rdf")))
    assert log4j.vuln_id == "JVNDB-2021-005429"
    assert log4j.title_ja == "Apache Log4j における任意のコードが実行可能な脆弱性"
    assert (log4j.cvss3_score, log4j.cvss3_severity) == (Decimal("10"), "CRITICAL")
    assert log4j.cvss3_vector == "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"
    assert log4j.affected[0].version_text == (
        "2.13.0 から 2.15.0 より前のバージョン\ncore 2.0-beta9 から 2.12.1 より前のバージョン"
    )
    assert log4j.affected[0].ranges == (
        rng("2.13.0", "2.15.0", start_inclusive=True),
        rng("2.0-beta9", "2.12.1", start_inclusive=True),
    )
    # NEC ACOS Access Toolkit: a CPE but no VersionNumber → unknown versions, not parsed.
    assert (log4j.affected[1].cpe22, log4j.affected[1].version_text, log4j.affected[1].ranges_parsed) == (
        "cpe:/a:nec:acos_access_toolkit",
        "",
        False,
    )
    assert log4j.last_modified == datetime.datetime(2022, 12, 15, 10, 24, 36, tzinfo=JST)
    canon, quiz = list(iter_jvn_detail(sample("jvn/jvndb-feed-fixtures/detail/jvndb_detail_2022.rdf")))
    assert canon.affected[0].product == "(複数の製品)"
    assert (canon.affected[0].cpe22, canon.affected[0].cpe23, canon.affected[0].ranges) == ("", "", ())
    assert canon.cpes == ()
    assert canon.aliases == ("CVE-2021-20877",)
    assert quiz.aliases == ("CVE-2022-0180", "CVE-2022-0181", "CVE-2022-0182")
    assert quiz.cwe_ids == ("CWE-79", "CWE-352")
    assert quiz.cpes == (("a", "expresstech", "quiz_and_survey_master"),)
    kernel, oaicat = list(iter_jvn_detail(sample("jvn/jvndb-feed-fixtures/detail/jvndb_detail_2023.rdf")))
    assert kernel.affected[0].ranges == (rng(end="5.16.3", cve_ids=["CVE-2023-23001"]),)
    assert oaicat.affected[0].ranges == (rng(end="1.5.62", cve_ids=["CVE-2013-10019"]),)
    assert (oaicat.cvss3_score, oaicat.cvss3_severity) == (Decimal("9.8"), "CRITICAL")


def test_jvn_get_vuln_detail_info_response():
    path = sample("jvn/myjvn-api-examples/hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml")
    (record,) = list(iter_jvn_detail(path))
    assert record.vuln_id == "JVNDB-2022-000097"
    assert record.title_ja == "電子入札コアシステムにおける複数の脆弱性"
    assert record.affected[0].version_text == "v6 R4 およびそれ以前のバージョン"
    assert record.affected[0].ranges == (
        rng(end="v6 R4", end_inclusive=True, cve_ids=["CVE-2022-41993", "CVE-2022-46287", "CVE-2022-46288"]),
    )


def test_jvn_withdrawn_marker():
    data = (
        sample("jvn/jvndb-feed-fixtures/detail/jvndb_detail_2023.rdf")
        .read_bytes()
        .replace("<Title>oclc の oaicat における".encode(), "<Title>** 削除 ** oclc の oaicat における".encode())
    )
    records = {r.vuln_id: r for r in iter_jvn_detail(data)}
    assert (records["JVNDB-2023-004315"].withdrawn, records["JVNDB-2023-004315"].source_status) == (True, "削除")
    assert records["JVNDB-2022-017704"].withdrawn is False


def test_jvn_overview_list_and_status():
    overview = parse_jvn_overview(sample("jvn/myjvn-api-examples/hnd/getVulnOverviewList_hnd.xml").read_bytes())
    assert [item.vuln_id for item in overview.items] == ["JVNDB-2025-002953", "JVNDB-2025-002884"]
    assert overview.items[0].modified == datetime.datetime(2025, 4, 4, 14, 45, 58, tzinfo=JST)
    assert (overview.status.total_res, overview.status.total_res_ret, overview.status.first_res) == (6, 2, 1)
    assert overview.recovered == ()
    # 2023 RSS fixtures: old namespace, timestamps without seconds.
    rss = parse_jvn_overview(sample("jvn/jvndb-feed-fixtures/rss/jvndb_2023.rdf").read_bytes())
    assert rss.items[0].vuln_id == "JVNDB-2022-017708"
    assert rss.items[0].modified == datetime.datetime(2023, 10, 16, 17, 18, tzinfo=JST)
    assert rss.status is None


def test_jvn_malformed_official_rss_sample_is_recovered_and_says_so():
    path = sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_rss_hnd.xml")
    overview = parse_jvn_overview(path.read_bytes(), file=path.name)
    assert len(overview.items) == 4
    assert overview.items[0].vuln_id == "JVNDB-2023-028579"
    assert overview.status.total_res == 26432
    assert overview.recovered == (
        "dataFeed_jvndb_rss_hnd.xml: line 116 column 10: recovered: quoted 1 unquoted attribute value(s) in "
        "status:Status (AttValue: \" or ' expected, line 116, column 10)",
    )


def test_jvn_checksum():
    entries = parse_checksum(sample("jvn/jvndb-feed-fixtures/detail/checksum.txt").read_bytes())
    detail = [e for e in entries if e.filename == "jvndb_detail_2022.rdf"][0]
    assert detail.url == "https://jvndb.jvn.jp/ja/feed/detail/jvndb_detail_2022.rdf"
    assert len(detail.sha256) == 64
    assert [e.filename for e in entries][:3] == ["jvndb_new.rdf", "jvndb.rdf", "jvndb_2023.rdf"]


def test_kev_catalog():
    catalog = parse_kev(sample("kev/known_exploited_vulnerabilities.json").read_bytes())
    assert catalog.catalog_version == "2025.08.25"
    assert len(catalog.records) == 1404
    buffalo = next(r for r in catalog.records if r.cve_id == "CVE-2021-20090")
    assert buffalo.vendor_project == "Arcadyan"
    assert buffalo.product == "Buffalo Firmware"
    assert buffalo.name == "Arcadyan Buffalo Firmware Path Traversal Vulnerability"
    assert buffalo.date_added == datetime.date(2021, 11, 3)
    assert buffalo.due_date == datetime.date(2021, 11, 17)
    assert buffalo.known_ransomware_use == "Unknown"
    assert buffalo.required_action == "Apply updates per vendor instructions."
    assert buffalo.notes == "https://nvd.nist.gov/vuln/detail/CVE-2021-20090"
    assert sum(1 for r in catalog.records if r.known_ransomware_use == "Known") == 293


def test_kev_entry_with_empty_date_added_is_refused_with_its_position():
    document = json.loads(sample("kev/known_exploited_vulnerabilities.json").read_bytes())
    entry = next(e for e in document["vulnerabilities"] if e["cveID"] == "CVE-2021-20090")
    document["vulnerabilities"] = [{**entry, "dateAdded": ""}]
    with pytest.raises(FeedError, match="entry has an empty dateAdded") as caught:
        parse_kev(json.dumps(document).encode(), file="kev.json")
    assert caught.value.file == "kev.json"
    assert caught.value.position == "vulnerabilities[0] (CVE-2021-20090)"


@pytest.mark.parametrize(
    ("name", "expected", "meta"),
    [
        (
            "epss/epss_scores-2021-04-14.csv.gz",
            [("CVE-2020-5902", 0.65117, None), ("CVE-2018-19571", 0.04773, None)],
            {"score_date": datetime.date(2021, 4, 14)},
        ),
        (
            "epss/epss_scores-2021-09-01.csv.gz",
            [("CVE-2020-5902", 0.65117, 0.9981063485700858), ("CVE-2018-19571", 0.04773, 0.8715910818693242)],
            {"score_date": datetime.date(2021, 9, 1)},
        ),
        (
            "epss/epss_scores-2022-02-04.csv.gz",
            [("CVE-2020-5902", 0.96817, 0.99999), ("CVE-2018-19571", 0.17187, 0.93112)],
            {"model_version": "v2022.01.01", "score_date": datetime.date(2022, 2, 4)},
        ),
        (
            "epss/epss_scores-2023-03-07.csv.gz",
            [("CVE-2020-5902", 0.97567, 0.99995), ("CVE-2018-19571", 0.00113, 0.43131)],
            {"model_version": "v2023.03.01", "score_date": datetime.date(2023, 3, 7)},
        ),
    ],
)
def test_epss_three_header_layouts(name, expected, meta):
    found = {}
    rows = list(iter_epss(sample(name), meta_out=found))
    assert [(r.cve_id, r.score, r.percentile) for r in rows] == expected
    assert {r.score_date for r in rows} == {meta["score_date"]}
    assert found == meta


def test_epss_current_with_z_date():
    found = {}
    rows = list(iter_epss(sample("epss/current-excerpt/epss_scores-current.head.csv"), meta_out=found))
    assert len(rows) == 29
    assert (rows[0].cve_id, rows[0].score, rows[0].percentile) == ("CVE-1999-0001", 0.03351, 0.88255)
    assert found == {"model_version": "v2026.06.15", "score_date": datetime.date(2026, 9, 29)}


@pytest.mark.parametrize(
    ("name", "first_id", "modified"),
    [
        ("jvndb.rdf", "JVNDB-2023-000001", datetime.datetime(2023, 11, 3, 12, 2, tzinfo=JST)),
        ("jvndb_new.rdf", "JVNDB-2023-004814", datetime.datetime(2023, 11, 2, 11, 57, tzinfo=JST)),
        ("jvndb_2007.rdf", "JVNDB-2007-000127", datetime.datetime(2007, 4, 1, 0, 0, tzinfo=JST)),
        ("jvndb_2011.rdf", "JVNDB-2011-001013", datetime.datetime(2011, 5, 2, 13, 25, tzinfo=JST)),
        ("jvndb_2021.rdf", "JVNDB-2021-005429", datetime.datetime(2022, 12, 15, 10, 24, tzinfo=JST)),
        ("jvndb_2022.rdf", "JVNDB-2021-018345", datetime.datetime(2023, 6, 1, 11, 12, tzinfo=JST)),
    ],
)
def test_jvn_rss_feed_fixtures(name, first_id, modified):
    overview = parse_jvn_overview(sample(f"jvn/jvndb-feed-fixtures/rss/{name}").read_bytes())
    assert (overview.items[0].vuln_id, overview.items[0].modified) == (first_id, modified)


def test_nvd_match_criteria_page_is_not_a_cve_page():
    with pytest.raises(FeedError, match="wrong root: not an NVD CVE API 2.0 page"):
        list(iter_nvd_file(sample("nvd/api-cpematch-pages/3_items/0-3.json")))


NVD_SAMPLES = [
    "CVE-2021-20090",
    "CVE-2023-20198",
    "CVE-2024-0008",
    "CVE-2024-20253",
    "CVE-2024-20282",
    "CVE-2024-2049",
    "CVE-2024-21762",
    "CVE-2024-22366",
    "CVE-2025-0355",
    "CVE-2025-0356",
]


def _nvd_items():
    return [{"cve": json.loads(sample(f"nvd/cve-records/{cve}.json").read_text())} for cve in NVD_SAMPLES]


def _envelope(items, **extra):
    return {
        "resultsPerPage": len(items),
        "startIndex": 0,
        "totalResults": len(items),
        "format": "NVD_CVE",
        "version": "2.0",
        **extra,
        "vulnerabilities": items,
    }


def _records_and_error(data):
    import io

    records, error = [], None
    try:
        for record in iter_nvd_file(io.BytesIO(data), file="feed.json"):
            records.append(record)
    except FeedError as exc:
        error = exc
    return records, error


def _ijson_items(data):
    import io

    import ijson

    return list(ijson.items(io.BytesIO(data), "vulnerabilities.item", use_float=True))


def _items_from(data):
    import io

    from kokuchi.vulnerabilities.feeds.nvd import _items

    return list(_items(io.BytesIO(data)))


@pytest.mark.parametrize("layout", ["compact", "pretty", "spaced", "timestamp-after"])
def test_nvd_feed_items_cut_and_parsed_whole_equal_ijson_items(layout, monkeypatch):
    """The fast item reader (orjson per item, cut at the next `{"cve":`) gives exactly ijson's items,
    whatever the layout of the file; ijson reads only the last item and the end of the file."""
    from kokuchi.vulnerabilities.feeds import nvd

    from_ijson = []

    def counting_items(*args, **kwargs):
        for item in _ijson_items_lazily_from(*args, **kwargs):
            from_ijson.append(item)
            yield item

    import ijson

    _ijson_items_lazily_from = ijson.items
    monkeypatch.setattr(nvd.ijson, "items", counting_items)
    items = _nvd_items() * 30  # 300 items: several 64 KiB reads
    if layout == "compact":
        data = json.dumps(_envelope(items), separators=(",", ":")).encode()
    elif layout == "pretty":
        data = json.dumps(_envelope(items), indent=2, ensure_ascii=False).encode()
    elif layout == "spaced":  # as NVD's Jackson pretty printer writes it: "key" : value
        data = json.dumps(_envelope(items), indent=2).replace('": ', '" : ').encode()
    else:
        document = _envelope(items)
        data = json.dumps({"vulnerabilities": document.pop("vulnerabilities"), **document}).encode()
    assert _items_from(data) == items
    assert from_ijson == items[-1:]
    monkeypatch.undo()
    assert _ijson_items(data) == items


def test_nvd_feed_items_that_cannot_be_cut_fall_back_to_ijson_with_the_same_result():
    items = _nvd_items() * 20
    # An object whose first key is "cve" nested inside an item, a 20-digit integer (orjson would
    # read it as a float, ijson refuses it), and an item whose first key is not "cve".
    nested = json.loads(json.dumps(items[3]))
    nested["cve"]["references"].append({"url": "https://example.org/", "tags": [{"cve": {"id": "x"}}]})
    reordered = {"extra": True, **json.loads(json.dumps(items[5]))}
    cases = {
        "nested": [*items[:3], nested, *items[4:]],
        "reordered": [*items[:5], reordered, *items[6:]],
        "mixed-spacing": None,
    }
    for name, case in cases.items():
        if name == "mixed-spacing":
            text = json.dumps(_envelope(items), separators=(",", ":"))
            data = text.replace('{"cve":', '{ "cve" :', 7).encode()
        else:
            data = json.dumps(_envelope(case), separators=(",", ":")).encode()
        assert _items_from(data) == _ijson_items(data), name

    huge = (
        json.dumps(_envelope(items), separators=(",", ":"))
        .replace('"baseScore":9.8', '"baseScore":12345678901234567890', 1)
        .encode()
    )
    records, error = _records_and_error(huge)
    reference = json.dumps(_envelope(items[:1]), separators=(",", ":")).encode()
    assert error is not None and "integer overflow" in error.message
    assert error.position.startswith("near byte ")
    assert len(records) < len(items)
    assert [r.vuln_id for r in records] == [item["cve"]["id"] for item in items[: len(records)]]
    assert _records_and_error(reference)[0][0].vuln_id == items[0]["cve"]["id"]


@pytest.mark.parametrize("cut", [0.3, 0.7, 0.999])
def test_nvd_truncated_feed_yields_the_items_before_the_damage_then_the_same_error(cut):
    items = _nvd_items() * 30
    data = json.dumps(_envelope(items), separators=(",", ":")).encode()
    truncated = data[: int(len(data) * cut)]
    records, error = _records_and_error(truncated)
    assert error is not None and error.message.startswith("malformed or truncated JSON")
    assert f"after record {len(records)} ({records[-1].vuln_id})" in error.position
    expected = []
    try:
        for item in _ijson_items_lazily(truncated):
            expected.append(item["cve"]["id"])
    except Exception:  # noqa: BLE001 - ijson's error ends the reference list
        pass
    assert [r.vuln_id for r in records] == expected


def _ijson_items_lazily(data):
    import io

    import ijson

    yield from ijson.items(io.BytesIO(data), "vulnerabilities.item", use_float=True)


def test_nvd_item_without_cve_object_is_named_by_its_record_number():
    items = _nvd_items() * 10
    items[42] = {"notcve": {}}
    data = json.dumps(_envelope(items), separators=(",", ":")).encode()
    records, error = _records_and_error(data)
    assert len(records) == 42
    assert (error.message, error.position) == ("vulnerabilities[] item without a cve object", "record 43")


@pytest.mark.parametrize("published", [123.4, -1, "9.8x", "NaN", True, {"value": 9.8}])
def test_nvd_base_score_that_is_not_a_cvss_score_is_computed_from_the_vector(published):
    """0.0-10.0 or nothing: a score out of range would be stored by SQLite and refused by PostgreSQL."""
    cve = json.loads(sample("nvd/cve-records/CVE-2024-22366.json").read_text())
    for metric in cve["metrics"]["cvssMetricV31"]:
        metric["cvssData"]["baseScore"] = published
    record = next(iter_nvd_file(json.dumps(cve).encode()))
    assert (record.cvss3_score, record.cvss3_severity) == (Decimal("6.8"), "MEDIUM")


def test_jvn_base_score_out_of_range_is_computed_from_the_vector():
    text = sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml").read_text()
    reference = {r.vuln_id: r for r in iter_jvn_detail(text.encode())}
    bad = {r.vuln_id: r for r in iter_jvn_detail(text.replace("<Base>", "<Base>9").encode())}
    scored = [vuln_id for vuln_id, r in reference.items() if r.cvss3_score is not None]
    assert scored
    for vuln_id in scored:
        assert (bad[vuln_id].cvss3_score, bad[vuln_id].cvss3_severity) == (
            reference[vuln_id].cvss3_score,
            reference[vuln_id].cvss3_severity,
        )


@pytest.mark.parametrize("vuln_id", ["CVE-2024-" + "1" * 40, "CVE-2024-12a4", "CVE-24-1234"])
def test_nvd_id_that_is_not_a_storable_cve_id_is_refused(vuln_id):
    cve = json.loads(sample("nvd/cve-records/CVE-2024-22366.json").read_text())
    cve["id"] = vuln_id
    with pytest.raises(FeedError, match="not a CVE id"):
        next(iter_nvd_file(json.dumps(cve).encode(), file="x.json"))


def test_jvn_id_longer_than_the_column_is_refused():
    text = sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml").read_text()
    with pytest.raises(FeedError, match="without a JVNDB id") as caught:
        list(
            iter_jvn_detail(
                text.replace("JVNDB-2025-000001<", "JVNDB-2025-" + "0" * 40 + "<", 1).encode(), file="x.xml"
            )
        )
    assert caught.value.position.startswith("line ")
