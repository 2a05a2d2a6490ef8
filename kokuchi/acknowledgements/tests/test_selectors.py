import datetime
import hashlib
import json
import zipfile
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from kokuchi.acknowledgements import selectors
from kokuchi.acknowledgements.models import Acknowledgement
from kokuchi.acknowledgements.services import Signer, record_acknowledgement
from kokuchi.acknowledgements.tests.factories import make_issued_version, make_sale
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_customer
from kokuchi.deals.models import Deal, DealStatus
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db

JST = datetime.timezone(datetime.timedelta(hours=9))


def acknowledge(version, **kwargs):
    staff = kwargs.pop("staff", None) or make_user(Role.SALES)
    return record_acknowledgement(
        version=version,
        method="in_person",
        items=selectors.required_items(version),
        signer=Signer(name="佐藤 花子", company="株式会社顧客"),
        origin=Origin(channel="in_person"),
        staff=staff,
        typed_signature="佐藤",
        **kwargs,
    )


def test_s_evid_issue_signs_the_pdf_and_records_issued_and_superseded():
    first = make_issued_version()
    second = make_issued_version(deal=first.disclosure.deal)

    issued = list(EvidenceEvent.objects.filter(event_type="issued").order_by("sequence"))
    superseded = EvidenceEvent.objects.get(event_type="superseded")
    assert [(e.disclosure_version_id, e.document_sha256) for e in issued] == [
        (first.pk, first.sha256),
        (second.pk, second.sha256),
    ]
    assert issued[0].files[0]["sha256"] == first.sha256
    assert issued[0].parameters == {"document_number": first.document_number}
    assert (superseded.disclosure_version_id, superseded.document_sha256, superseded.parameters) == (
        first.pk,
        first.sha256,
        {"superseded_by_version_id": second.pk},
    )
    assert hashlib.sha256(bytes(first.pdf)).hexdigest() == first.sha256
    status = validate_pdf_signature(PdfFileReader(BytesIO(bytes(first.pdf)), strict=False).embedded_signatures[0])
    assert (status.intact, status.valid, status.docmdp_ok) == (True, True, True)


def test_s_evid_verify_detects_a_changed_disclosure_pdf_in_the_database():
    version = make_issued_version()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE disclosures_disclosureversion SET pdf = %s WHERE id = %s", [b"%PDF-forged", version.pk])

    with pytest.raises(CommandError) as error:
        call_command("evidence", "verify", stdout=StringIO(), stderr=StringIO())

    forged = hashlib.sha256(b"%PDF-forged").hexdigest()
    assert str(error.value) == (
        "Evidence chain broken (1 problem(s)); first: "
        f"disclosure version {version.pk}: stored PDF has sha256 {forged} (PDF changed)"
    )


def test_s_evid_reacknowledgement_needed_when_an_acknowledged_version_is_superseded():
    first = make_issued_version()
    acknowledge(first)
    assert selectors.deal_ack_status(first.disclosure.deal).needs_reacknowledgement is False

    second = make_issued_version(deal=first.disclosure.deal)

    status = selectors.deal_ack_status(first.disclosure.deal)
    assert (status.current, status.acknowledgement, status.previously_acknowledged) == (second, None, first)
    assert status.needs_reacknowledgement is True
    client = Client()
    client.force_login(make_user(Role.VIEWER))
    page = client.get(f"/ack/deals/{first.disclosure.deal_id}/").content.decode()
    assert 'id="reack-needed"' in page
    acknowledge(second)
    assert selectors.deal_ack_status(first.disclosure.deal).needs_reacknowledgement is False


def test_s_evid_retention_period_is_shown_from_the_reseller_profile():
    version = make_issued_version(issued_at=datetime.datetime(2026, 5, 1, 1, 0, tzinfo=datetime.UTC))
    status = selectors.deal_ack_status(version.disclosure.deal)

    assert (status.retention_years, status.retain_until) == (10, datetime.date(2036, 5, 1))


def test_g1_compliance_rows_show_disclosed_and_acknowledged_requirement_ids():
    version = make_issued_version()
    before = {
        row.requirement_id: (row.disclosed, row.acknowledged, row.needs_acknowledgement)
        for row in selectors.deal_ack_status(version.disclosure.deal).compliance
    }
    acknowledge(version)
    after = {
        row.requirement_id: (row.disclosed, row.acknowledged, row.needs_acknowledgement)
        for row in selectors.deal_ack_status(version.disclosure.deal).compliance
    }

    assert before["G5.2-1c"] == (True, False, True)
    assert before["G6"] == (True, False, False)
    assert after["G5.2-1c"] == (True, True, True)
    assert after["G5.2-2b"] == (True, True, True)
    assert after["G5.2-3"] == (True, True, True)
    assert after["G5.3"] == (True, True, True)
    assert after["G6"] == (True, False, False)
    assert all(disclosed for disclosed, _ack, _needed in after.values())


def test_g1_delivered_deals_without_acknowledged_disclosure():
    acknowledged = make_issued_version()
    acknowledge(acknowledged)
    awaiting = make_issued_version()
    never_issued = make_sale()
    reissued = make_issued_version()
    acknowledge(reissued)
    make_issued_version(deal=reissued.disclosure.deal)
    ordered = make_sale()
    Deal.objects.filter(pk=ordered.pk).update(status=DealStatus.ORDERED)

    deals = list(selectors.deals_without_acknowledgement())

    assert sorted(d.pk for d in deals) == sorted(
        [awaiting.disclosure.deal_id, never_issued.pk, reissued.disclosure.deal_id]
    )
    client = Client()
    client.force_login(make_user(Role.VIEWER))
    page = client.get("/ack/compliance/").content.decode()
    assert never_issued.number in page
    assert acknowledged.disclosure.deal.number not in page


def test_electronic_bookkeeping_search_by_date_customer_and_amount_ranges():
    alpha = make_customer(name="株式会社アルファ", customer_code="C-ALPHA")
    beta = make_customer(name="ベータ工業株式会社", customer_code="C-BETA")
    v1 = make_issued_version(
        customer=alpha,
        unit_price=100000,
        quantity=1,  # 110,000 incl. tax
        issued_at=datetime.datetime(2026, 4, 1, 10, 0, tzinfo=JST),
    )
    v2 = make_issued_version(
        customer=alpha,
        unit_price=55555,
        quantity=2,  # 111,110 + 11,111 = 122,221
        issued_at=datetime.datetime(2026, 4, 30, 23, 30, tzinfo=JST),
    )
    v3 = make_issued_version(
        customer=beta,
        unit_price=300000,
        quantity=1,  # 330,000
        issued_at=datetime.datetime(2026, 5, 1, 0, 30, tzinfo=JST),
    )

    def search(**keys):
        return [v.pk for v in selectors.search_disclosures(**keys)]

    assert {v.pk: v.amount for v in selectors.search_disclosures()} == {v1.pk: 110000, v2.pk: 122221, v3.pk: 330000}
    assert search(date_from=datetime.date(2026, 4, 1), date_to=datetime.date(2026, 4, 30)) == [v2.pk, v1.pk]
    assert search(date_from=datetime.date(2026, 5, 1)) == [v3.pk]
    assert search(customer="アルファ") == [v2.pk, v1.pk]
    assert search(customer="c-beta") == [v3.pk]
    assert search(amount_min=110001, amount_max=330000) == [v3.pk, v2.pk]
    assert search(amount_max=110000) == [v1.pk]
    client = Client()
    client.force_login(make_user(Role.VIEWER))
    page = client.get("/ack/search/", {"customer": "ベータ", "amount_min": "300000"}).content.decode()
    assert v3.document_number in page
    assert v1.document_number not in page
    assert "¥330,000" in page


def test_s_evid_export_bundle_holds_disclosure_receipt_and_scan(tmp_path):
    version = make_issued_version()
    staff = make_user(Role.SALES)
    ack = record_acknowledgement(
        version=version,
        method="paper",
        items=selectors.required_items(version),
        signer=Signer(name="佐藤 花子", company="株式会社顧客"),
        origin=Origin(channel="paper"),
        staff=staff,
        scan=(b"%PDF-1.4 scan", "application/pdf", "pdf"),
        scan_name="scan.pdf",
    )
    output = tmp_path / "evidence.zip"

    call_command("evidence", "export", version.disclosure.deal.number, "--output", str(output), stdout=StringIO())

    with zipfile.ZipFile(output) as archive:
        names = sorted(archive.namelist())
        events = json.loads(archive.read("events.json"))["events"]
        disclosure_name = f"files/disclosures/{version.document_number}.pdf"
        assert archive.read(disclosure_name) == bytes(version.pdf)
    assert names == sorted(
        [
            "README.txt",
            "SHA256SUMS",
            "checkpoint.json",
            "events.json",
            "signing-certificate.pem",
            "verify_bundle.py",
            disclosure_name,
            "files/" + ack.receipt_path.removeprefix("evidence/"),
            "files/" + ack.scan_path.removeprefix("evidence/"),
        ]
    )
    assert [e["event_type"] for e in events] == ["issued", "scan_uploaded", "acknowledged", "receipt_issued"]
    assert Acknowledgement.objects.get().scan_sha256 == hashlib.sha256(b"%PDF-1.4 scan").hexdigest()
