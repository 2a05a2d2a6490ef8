"""Japanese titles from JVN iPedia for NVD entries (S-VULN): an NVD record is English only; when a JVN
iPedia entry cites the same CVE, staff pages, the customer's notices and the disclosure show JVN's
Japanese title, naming it, with NVD's English below for staff. Real sample records only: NVD's
CVE-2025-0355 and CVE-2024-21762, and the JVN entries of the MyJVN API example (JVNDB-2025-000002 cites
CVE-2025-0354/0355/0356)."""

import datetime

import lxml.html
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_reseller, make_user
from kokuchi.dashboard.selectors import search_everything, urgent_work
from kokuchi.devices.tests.factories import make_device
from kokuchi.disclosures import facts
from kokuchi.disclosures.services import render_disclosure_html
from kokuchi.disclosures.tests.factories import ISSUED_AT, make_document_deal
from kokuchi.exposures.models import NoticeKind, Priority
from kokuchi.exposures.notices import build_notice_context
from kokuchi.exposures.selectors import FirmwareVulnerability
from kokuchi.exposures.tests.factories import make_exposure
from kokuchi.vulnerabilities.feeds.importer import import_file
from kokuchi.vulnerabilities.models import Vulnerability
from kokuchi.vulnerabilities.selectors import attach_jvn_titles, jvn_titles, with_jvn_titles
from kokuchi.vulnerabilities.tests.feedsamples import sample

pytestmark = pytest.mark.django_db

ATERM_CVE = "CVE-2025-0355"
ATERM_JVN = "JVNDB-2025-000002"
ATERM_TITLE = "NEC Atermシリーズにおける複数の脆弱性（NV25-003）"
ATERM_DESCRIPTION_START = "Missing Authentication for Critical Function vulnerability"
FORTIOS_CVE = "CVE-2024-21762"
FORTIOS_TITLE_EN = "Fortinet FortiOS Out-of-Bound Write Vulnerability"


def _import_aterm_samples() -> None:
    import_file(source="nvd", path=sample(f"nvd/cve-records/{ATERM_CVE}.json"), parallel=False)
    import_file(source="jvn", path=sample("jvn/myjvn-api-examples/hnd/dataFeed_jvndb_detail_hnd.xml"), parallel=False)


@pytest.fixture
def samples():
    _import_aterm_samples()
    import_file(source="nvd", path=sample(f"nvd/cve-records/{FORTIOS_CVE}.json"), parallel=False)


def _titles(vulns) -> list[tuple[str, str, str, str]]:
    return [(v.vuln_id, v.title, v.japanese_title, v.japanese_title_source) for v in vulns]


def test_s_vuln_list_selector_adds_jvn_titles_in_the_same_query(samples, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = _titles(
            with_jvn_titles(Vulnerability.objects.filter(vuln_id__in=[ATERM_CVE, FORTIOS_CVE, ATERM_JVN])).order_by(
                "vuln_id"
            )
        )

    assert rows == [
        (FORTIOS_CVE, FORTIOS_TITLE_EN, "", ""),
        (ATERM_CVE, ATERM_TITLE, ATERM_TITLE, ATERM_JVN),
        (ATERM_JVN, ATERM_TITLE, ATERM_TITLE, ATERM_JVN),
    ]


def test_s_vuln_jvn_titles_by_cve_id_in_one_query(samples, django_assert_num_queries):
    with django_assert_num_queries(1):
        titles = jvn_titles([ATERM_CVE, "CVE-2025-0356", FORTIOS_CVE, ATERM_JVN])

    assert titles == {ATERM_CVE: (ATERM_TITLE, ATERM_JVN), "CVE-2025-0356": (ATERM_TITLE, ATERM_JVN)}


def test_s_vuln_loaded_vulnerabilities_get_jvn_titles_in_one_query(samples, django_assert_num_queries):
    vulns = list(Vulnerability.objects.filter(vuln_id__in=[ATERM_CVE, FORTIOS_CVE]).order_by("vuln_id"))

    with django_assert_num_queries(1):
        attach_jvn_titles(vulns)

    assert _titles(vulns) == [
        (FORTIOS_CVE, FORTIOS_TITLE_EN, "", ""),
        (ATERM_CVE, ATERM_TITLE, ATERM_TITLE, ATERM_JVN),
    ]


def test_s_vuln_a_withdrawn_jvn_entry_lends_no_title(samples):
    Vulnerability.objects.filter(vuln_id=ATERM_JVN).update(withdrawn=True)

    vuln = with_jvn_titles(Vulnerability.objects.all()).get(vuln_id=ATERM_CVE)

    assert (vuln.japanese_title, vuln.japanese_title_source) == ("", "")
    assert vuln.english_title.startswith(ATERM_DESCRIPTION_START)


def test_s_vuln_without_the_selector_the_title_stays_nvds_own(samples):
    vuln = Vulnerability.objects.get(vuln_id=FORTIOS_CVE)

    assert (vuln.title, vuln.japanese_title, vuln.english_title) == (FORTIOS_TITLE_EN, "", FORTIOS_TITLE_EN)


def _title_cell(html: str, vuln_id: str):
    tree = lxml.html.fromstring(html)
    (row,) = tree.xpath(f"//tr[.//a[normalize-space()='{vuln_id}']]")
    return row


def test_s_vuln_staff_list_shows_the_jvn_title_named_with_the_english_below(samples, client):
    client.force_login(make_user(Role.VIEWER))

    html = client.get("/vulnerabilities/").content.decode()

    row = _title_cell(html, ATERM_CVE)
    assert [span.text_content() for span in row.xpath(".//span[@class='vuln-title']")] == [ATERM_TITLE]
    assert [tag.text_content() for tag in row.xpath(".//small[@data-title-source]")] == [
        f"名称の出典: JVN iPedia {ATERM_JVN}"
    ]
    assert row.xpath(".//small[@lang='en']")[0].text_content().startswith(ATERM_DESCRIPTION_START)
    fortios = _title_cell(html, FORTIOS_CVE)
    assert [span.text_content() for span in fortios.xpath(".//span[@class='vuln-title']")] == [FORTIOS_TITLE_EN]


def test_s_vuln_staff_detail_heads_with_the_jvn_title(samples, client):
    client.force_login(make_user(Role.VIEWER))

    html = client.get(f"/vulnerabilities/{ATERM_CVE}/").content.decode()

    (heading,) = lxml.html.fromstring(html).xpath("//h2[.//span[@class='vuln-title']]")
    assert heading.xpath(".//span[@class='vuln-title']")[0].text_content() == ATERM_TITLE
    assert heading.xpath(".//small[@data-title-source]")[0].get("data-title-source") == ATERM_JVN


def test_s_vuln_dashboard_and_search_show_the_jvn_title(samples):
    aterm = Vulnerability.objects.get(vuln_id=ATERM_CVE)
    device = make_device(serial_number="ATERM-0001", delivered_on=datetime.date(2026, 4, 1))
    make_exposure(device=device, vulnerability=aterm, priority=Priority.URGENT)

    urgent = urgent_work(on=datetime.date(2026, 6, 1))
    found = search_everything(query=ATERM_CVE)

    assert _titles(row.exposure.vulnerability for row in urgent.known_exploited_list) == [
        (ATERM_CVE, ATERM_TITLE, ATERM_TITLE, ATERM_JVN)
    ]
    # The JVN entry is found too (it names the CVE); both carry the same Japanese title.
    assert sorted(_titles(found.vulnerabilities)) == [
        (ATERM_CVE, ATERM_TITLE, ATERM_TITLE, ATERM_JVN),
        (ATERM_JVN, ATERM_TITLE, ATERM_TITLE, ATERM_JVN),
    ]


def test_s_vuln_device_exposures_page_shows_the_jvn_title(samples, client):
    aterm = Vulnerability.objects.get(vuln_id=ATERM_CVE)
    exposure = make_exposure(vulnerability=aterm)
    client.force_login(make_user(Role.VIEWER))

    html = client.get(f"/exposures/devices/{exposure.device_id}/").content.decode()

    titles = lxml.html.fromstring(html).xpath("//span[@class='vuln-title']")
    assert [title.text_content() for title in titles] == [ATERM_TITLE]


def test_g5_2_3_customer_notice_names_the_jvn_title_and_its_source(samples):
    make_reseller()
    aterm = Vulnerability.objects.get(vuln_id=ATERM_CVE)
    exposure = make_exposure(vulnerability=aterm)

    context = build_notice_context(
        customer=exposure.customer,
        vulnerability=aterm,
        exposures=[exposure],
        kind=NoticeKind.INFORMATIONAL,
        due_on=None,
    )
    body = render_to_string("exposures/notice_email.txt", context)

    assert f"  名称: {ATERM_TITLE}（出典: JVN iPedia {ATERM_JVN}）\n" in body
    assert ATERM_DESCRIPTION_START not in body


def test_s_risk_disclosure_names_the_jvn_title_of_a_matching_nvd_entry(monkeypatch):
    deal = make_document_deal().deal
    _import_aterm_samples()
    aterm = Vulnerability.objects.get(vuln_id=ATERM_CVE)

    def matching_aterm(pairs):
        row = FirmwareVulnerability(vulnerability_pk=aterm.pk, vuln_id=ATERM_CVE, explanation="", fixed_version="")
        return {pair: [row] for pair in pairs}

    # The sample NVD record is not analysed yet (no configurations): its match is given here, the titles
    # come from the stored records.
    monkeypatch.setattr(facts, "firmware_vulnerabilities", matching_aterm)
    html, _label = render_disclosure_html(deal=deal, issued_at=ISSUED_AT, document_number="KK-D0001-01")

    cells = lxml.html.fromstring(html).xpath(f"//tr[@data-vuln='{ATERM_CVE}']/td[1]")
    assert cells
    assert {" ".join(cell.text_content().split()) for cell in cells} == {
        f"{ATERM_CVE}{ATERM_TITLE}（名称の出典: JVN iPedia {ATERM_JVN}）"
    }


def test_s_vuln_exposure_lists_show_the_jvn_title(samples, client):
    aterm = Vulnerability.objects.get(vuln_id=ATERM_CVE)
    fortios = Vulnerability.objects.get(vuln_id=FORTIOS_CVE)
    exposure = make_exposure(vulnerability=aterm)
    make_exposure(vulnerability=fortios, customer=exposure.customer)
    client.force_login(make_user(Role.VIEWER))

    for url in ("/exposures/", f"/exposures/customers/{exposure.customer_id}/"):
        html = client.get(url).content.decode()

        titles = lxml.html.fromstring(html).xpath("//span[@class='vuln-title']")
        assert sorted(title.text_content() for title in titles) == sorted([ATERM_TITLE, FORTIOS_TITLE_EN]), url


def test_s_vuln_exposure_list_queries_do_not_grow_with_its_rows(samples, client):
    client.force_login(make_user(Role.VIEWER))
    vulns = list(Vulnerability.objects.filter(vuln_id__in=[ATERM_CVE, FORTIOS_CVE, "CVE-2025-0356"]))

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/exposures/").status_code == 200
        return len(captured)

    make_exposure(vulnerability=vulns[0])
    with_one_row = queries_for_list()
    for vuln in vulns:
        make_exposure(vulnerability=vuln)

    assert queries_for_list() == with_one_row
