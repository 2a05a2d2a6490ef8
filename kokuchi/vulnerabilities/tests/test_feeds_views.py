"""Staff pages: feed status, vulnerability list and detail, behind the role guards."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.vulnerabilities import views
from kokuchi.vulnerabilities.feeds.importer import import_feed_files
from kokuchi.vulnerabilities.models import FeedRun
from kokuchi.vulnerabilities.tests.feedsamples import sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    import_feed_files(
        source="nvd",
        paths=[sample("nvd/cve-records/CVE-2025-0355.json"), sample("nvd/cve-records/CVE-2021-20090.json")],
    )
    import_feed_files(source="jvn", paths=[sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml")])
    import_feed_files(source="kev", paths=[sample("kev/known_exploited_vulnerabilities.json")])
    import_feed_files(source="epss", paths=[sample("epss/epss_scores-2023-03-07.csv.gz")])


@pytest.mark.parametrize("name", ["vulnerabilities:feed_status", "vulnerabilities:list"])
def test_pages_need_a_staff_role(client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(make_user(role=None))
    assert client.get(reverse(name)).status_code == 403


def test_feed_status_page_shows_per_feed_last_run_counts_and_error(client, loaded, tmp_path):
    bad = tmp_path / "broken.rdf"
    bad.write_bytes(b"<VULDEF-Document><Vulinfo>")
    with pytest.raises(Exception, match="malformed XML"):
        import_feed_files(source="jvn", paths=[bad])
    client.force_login(make_user(role="viewer"))

    response = client.get(reverse("vulnerabilities:feed_status"))

    assert response.status_code == 200
    feeds = {row.source: row for row in response.context["feeds"]}
    assert (feeds["nvd"].count, feeds["jvn"].count, feeds["kev"].count, feeds["epss"].count) == (2, 7, 1404, 2)
    assert feeds["nvd"].last_run.created == 2
    assert feeds["jvn"].last_run.status == "failed"
    assert (
        feeds["jvn"].last_error == f"{bad}: line 1 column 27: malformed XML: Premature end of data in tag "
        "Vulinfo line 1, line 1, column 27"
    )
    html = response.content.decode()
    assert f"{bad}: line 1 column 27: malformed XML" in html
    # The NVD notice NVD asks for, in Japanese with the original English sentence.
    assert (
        "NVD による推奨・認定を受けたものではありません（This product uses data from the NVD API but is not "
        "endorsed or certified by the NVD.）" in html
    )
    assert "脆弱性情報フィード" in html
    assert FeedRun.objects.count() == 5


def test_vulnerability_list_hides_withdrawn_and_searches(client, loaded):
    from kokuchi.vulnerabilities.models import Vulnerability

    Vulnerability.objects.filter(vuln_id="CVE-2021-20090").update(withdrawn=True, source_status="Rejected")
    client.force_login(make_user(role="sales"))

    live = client.get(reverse("vulnerabilities:list"))
    ids = [v.vuln_id for v in live.context["page"]]
    assert "CVE-2021-20090" not in ids
    assert len(ids) == 8
    with_withdrawn = client.get(reverse("vulnerabilities:list"), {"withdrawn": "1"})
    assert len(with_withdrawn.context["page"]) == 9
    search = client.get(reverse("vulnerabilities:list"), {"q": "aterm_wx3000hp"})
    assert [v.vuln_id for v in search.context["page"]] == ["JVNDB-2025-000002"]
    by_alias = client.get(reverse("vulnerabilities:list"), {"q": "CVE-2025-0355"})
    assert sorted(v.vuln_id for v in by_alias.context["page"]) == ["CVE-2025-0355", "JVNDB-2025-000002"]


def test_vulnerability_detail_shows_affected_versions_kev_and_epss(client, loaded):
    client.force_login(make_user(role="viewer"))
    jvn = client.get(reverse("vulnerabilities:detail", args=["JVNDB-2025-000002"])).content.decode()
    assert "Ver.2.4.2より前のバージョン（CVE-2025-0354、CVE-2025-0355）" in jvn
    assert "cpe:2.3:o:nec:aterm_wx3000hp_firmware:*:*:*:*:*:*:*:*" in jvn
    assert 'href="/vulnerabilities/CVE-2025-0355/"' in jvn
    nvd = client.get(reverse("vulnerabilities:detail", args=["CVE-2021-20090"])).content.decode()
    assert "cpe:2.3:o:buffalo:wsr-2533dhpl2-bk_firmware:*:*:*:*:*:*:*:*" in nvd
    assert "&le; 1.02" in nvd
    assert "Apply updates per vendor instructions." in nvd
    assert client.get(reverse("vulnerabilities:detail", args=["CVE-1999-0000"])).status_code == 404


def test_feed_page_shows_freshness_and_queues_a_sync_for_editors_only(client, monkeypatch):
    queued = []
    # The task itself would download the feeds: record the enqueue instead (no network in tests).
    monkeypatch.setattr(views, "sync_feeds_task", SimpleNamespace(enqueue=lambda *args: queued.append(args)))
    client.force_login(make_user(Role.VIEWER))
    page = client.get(reverse("vulnerabilities:feed_status")).content.decode()
    assert '<td data-fresh="false"><span class="badge bad">未取得</span></td>' in page
    assert "kokuchi feeds sync" in page
    assert client.post(reverse("vulnerabilities:feed_sync")).status_code == 403
    client.force_login(make_user(Role.SALES))
    response = client.post(reverse("vulnerabilities:feed_sync"))
    assert (response.status_code, response["Location"], queued) == (302, reverse("vulnerabilities:feed_status"), [()])
    assert client.get(reverse("vulnerabilities:feed_sync")).status_code == 405
