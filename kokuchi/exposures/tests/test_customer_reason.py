"""The reason customers read for an exposure (S-VULN): built from the exposure's method, firmware
and source, never from the staff explanation, which keeps the review mark, confidence and method
for staff only. The staff explanations below are what matching writes for real records."""

import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from pypdf import PdfReader

from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_contact, make_customer
from kokuchi.devices.tests.factories import make_device
from kokuchi.exposures.advisories import StatementMatcher, match_statements
from kokuchi.exposures.matching import (
    BASE_CONFIDENCE,
    REVIEW_MARK,
    REVIEW_METHODS,
    JvnAffected,
    JvnRange,
    Method,
    match_jvn,
)
from kokuchi.exposures.models import Exposure, ExposureStatus, Notice, NoticeKind
from kokuchi.exposures.notices import create_notice
from kokuchi.exposures.reports import build_customer_report_context, render_customer_report
from kokuchi.exposures.runs import match_all
from kokuchi.exposures.status import confirm_candidate, dismiss_candidate
from kokuchi.exposures.tests.factories import make_exposure
from kokuchi.exposures.tests.test_matching import FORTIOS, PAN_OS, WG2600HS, device, nvd
from kokuchi.vulnerabilities.tests.factories import make_vulnerability
from kokuchi.vulnerabilities.tests.realdata import ATERM_AFFECTED, cpe22_to_23, make_nvd_vulnerability

NVD = "NVD（米国の脆弱性データベース）"
JVN = "JVN iPedia（日本の脆弱性対策情報データベース）"
CONFIRMED_AT = datetime.datetime(2026, 6, 2, 10, 30, tzinfo=datetime.UTC)
CONFIRMED_ON = "2026年6月2日"


def _aterm_jvn(*, parsed: bool) -> list[JvnAffected]:
    items = []
    for _product, cpe22, text, end, cves in ATERM_AFFECTED:
        ranges = (JvnRange(end=end, start_inclusive=False, cve_ids=tuple(cves)),) if parsed else ()
        items.append(JvnAffected(cpe23=cpe22_to_23(cpe22), version_text=text, ranges=ranges, ranges_parsed=parsed))
    return items


def _nec_statement(source: str, *, readable: bool = True) -> StatementMatcher:
    """The CNA statement of CVE-2025-0355 for the WG2600HS ("Ver.1.7.2 and earlier")."""
    return StatementMatcher(
        source=source,
        document_id="CVE-2025-0355",
        vendor="NEC Corporation",
        product="WG2600HS",
        status="affected",
        keys=frozenset({("nec", "aterm_wg2600hs_firmware")}),
        ranges=(JvnRange(end="1.7.2", end_inclusive=True),) if readable else (),
        version_text="Ver.1.7.2 and earlier",
    )


def _statement_explanation(source: str, *, readable: bool = True) -> str:
    found = match_statements(
        vuln_id="CVE-2025-0355",
        statements=[_nec_statement(source, readable=readable)],
        device=device(WG2600HS, "1.7.2"),
    )
    assert found is not None
    return found.explanation


@dataclass(frozen=True)
class Case:
    method: str
    firmware: str
    staff_explanation: str
    reason: str
    vulnerability_source: str = "nvd"

    @property
    def confirmed(self) -> bool:
        return self.method in REVIEW_METHODS


def _cases() -> list[Case]:
    nvd_range = nvd("CVE-2024-21762", device(FORTIOS, "7.0.12", label="FortiOS"))
    nvd_exact = nvd("CVE-2024-0008", device(PAN_OS, "10.1.10", label="PAN-OS"))
    jvn_range = match_jvn(
        vuln_id="CVE-2025-0355",
        affected=_aterm_jvn(parsed=True),
        device=device(WG2600HS, "1.7.1"),
        for_cve="CVE-2025-0355",
    )
    jvn_review = match_jvn(
        vuln_id="CVE-2025-0355",
        affected=_aterm_jvn(parsed=False),
        device=device(WG2600HS, "1.7.2"),
        for_cve="CVE-2025-0355",
    )
    assert nvd_range and nvd_exact and jvn_range and jvn_review
    assert [m.method for m in (nvd_range, nvd_exact, jvn_range, jvn_review)] == [
        Method.NVD_RANGE,
        Method.NVD_EXACT,
        Method.JVN_RANGE,
        Method.JVN_VENDOR_PRODUCT,
    ]
    in_versions = "ご利用のファームウェア {fw} は、{source}で影響を受けるとされているバージョンに含まれます。"
    reviewed = (
        "{what}を弊社担当者が確認し、ご利用のファームウェア {fw} が該当すると判断しました（確認日 2026年6月2日）。"
    )
    text_candidate = (
        "【要確認】CVE-2025-0356 には製品データがなく、説明文が機種 WX3600HP とバージョン 1.5.3 以下を挙げています"
        "（「term WX1500HP Ver.1.4.2 and earlier and WX3600HP Ver.1.5.3 and earlier allows a attacker」）。"
        "WX3600HP 1.5.3 が該当するか確認してください"
    )
    return [
        Case(Method.NVD_RANGE, "7.0.12", nvd_range.explanation, in_versions.format(fw="7.0.12", source=NVD)),
        Case(Method.NVD_EXACT, "10.1.10", nvd_exact.explanation, in_versions.format(fw="10.1.10", source=NVD)),
        Case(Method.JVN_RANGE, "1.7.1", jvn_range.explanation, in_versions.format(fw="1.7.1", source=JVN), "jvn"),
        Case(
            Method.CVE5_CNA_RANGE,
            "1.7.2",
            _statement_explanation("cve5_cna"),
            in_versions.format(fw="1.7.2", source="CVE の登録情報"),
        ),
        Case(
            Method.CVE5_ADP_RANGE,
            "1.7.2",
            _statement_explanation("cve5_adp"),
            in_versions.format(fw="1.7.2", source="CVE の登録情報（米国 CISA による補足）"),
        ),
        Case(
            Method.CSAF_RANGE,
            "17.9.4a",
            "C9300-24T 17.9.4a は CVE-2025-20173 の範囲 「3.2.0SG, 3.2.1SG, 3.7.0S, 3.7.1S, 3.3.0SG, 3.7.2S」に該当"
            "（出典: ベンダー勧告（CSAF） cisco-sa-snmp-dos-sdxnSUcW（Cisco Cisco IOS XE Software））",
            in_versions.format(fw="17.9.4a", source="メーカーのセキュリティ勧告"),
            "csaf",
        ),
        Case(
            Method.JVN_VENDOR_PRODUCT,
            "1.7.2",
            jvn_review.explanation,
            reviewed.format(what=f"{JVN}の公表内容", fw="1.7.2"),
            "jvn",
        ),
        Case(
            Method.STATEMENT_VERSION_UNKNOWN,
            "1.7.2",
            _statement_explanation("cve5_cna", readable=False),
            reviewed.format(what="CVE の登録情報またはメーカーのセキュリティ勧告の公表内容", fw="1.7.2"),
        ),
        Case(
            Method.TEXT_CANDIDATE,
            "1.5.3",
            text_candidate,
            reviewed.format(what=f"{NVD}に掲載された脆弱性の説明", fw="1.5.3"),
        ),
    ]


CASES = _cases()
IDS = [case.method for case in CASES]
STAFF_WORDS = ("要確認", "確度", "担当者が確認してください", "S-VULN", "G5.")


def _exposure(case: Case, **overrides) -> Exposure:
    manufacturer = make_manufacturer(slug="maker", name_ja="メーカー正式名", customer_name_ja="メーカー")
    product = make_product(manufacturer=manufacturer, model_number="MODEL-1")
    fields = {
        "device": make_device(product=product, firmware_at_sale=case.firmware, serial_number="SN-0001"),
        "vulnerability": make_vulnerability(vuln_id="CVE-2025-0355", source=case.vulnerability_source),
        "method": case.method,
        "confidence": BASE_CONFIDENCE[case.method],
        "explanation": case.staff_explanation,
        "matched_firmware": case.firmware,
        "review_confirmed_at": CONFIRMED_AT if case.confirmed else None,
    } | overrides
    return make_exposure(**fields)


def _assert_customer_safe(text: str, case: Case) -> None:
    assert case.staff_explanation not in text
    assert REVIEW_MARK not in text
    for word in (*STAFF_WORDS, case.method):
        assert word not in text


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_s_vuln_customer_reason_names_firmware_and_source_and_no_staff_internals(case):
    exposure = _exposure(case)

    assert exposure.customer_reason == case.reason
    assert case.firmware in exposure.customer_reason
    _assert_customer_safe(exposure.customer_reason, case)
    # The staff text keeps what staff need.
    assert exposure.explanation == case.staff_explanation
    assert exposure.explanation.startswith(REVIEW_MARK) is case.confirmed


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_s_vuln_notice_email_gives_the_customer_reason(case):
    exposure = _exposure(case)

    notice = create_notice(
        customer=exposure.customer,
        vulnerability=exposure.vulnerability,
        exposures=[exposure],
        kind=NoticeKind.CONTRACTED,
        due_on=datetime.date(2026, 6, 15),
    )

    assert f"    該当する理由: {case.reason}" in notice.body.splitlines()
    assert "  - 機種: メーカー MODEL-1" in notice.body.splitlines()
    _assert_customer_safe(notice.body, case)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_s_vuln_customer_report_gives_the_customer_reason_and_the_maker_customer_name(case):
    exposure = _exposure(case)
    context = build_customer_report_context(
        customer=exposure.customer, today=datetime.date(2026, 6, 3), generated_at=timezone.now()
    )

    html = render_to_string("exposures/customer_report.html", context)

    assert context["open_rows"] == [exposure]
    assert f"<td>{case.reason}</td>" in html
    assert "メーカー MODEL-1" in html
    assert "メーカー正式名" not in html
    # Requirement IDs in data attributes are for tooling; customers read the rest.
    _assert_customer_safe(re.sub(r'\sdata-req="[^"]*"', "", html), case)


@pytest.mark.django_db
def test_s_vuln_customer_report_pdf_prints_the_customer_reason():
    case = CASES[0]
    exposure = _exposure(case)

    pdf = render_customer_report(customer=exposure.customer, today=datetime.date(2026, 6, 3))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")

    assert case.reason in text
    assert case.staff_explanation not in text


@pytest.mark.django_db
def test_s_vuln_customer_report_leaves_out_review_candidates_staff_have_not_confirmed():
    case = next(c for c in CASES if c.method == Method.TEXT_CANDIDATE)
    exposure = _exposure(case, review_confirmed_at=None)

    context = build_customer_report_context(
        customer=exposure.customer, today=datetime.date(2026, 6, 3), generated_at=timezone.now()
    )

    assert context["open_rows"] == []
    assert exposure.customer_reason == "ご利用の機器が該当するかどうか、弊社で確認しています。"


@pytest.mark.django_db
def test_s_vuln_customer_report_leaves_out_candidates_staff_dismissed():
    case = next(c for c in CASES if c.method == Method.TEXT_CANDIDATE)
    exposure = _exposure(case, review_confirmed_at=None)
    dismiss_candidate(exposure=exposure, reason="別機種の記載", changed_by=make_user())

    context = build_customer_report_context(
        customer=exposure.customer, today=timezone.localdate(), generated_at=timezone.now()
    )

    assert (context["open_rows"], context["closed_rows"]) == ([], [])
    assert "要確認" not in render_to_string("exposures/customer_report.html", context)


@pytest.mark.django_db
def test_s_vuln_confirming_a_text_candidate_sends_the_customer_who_checked_it_and_when(django_user_model):
    """CVE-2025-0356 has no product data; its description names "WX3600HP Ver.1.5.3 and earlier"."""
    make_nvd_vulnerability("CVE-2025-0356")
    nec = make_manufacturer(slug="nec", name_ja="日本電気", customer_name_ja="NEC", cpe_vendors=["nec"])
    product = make_product(
        manufacturer=nec, model_number="WX3600HP", firmware_cpe="cpe:2.3:o:nec:aterm_wx3600hp_firmware:*:*:*:*:*:*:*:*"
    )
    customer = make_customer(customer_code="C-OPTIN", notify_without_contract=True)
    make_contact(customer=customer, email="it@optin.example.jp")
    make_device(product=product, customer=customer, firmware_at_sale="1.5.3")
    match_all(notify=True)
    exposure = Exposure.objects.get()
    assert (exposure.method, exposure.review_confirmed_at, Notice.objects.count()) == ("text_candidate", None, 0)

    confirm_candidate(
        exposure=exposure, reason="メーカーに確認済み", changed_by=django_user_model.objects.create_user("s")
    )

    exposure.refresh_from_db()
    assert exposure.review_confirmed_at == exposure.status_changed_at
    confirmed_on = timezone.localdate(exposure.review_confirmed_at)
    reason = (
        f"{NVD}に掲載された脆弱性の説明を弊社担当者が確認し、ご利用のファームウェア 1.5.3 が該当すると判断しました"
        f"（確認日 {confirmed_on.year}年{confirmed_on.month}月{confirmed_on.day}日）。"
    )
    notice = Notice.objects.get()
    assert f"    該当する理由: {reason}" in notice.body.splitlines()
    assert REVIEW_MARK not in notice.body
    assert exposure.explanation.startswith(REVIEW_MARK)


@pytest.mark.django_db
def test_s_vuln_dismissing_a_confirmed_candidate_withdraws_the_confirmation():
    case = next(c for c in CASES if c.method == Method.STATEMENT_VERSION_UNKNOWN)
    exposure = _exposure(case)

    dismiss_candidate(exposure=exposure, reason="別機種の記載", changed_by=make_user())

    exposure.refresh_from_db()
    assert (exposure.status, exposure.review_confirmed_at) == (ExposureStatus.FALSE_POSITIVE, None)


@pytest.mark.django_db
def test_s_vuln_staff_device_page_keeps_the_staff_explanation(client):
    case = next(c for c in CASES if c.method == Method.JVN_VENDOR_PRODUCT)
    exposure = _exposure(case)
    client.force_login(make_user(Role.VIEWER))

    response = client.get(f"/exposures/devices/{exposure.device_id}/")

    assert response.status_code == 200
    assert case.staff_explanation in response.content.decode()


# Templates customers read (e-mails, their link pages, documents handed to them); what they
# include or extend is followed.
CUSTOMER_TEMPLATES = (
    "exposures/notice_email.txt",
    "exposures/notice_subject.txt",
    "exposures/notice_read.html",
    "exposures/_customer_notices.html",
    "exposures/customer_report.html",
    "acknowledgements/customer.html",
    "acknowledgements/customer_done.html",
    "acknowledgements/customer_refused.html",
    "acknowledgements/receipt.html",
    "acknowledgements/email/link_body.txt",
    "acknowledgements/email/link_subject.txt",
    "disclosures/document.html",
    "disclosures/quote.html",
)
STAFF_FIELDS = re.compile(r"\bexplanation\b|\bconfidence\b|\.method\b|needs_review|method_source")
INCLUDED = re.compile(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']")


def _with_included(names: tuple[str, ...]) -> dict[str, str]:
    sources: dict[str, str] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in sources:
            continue
        sources[name] = Path(get_template(name).origin.name).read_text(encoding="utf-8")
        pending.extend(INCLUDED.findall(sources[name]))
    return sources


def test_s_vuln_no_customer_facing_template_prints_staff_match_details():
    sources = _with_included(CUSTOMER_TEMPLATES)

    assert "exposures/_customer_notices.html" in sources
    assert "acknowledgements/customer_base.html" in sources
    assert {name: STAFF_FIELDS.findall(text) for name, text in sources.items() if STAFF_FIELDS.search(text)} == {}
