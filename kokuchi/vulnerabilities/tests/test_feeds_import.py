"""Offline import (`kokuchi feeds import`): real samples into the database, re-import is a no-op,
change tracking for the matcher, and bad or hostile input rejected with the database unchanged."""

import datetime
import gzip
import json
import time
import tracemalloc
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from kokuchi.vulnerabilities.feeds import loader
from kokuchi.vulnerabilities.feeds.importer import import_feed_files
from kokuchi.vulnerabilities.feeds.records import FeedError
from kokuchi.vulnerabilities.models import (
    AffectedProduct,
    EpssScore,
    FeedRun,
    KnownExploited,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityCpe,
)
from kokuchi.vulnerabilities.signals import vulnerabilities_changed
from kokuchi.vulnerabilities.tests.feedsamples import rng, sample

pytestmark = pytest.mark.django_db

NVD_RECORDS = [
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
JVN_FILES = [
    "jvn/jvndb-feed-fixtures/detail/jvndb_detail_2021.rdf",
    "jvn/jvndb-feed-fixtures/detail/jvndb_detail_2022.rdf",
    "jvn/jvndb-feed-fixtures/detail/jvndb_detail_2023.rdf",
    "jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml",
]


@pytest.fixture
def hook_calls():
    """IDs sent with vulnerabilities_changed (tests using it commit for real: transaction=True)."""
    calls = []

    def receiver(sender, *, vuln_ids, **kwargs):
        calls.append(vuln_ids)

    vulnerabilities_changed.connect(receiver, dispatch_uid="test_feeds_import.hook_calls")
    yield calls
    vulnerabilities_changed.disconnect(dispatch_uid="test_feeds_import.hook_calls")


def _nvd_paths():
    return [sample(f"nvd/cve-records/{cve}.json") for cve in NVD_RECORDS]


def _snapshot():
    return {
        "vulns": sorted(Vulnerability.objects.values_list("vuln_id", "content_hash", "changed_at")),
        "aliases": sorted(VulnerabilityAlias.objects.values_list("vulnerability__vuln_id", "alias_id")),
        "affected": sorted(AffectedProduct.objects.values_list("vulnerability__vuln_id", "cpe22", "version_text")),
        "cpes": sorted(VulnerabilityCpe.objects.values_list("vulnerability__vuln_id", "part", "vendor", "product")),
        "kev": sorted(KnownExploited.objects.values_list("cve_id", "due_date")),
        "epss": sorted(EpssScore.objects.values_list("cve_id", "score", "score_date")),
    }


def _import_everything():
    call_command("feeds", "import", "--source", "nvd", *_nvd_paths(), "--no-progress")
    call_command("feeds", "import", "--source", "jvn", *[sample(p) for p in JVN_FILES], "--no-progress")
    call_command(
        "feeds", "import", "--source", "kev", sample("kev/known_exploited_vulnerabilities.json"), "--no-progress"
    )
    call_command(
        "feeds",
        "import",
        "--source",
        "epss",
        sample("epss/epss_scores-2021-04-14.csv.gz"),
        sample("epss/epss_scores-2023-03-07.csv.gz"),
        "--no-progress",
    )


@pytest.mark.django_db(transaction=True)
def test_s_vuln_import_real_samples_fills_every_table(hook_calls):
    _import_everything()

    buffalo = Vulnerability.objects.get(vuln_id="CVE-2021-20090")
    assert (buffalo.source, buffalo.cvss3_score, buffalo.cvss3_severity) == ("nvd", Decimal("9.8"), "CRITICAL")
    assert buffalo.published == datetime.datetime(2021, 4, 29, 15, 15, 10, 630000, tzinfo=datetime.UTC)
    assert (
        buffalo.configurations
        == json.loads(sample("nvd/cve-records/CVE-2021-20090.json").read_text())["configurations"]
    )
    assert sorted(buffalo.cpe_index.values_list("part", "vendor", "product")) == [
        ("h", "buffalo", "wsr-2533dhp3-bk"),
        ("h", "buffalo", "wsr-2533dhpl2-bk"),
        ("o", "buffalo", "wsr-2533dhp3-bk_firmware"),
        ("o", "buffalo", "wsr-2533dhpl2-bk_firmware"),
    ]
    assert Vulnerability.objects.get(vuln_id="CVE-2025-0355").configurations == []

    aterm = Vulnerability.objects.get(vuln_id="JVNDB-2025-000002")
    assert sorted(aterm.aliases.values_list("alias_id", flat=True)) == [
        "CVE-2025-0354",
        "CVE-2025-0355",
        "CVE-2025-0356",
    ]
    wx3000 = aterm.affected_products.get(product="Aterm WX3000HP ファームウェア")
    assert (wx3000.vendor, wx3000.cpe22, wx3000.cpe23) == (
        "日本電気",
        "cpe:/o:nec:aterm_wx3000hp_firmware",
        "cpe:2.3:o:nec:aterm_wx3000hp_firmware:*:*:*:*:*:*:*:*",
    )
    assert wx3000.version_text == "Ver.2.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）"
    assert wx3000.ranges == [rng(end="2.4.2", cve_ids=["CVE-2025-0354", "CVE-2025-0355"])]
    assert wx3000.ranges_parsed is True
    assert aterm.cpe_index.filter(part="o", vendor="nec", product="aterm_wx3000hp_firmware").exists()
    assert AffectedProduct.objects.filter(vulnerability__vuln_id="JVNDB-2022-000001").get().ranges_parsed is False

    kev = KnownExploited.objects.get(cve_id="CVE-2024-21762")
    assert kev.date_added == datetime.date(2024, 2, 9)
    assert KnownExploited.objects.count() == 1404
    epss = EpssScore.objects.get(cve_id="CVE-2020-5902")
    assert (epss.score, epss.percentile, epss.score_date) == (0.97567, 0.99995, datetime.date(2023, 3, 7))

    assert Vulnerability.objects.count() == 10 + 12
    # The matcher's hook got each committed file's changed IDs (one call per file).
    assert hook_calls[0] == {"CVE-2021-20090"}
    assert set().union(*hook_calls[:10]) == set(NVD_RECORDS)
    run = FeedRun.objects.filter(source="nvd").get()
    assert (run.kind, run.status, run.created, run.updated, run.unchanged) == ("import", "success", 10, 0, 0)
    assert run.changed_ids == sorted(NVD_RECORDS)


@pytest.mark.django_db(transaction=True)
def test_s_vuln_reimport_is_a_no_op(hook_calls):
    _import_everything()
    before = _snapshot()
    calls_before = len(hook_calls)

    result = import_feed_files(source="nvd", paths=_nvd_paths())
    jvn = import_feed_files(source="jvn", paths=[sample(p) for p in JVN_FILES])
    kev = import_feed_files(source="kev", paths=[sample("kev/known_exploited_vulnerabilities.json")])
    epss = import_feed_files(source="epss", paths=[sample("epss/epss_scores-2023-03-07.csv.gz")])

    assert (result.created, result.updated, result.unchanged, result.changed_ids) == (0, 0, 10, set())
    assert (jvn.created, jvn.updated, jvn.unchanged, jvn.changed_ids) == (0, 0, 12, set())
    assert (kev.created, kev.updated, kev.deleted, kev.unchanged, kev.changed_ids) == (0, 0, 0, 1404, set())
    assert (epss.created, epss.updated, epss.unchanged) == (0, 0, 2)
    assert _snapshot() == before  # changed_at included: no row was rewritten
    assert len(hook_calls) == calls_before


@pytest.mark.django_db(transaction=True)
def test_s_vuln_changed_record_updates_row_children_and_reports_its_id(tmp_path, hook_calls):
    import_feed_files(source="nvd", paths=_nvd_paths())
    old = Vulnerability.objects.get(vuln_id="CVE-2024-22366")
    other = Vulnerability.objects.get(vuln_id="CVE-2021-20090")
    cve = json.loads(sample("nvd/cve-records/CVE-2024-22366.json").read_text())
    cve["vulnStatus"] = "Rejected"
    cve["configurations"] = cve["configurations"][:1]
    changed = tmp_path / "CVE-2024-22366.json"
    changed.write_text(json.dumps(cve))
    hook_calls.clear()

    result = import_feed_files(source="nvd", paths=[changed, sample("nvd/cve-records/CVE-2021-20090.json")])

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert result.changed_ids == {"CVE-2024-22366"}
    assert hook_calls == [{"CVE-2024-22366"}]
    new = Vulnerability.objects.get(vuln_id="CVE-2024-22366")
    assert new.pk == old.pk
    assert (new.withdrawn, new.source_status) == (True, "Rejected")
    assert new.changed_at > old.changed_at
    assert new.content_hash != old.content_hash
    assert list(new.cpe_index.values_list("part", "vendor", "product").order_by("part")) == [
        ("h", "yamaha", "wlx222"),
        ("o", "yamaha", "wlx222_firmware"),
    ]
    assert Vulnerability.objects.get(vuln_id="CVE-2021-20090").changed_at == other.changed_at
    assert not Vulnerability.objects.live().filter(vuln_id="CVE-2024-22366").exists()


def test_kev_entry_dropped_from_catalog_is_removed(tmp_path):
    import_feed_files(source="kev", paths=[sample("kev/known_exploited_vulnerabilities.json")])
    catalog = json.loads(sample("kev/known_exploited_vulnerabilities.json").read_text())
    catalog["vulnerabilities"] = [v for v in catalog["vulnerabilities"] if v["cveID"] != "CVE-2021-20090"]
    catalog["vulnerabilities"][0]["dueDate"] = "2099-01-01"
    first = catalog["vulnerabilities"][0]["cveID"]
    path = tmp_path / "kev.json"
    path.write_text(json.dumps(catalog))

    result = import_feed_files(source="kev", paths=[path])

    assert (result.created, result.updated, result.deleted) == (0, 1, 1)
    assert result.changed_ids == {"CVE-2021-20090", first}
    assert not KnownExploited.objects.filter(cve_id="CVE-2021-20090").exists()
    assert KnownExploited.objects.get(cve_id=first).due_date == datetime.date(2099, 1, 1)


def test_epss_older_file_does_not_overwrite_newer_score():
    import_feed_files(source="epss", paths=[sample("epss/epss_scores-2023-03-07.csv.gz")])
    result = import_feed_files(source="epss", paths=[sample("epss/epss_scores-2021-09-01.csv.gz")])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert EpssScore.objects.get(cve_id="CVE-2018-19571").score == 0.00113


# --- bad and hostile input -------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<VULDEF-Document xmlns="http://jvn.jp/vuldef/"><Vulinfo><VulinfoID>JVNDB-2099-000001</VulinfoID>
<VulinfoData><Title>&lol9;</Title></VulinfoData></Vulinfo></VULDEF-Document>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<VULDEF-Document xmlns="http://jvn.jp/vuldef/"><Vulinfo><VulinfoID>JVNDB-2099-000002</VulinfoID>
<VulinfoData><Title>&xxe;</Title></VulinfoData></Vulinfo></VULDEF-Document>
"""


def _nvd_page_bytes():
    """A feed file of all ten CVE records (NVD 2.0 envelope)."""
    items = [{"cve": json.loads(path.read_text())} for path in _nvd_paths()]
    return json.dumps(
        {
            "resultsPerPage": 10,
            "startIndex": 0,
            "totalResults": 10,
            "format": "NVD_CVE",
            "version": "2.0",
            "timestamp": "2025-01-01T00:00:00.000",
            "vulnerabilities": items,
        }
    ).encode()


def _bad_files(tmp_path):
    page = _nvd_page_bytes()
    jvn = sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml").read_bytes()
    return {
        "truncated-json": (
            "nvd",
            "nvdcve-2.0-2024.json",
            page[: len(page) * 2 // 3],
            "malformed or truncated JSON",
            "near byte ",
        ),
        "truncated-gzip": (
            "nvd",
            "nvdcve-2.0-2024.json.gz",
            gzip.compress(page)[:-4000],
            "damaged or truncated gzip data",
            "near byte ",
        ),
        "wrong-root": (
            "nvd",
            "kev.json",
            sample("kev/known_exploited_vulnerabilities.json").read_bytes()[:5000],
            "wrong root",
            "line 1",
        ),
        "truncated-xml": ("jvn", "jvndb_detail_2025.rdf", jvn[: len(jvn) // 2], "malformed XML", "line "),
        "wrong-xml-root": (
            "jvn",
            "jvndb.rdf",
            sample("jvn/jvndb-feed-fixtures/rss/jvndb.rdf").read_bytes(),
            "wrong root element <RDF>",
            "line ",
        ),
        "bomb": ("jvn", "bomb.rdf", BILLION_LAUGHS, "refused: the document declares a DOCTYPE/ENTITY", "line 2"),
        "xxe": ("jvn", "xxe.rdf", XXE, "refused: the document declares a DOCTYPE/ENTITY", "line 2"),
        "kev-truncated": (
            "kev",
            "known_exploited_vulnerabilities.json",
            sample("kev/known_exploited_vulnerabilities.json").read_bytes()[:100000],
            "malformed JSON",
            "line ",
        ),
        "deep-json": (
            "nvd",
            "nvdcve-2.0-deep.json",
            b'{"format":"NVD_CVE","totalResults":1,"vulnerabilities":[{"cve":' + b"[" * 100000,
            "malformed or truncated JSON",
            "near byte ",
        ),
        "epss-header": (
            "epss",
            "epss_scores-2024-01-01.csv",
            b"cve;epss\nCVE-2020-5902;0.9\n",
            "wrong header",
            "line 1",
        ),
        "epss-row": (
            "epss",
            "epss_scores-2024-01-02.csv",
            b"cve,epss,percentile\nCVE-2020-5902,0.9,0.99\nCVE-2018-19571,high,0.5\n",
            "bad number",
            "line 3",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "truncated-json",
        "truncated-gzip",
        "wrong-root",
        "truncated-xml",
        "wrong-xml-root",
        "bomb",
        "xxe",
        "kev-truncated",
        "deep-json",
        "epss-header",
        "epss-row",
    ],
)
@pytest.mark.django_db(transaction=True)
def test_bad_input_rejected_naming_file_and_position_database_unchanged(case, tmp_path, monkeypatch, hook_calls):
    import_feed_files(source="nvd", paths=[sample("nvd/cve-records/CVE-2021-20090.json")])
    import_feed_files(source="jvn", paths=[sample("jvn/jvndb-feed-fixtures/detail/jvndb_detail_2023.rdf")])
    import_feed_files(source="kev", paths=[sample("kev/known_exploited_vulnerabilities.json")])
    import_feed_files(source="epss", paths=[sample("epss/epss_scores-2023-03-07.csv.gz")])
    before = _snapshot()
    hook_calls.clear()
    # Batches of one: records before the damage are written, then must be rolled back.
    monkeypatch.setattr(loader, "BATCH_SIZE", 1)
    monkeypatch.setattr(loader, "EPSS_BATCH_SIZE", 1)
    source, name, content, message, position = _bad_files(tmp_path)[case]
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CommandError) as excinfo:
        call_command("feeds", "import", "--source", source, path, "--no-progress")

    text = str(excinfo.value)
    assert text.startswith(f"import rejected, database unchanged for this file: {path}: {position}")
    assert message in text
    assert _snapshot() == before
    assert hook_calls == []
    run = FeedRun.objects.filter(source=source).first()
    assert run.status == "failed"
    assert str(path) in run.error


def test_xml_bomb_fails_fast_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.rdf"
    path.write_bytes(BILLION_LAUGHS)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(FeedError):
        import_feed_files(source="jvn", paths=[path])
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 5_000_000


def test_doctype_hidden_behind_a_long_prolog_is_refused(tmp_path):
    path = tmp_path / "padded.rdf"
    path.write_bytes(b"<?xml version='1.0'?>\n<!--" + b"x" * 70000 + b"-->\n" + XXE.split(b"\n", 1)[1])
    with pytest.raises(FeedError, match="no root element within the first 64 KiB"):
        import_feed_files(source="jvn", paths=[path])
    assert Vulnerability.objects.count() == 0


def test_bad_second_file_keeps_first_and_says_so(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_bytes(b'{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": "CVE-2099-0001", ')
    with pytest.raises(FeedError):
        import_feed_files(source="nvd", paths=[sample("nvd/cve-records/CVE-2025-0355.json"), bad])
    assert list(Vulnerability.objects.values_list("vuln_id", flat=True)) == ["CVE-2025-0355"]
    run = FeedRun.objects.get(source="nvd")
    assert run.created == 1
    assert run.messages[-1].endswith("(1 earlier file(s) were imported and kept)")


def test_official_oka_json_sample_that_is_not_json_is_rejected(tmp_path):
    """dataFeed_jvndb_detail_oka.json is invalid JSON as published (SOURCES.md); JVN import takes the
    HND XML formats only, so it is rejected at its first byte."""
    path = sample("jvn/myjvn-api-examples/oka/dataFeed_jvndb_detail_oka.json")
    with pytest.raises(FeedError, match="not XML") as excinfo:
        import_feed_files(source="jvn", paths=[path])
    assert f"{path}: line 1 column 1" in str(excinfo.value)


def test_parsing_in_child_processes_gives_the_same_rows_and_errors(tmp_path):
    page = json.loads(_nvd_page_bytes())
    # A later duplicate in the same file wins, so the interleaving must keep file order.
    duplicate = json.loads(json.dumps(page["vulnerabilities"][0]))
    duplicate["cve"]["vulnStatus"] = "Rejected"
    page["vulnerabilities"].append(duplicate)
    feed = tmp_path / "nvdcve-2.0-2024.json"
    feed.write_text(json.dumps(page))
    result = import_feed_files(source="nvd", paths=[feed], parallel=True)
    assert (result.created, result.changed_ids) == (10, set(NVD_RECORDS))
    assert Vulnerability.objects.get(vuln_id="CVE-2021-20090").source_status == "Rejected"
    parallel = sorted(Vulnerability.objects.values_list("vuln_id", "content_hash"))
    Vulnerability.objects.all().delete()
    import_feed_files(source="nvd", paths=[feed], parallel=False)
    assert sorted(Vulnerability.objects.values_list("vuln_id", "content_hash")) == parallel

    broken = tmp_path / "jvndb_detail_2025.rdf"
    broken.write_bytes(sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml").read_bytes()[:20000])
    with pytest.raises(FeedError, match=r"jvndb_detail_2025.rdf: line \d+ column \d+: malformed XML"):
        import_feed_files(source="jvn", paths=[broken], parallel=True)
    assert Vulnerability.objects.filter(source="jvn").count() == 0


def test_several_files_parsed_ahead_in_workers_load_in_file_order_with_progress(tmp_path):
    """Each file is parsed once, by one worker (files alternate between two), and written in file
    order: a CVE in a later file wins; a bad third file is rolled back and the first two are kept."""
    page = json.loads(_nvd_page_bytes())
    first = tmp_path / "nvdcve-2.0-2023.json"
    first.write_text(json.dumps(page))
    changed = json.loads(json.dumps(page))
    changed["vulnerabilities"] = changed["vulnerabilities"][:1]
    changed["vulnerabilities"][0]["cve"]["vulnStatus"] = "Rejected"
    second = tmp_path / "nvdcve-2.0-2024.json.gz"
    second.write_bytes(gzip.compress(json.dumps(changed).encode()))
    third = tmp_path / "nvdcve-2.0-2025.json"
    third.write_bytes(_nvd_page_bytes()[:5000])
    read = []

    with pytest.raises(FeedError) as excinfo:
        import_feed_files(source="nvd", paths=[first, second, third], on_read=read.append, parallel=True)

    assert str(excinfo.value).startswith(f"{third}: near byte ")
    assert "malformed or truncated JSON" in str(excinfo.value)
    buffalo = Vulnerability.objects.get(vuln_id="CVE-2021-20090")
    assert (buffalo.source_status, buffalo.withdrawn) == ("Rejected", True)
    assert Vulnerability.objects.count() == 10
    # Progress counts the raw bytes of each file read whole (the bad one may stop short).
    assert sum(read) >= first.stat().st_size + second.stat().st_size
    run = FeedRun.objects.get(source="nvd")
    assert (run.status, run.created, run.updated) == ("failed", 10, 1)

    in_process = sorted(Vulnerability.objects.values_list("vuln_id", "content_hash", "source_status"))
    Vulnerability.objects.all().delete()
    with pytest.raises(FeedError):
        import_feed_files(source="nvd", paths=[first, second, third], parallel=False)
    assert sorted(Vulnerability.objects.values_list("vuln_id", "content_hash", "source_status")) == in_process


def test_parsed_files_alternate_between_workers_and_are_read_in_order(tmp_path):
    from kokuchi.vulnerabilities.feeds.loader import load_rows
    from kokuchi.vulnerabilities.feeds.nvd import iter_nvd_file
    from kokuchi.vulnerabilities.feeds.parallel import ParsedFiles

    paths = []
    for year in (2021, 2022, 2023):
        path = tmp_path / f"nvdcve-2.0-{year}.json"
        path.write_bytes(_nvd_page_bytes())
        paths.append(path)
    small = sample("nvd/cve-records/CVE-2025-0355.json")

    with ParsedFiles(iter_nvd_file, [*paths, small]) as parsed:
        # Default: only files of 1 MiB or more go to a worker; these are all small.
        assert parsed.assigned == {}
    with ParsedFiles(iter_nvd_file, [*paths, tmp_path / "missing.json"], parallel=True) as parsed:
        assert parsed.assigned == {0: 0, 1: 1, 2: 0}
        with pytest.raises(ValueError, match="files must be read in order: expected file 0, not 1"):
            next(parsed.rows(1))
        rows = [list(parsed.rows(index)) for index in range(3)]
    assert rows == [list(load_rows(iter_nvd_file(path))) for path in paths]
    assert [row[0] for row in rows[0]] == NVD_RECORDS


def _parse_then_die(path, *, file, on_read=None):
    """A parser whose worker process dies after the first record (as if killed)."""
    import os

    from kokuchi.vulnerabilities.feeds.nvd import iter_nvd_file

    for record in iter_nvd_file(path, file=file, on_read=on_read):
        yield record
        os._exit(3)


def test_a_worker_that_dies_fails_its_file_with_a_feed_error(tmp_path):
    from kokuchi.vulnerabilities.feeds.parallel import ParsedFiles

    path = tmp_path / "nvdcve-2.0-2024.json"
    path.write_bytes(_nvd_page_bytes())
    with ParsedFiles(_parse_then_die, [path], parallel=True) as parsed, pytest.raises(FeedError) as excinfo:
        list(parsed.rows(0))
    assert str(excinfo.value) == f"{path}: parser process ended unexpectedly"


def test_copy_text_escapes_what_postgresql_copy_treats_specially():
    assert loader.copy_text("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert loader.copy_text("\\N") == "\\\\N"  # a text that reads "\N" is not NULL
    assert loader.copy_text("\\.") == "\\\\."  # nor the end-of-data marker
    assert loader.copy_text("脆弱性") == "脆弱性"
    assert (loader.copy_text(None), loader.copy_text(True), loader.copy_text(False)) == ("\\N", "t", "f")
    assert loader.copy_text(Decimal("9.8")) == "9.8"
    assert loader.copy_text(Decimal("sNaN")) == "NaN"
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert loader.copy_text(when) == "2024-01-02T03:04:05+00:00"
    assert loader.copy_line(["x\ty", None, 7]) == b"x\\ty\t\\N\t7"


@pytest.mark.django_db(transaction=True)
def test_text_with_tabs_newlines_and_backslashes_is_stored_exactly_on_insert_and_update():
    """The loader writes COPY text on PostgreSQL and plain values on SQLite: both store every
    character as parsed, when a row is created and when it is updated."""
    from kokuchi.vulnerabilities.feeds.records import AffectedRecord, make_vuln_record

    hostile = "\\N\ttab\r\nCRLF \\. back\\slash\n「脆弱性」"

    def record(title):
        return make_vuln_record(
            vuln_id="JVNDB-2024-000001",
            source="jvn",
            title_ja=title,
            description_ja=hostile,
            cvss3_score=Decimal("9.8"),
            cvss3_severity="critical",
            cwe_ids=("CWE-79",),
            published=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            references=({"type": "vendor", "source": "a\tb", "id": "x\\y", "url": "https://example.invalid/\n"},),
            aliases=("CVE-2024-0001",),
            affected=(
                AffectedRecord(
                    vendor="ven\tdor",
                    product="pro\\duct",
                    cpe22="",
                    cpe23="",
                    version_text="1.0\n2.0\t(\\N)",
                    ranges=(),
                    ranges_parsed=False,
                ),
            ),
            cpes=(("a", "ven\tdor", "pro\\duct"),),
        )

    for title in (hostile, hostile + "!"):  # created, then updated
        loader.upsert_vulnerabilities([record(title)], source="jvn")
        stored = Vulnerability.objects.get(vuln_id="JVNDB-2024-000001")
        assert (stored.title_ja, stored.description_ja) == (title, hostile)
        assert stored.cvss3_score == Decimal("9.8")
        assert stored.published == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
        assert stored.references == [
            {"type": "vendor", "source": "a\tb", "id": "x\\y", "url": "https://example.invalid/\n"}
        ]
        assert stored.content_hash == record(title).content_hash
        assert list(stored.aliases.values_list("alias_id", flat=True)) == ["CVE-2024-0001"]
        assert list(stored.affected_products.values_list("vendor", "product", "version_text")) == [
            ("ven\tdor", "pro\\duct", "1.0\n2.0\t(\\N)")
        ]
        assert list(stored.cpe_index.values_list("part", "vendor", "product")) == [("a", "ven\tdor", "pro\\duct")]


@pytest.mark.parametrize("model", [VulnerabilityAlias, VulnerabilityCpe])
def test_feed_child_tables_keep_no_index_a_unique_constraint_already_covers(model):
    """A full load writes hundreds of thousands of these rows: an index on the leading columns
    of a unique constraint is only extra work."""
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    unique = [c["columns"] for c in constraints.values() if c["unique"] and not c["primary_key"]]
    assert unique
    redundant = [
        name
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and any(columns[: len(c["columns"])] == c["columns"] for columns in unique)
    ]
    assert redundant == []


def test_deleting_a_vulnerability_removes_its_derived_rows():
    """The derived rows carry no database foreign key (DERIVED_ROW_FK in models): the ORM's
    CASCADE is what removes them, and it must."""
    import_feed_files(source="jvn", paths=[sample(JVN_FILES[3])])
    vulnerability = (
        Vulnerability.objects.filter(aliases__isnull=False, affected_products__isnull=False, cpe_index__isnull=False)
        .distinct()
        .first()
    )
    assert vulnerability is not None
    others = (VulnerabilityAlias.objects.count(), AffectedProduct.objects.count(), VulnerabilityCpe.objects.count())
    own = (vulnerability.aliases.count(), vulnerability.affected_products.count(), vulnerability.cpe_index.count())

    vulnerability.delete()

    assert (
        VulnerabilityAlias.objects.count(),
        AffectedProduct.objects.count(),
        VulnerabilityCpe.objects.count(),
    ) == tuple(a - b for a, b in zip(others, own, strict=True))
    assert not VulnerabilityAlias.objects.filter(vulnerability_id=vulnerability.pk).exists()
    assert not AffectedProduct.objects.filter(vulnerability_id=vulnerability.pk).exists()
    assert not VulnerabilityCpe.objects.filter(vulnerability_id=vulnerability.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_nul_and_lone_surrogates_in_json_feeds_are_replaced_and_stored_on_every_database(tmp_path, caplog):
    """JSON may escape U+0000 and lone surrogates; PostgreSQL stores no NUL in text or jsonb and no
    database takes a lone surrogate. They are replaced by U+FFFD (and logged) instead of the whole
    file failing."""
    cve = json.loads(sample("nvd/cve-records/CVE-2024-22366.json").read_text())
    cve["descriptions"][0]["value"] = "before\u0000after \ud800"
    cve["references"][0]["url"] += "?q=\u0000"
    cve["configurations"][0]["nodes"][0]["cpeMatch"][0]["versionEndExcluding"] = "24.00.04\u0000"
    path = tmp_path / "CVE-2024-22366.json"
    path.write_text(json.dumps(cve))
    kev = json.loads(sample("kev/known_exploited_vulnerabilities.json").read_text())
    kev["vulnerabilities"][0]["notes"] = "see\u0000here \udfff"
    kev_path = tmp_path / "kev.json"
    kev_path.write_text(json.dumps(kev))

    with caplog.at_level("WARNING"):
        import_feed_files(source="nvd", paths=[path], parallel=False)
    import_feed_files(source="kev", paths=[kev_path])

    stored = Vulnerability.objects.get(vuln_id="CVE-2024-22366")
    assert stored.description_en == "before\ufffdafter \ufffd"
    assert stored.references[0]["url"].endswith("?q=\ufffd")
    assert stored.configurations[0]["nodes"][0]["cpeMatch"][0]["versionEndExcluding"] == "24.00.04\ufffd"
    assert "CVE-2024-22366: U+0000 or a lone surrogate replaced by U+FFFD" in caplog.text
    assert KnownExploited.objects.get(cve_id=kev["vulnerabilities"][0]["cveID"]).notes == "see\ufffdhere \ufffd"
    again = import_feed_files(source="nvd", paths=[path], parallel=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_a_text_that_spells_a_nul_escape_is_kept_as_it_is():
    from kokuchi.vulnerabilities.feeds.records import make_vuln_record, storable

    record = make_vuln_record(
        vuln_id="CVE-2024-0001",
        source="nvd",
        description_en="a \\x00 and \\u0000 text",
        references=({"url": "https://example.invalid/\\u0000"},),
    )
    assert record.description_en == "a \\x00 and \\u0000 text"
    assert record.references == ({"url": "https://example.invalid/\\u0000"},)
    assert storable({"k\x00": ["v\ud800", ("w\x00",)]}) == {"k\ufffd": ["v\ufffd", ("w\ufffd",)]}
    assert storable("\U0001f600 \ud55c") == "\U0001f600 \ud55c"  # a real emoji and Hangul stay


@pytest.mark.django_db(transaction=True)
def test_a_record_the_database_refuses_fails_its_file_naming_the_records_and_the_reason():
    from django.db import transaction

    from kokuchi.vulnerabilities.feeds.records import make_vuln_record

    good = make_vuln_record(vuln_id="CVE-2024-0001", source="nvd", title_en="fine")
    refused = make_vuln_record(vuln_id="CVE-2024-0002", source="nvd", title_en=None)  # NOT NULL column

    with pytest.raises(FeedError) as caught, transaction.atomic():
        loader.upsert_vulnerabilities([good, refused], source="nvd", file="page-1.json")

    assert caught.value.file == "page-1.json"
    assert caught.value.position == "records CVE-2024-0001 to CVE-2024-0002"
    assert "the database refused a record" in caught.value.message
    assert "title_en" in caught.value.message
    assert not Vulnerability.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "reason"),
    [("directory", "a directory, not a feed file: name the files in it"), ("missing", "no such file")],
)
def test_import_of_a_directory_or_a_missing_path_says_which_and_changes_nothing(tmp_path, kind, reason):
    path = tmp_path / "nvd"
    if kind == "directory":
        path.mkdir()

    with pytest.raises(CommandError) as excinfo:
        call_command("feeds", "import", "--source", "nvd", path, "--no-progress")

    assert str(excinfo.value).startswith(f"import rejected, database unchanged for this file: {path}: {reason}")
    assert Vulnerability.objects.count() == 0
