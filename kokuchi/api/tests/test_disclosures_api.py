"""Disclosures through the API: the pre-issue check, issuing (refused while blocked, warnings
accepted with a reason), status, the signed PDF, and customer links."""

from __future__ import annotations

import datetime
import json

import pytest

from kokuchi.acknowledgements.models import CustomerLink
from kokuchi.acknowledgements.selectors import required_items
from kokuchi.acknowledgements.services import Signer, record_acknowledgement
from kokuchi.acknowledgements.tests.factories import make_issued_version, make_sale
from kokuchi.api.tests.factories import bearer, make_token
from kokuchi.core.hashing import sha256_hex
from kokuchi.core.roles import Role
from kokuchi.customers.tests.factories import make_contact
from kokuchi.devices.tests.factories import make_device
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.evidence.models import Channel, EvidenceEvent
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db


def post(client, url, data, token):
    return client.post(url, json.dumps(data), content_type="application/json", **bearer(token))


def blocked_sale():
    deal = make_sale()
    device = make_device(
        customer=deal.customer, product=deal.lines.get().product, deal=deal, firmware_at_sale="", current_firmware=""
    )
    return deal, device


def test_g5_1_3_pre_issue_check_lists_blocking_items(client):
    deal, device = blocked_sale()
    token = make_token()
    response = client.get(f"/api/v1/disclosures/pre-issue-check/?deal={deal.pk}", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert (body["deal"], body["ok"], body["warnings"]) == (deal.pk, False, [])
    assert [(i["key"], i["requirement_id"]) for i in body["blocking"]] == [(f"firmware_missing:{device.pk}", "G5.1-3")]


def test_pre_issue_check_of_an_unknown_deal_is_400_by_pointer(client):
    token = make_token()
    response = client.get("/api/v1/disclosures/pre-issue-check/?deal=999999", **bearer(token))
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/deal"]


def test_g5_1_3_issue_is_refused_while_blocked_and_nothing_is_issued(client):
    deal, device = blocked_sale()
    token = make_token()
    response = post(client, "/api/v1/disclosures/", {"deal": deal.pk}, token)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], [i["key"] for i in body["items"]]) == ("pre_issue_blocked", [f"firmware_missing:{device.pk}"])
    assert DisclosureVersion.objects.count() == 0


def test_issue_status_and_signed_pdf(client):
    deal = make_sale()
    token = make_token(role=Role.SALES)
    response = post(client, "/api/v1/disclosures/", {"deal": deal.pk}, token)
    assert response.status_code == 201, response.json()
    version = DisclosureVersion.objects.get()
    body = response.json()
    assert (body["id"], body["deal"], body["status"], body["sha256"]) == (version.pk, deal.pk, "issued", version.sha256)
    assert version.issued_by == token.token.integration.user
    pdf = client.get(f"/api/v1/disclosures/{version.pk}/pdf/", **bearer(token))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert sha256_hex(pdf.content) == version.sha256


def test_a_viewer_cannot_issue(client):
    deal = make_sale()
    token = make_token(role=Role.VIEWER)
    assert post(client, "/api/v1/disclosures/", {"deal": deal.pk}, token).status_code == 403
    assert DisclosureVersion.objects.count() == 0


def test_customer_link_is_shown_once_and_recorded_as_api_evidence(client):
    version = make_issued_version()
    token = make_token()
    response = post(client, "/api/v1/customer-links/", {"version": version.pk, "days": 7}, token)
    assert response.status_code == 201
    body = response.json()
    link = CustomerLink.objects.get()
    assert (body["id"], body["status"], body["emailed"]) == (link.pk, "open", False)
    assert "/ack/c/" in body["url"]
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)
    event = EvidenceEvent.objects.filter(event_type="link_created").get()
    assert event.channel == Channel.API
    status = client.get(f"/api/v1/customer-links/{link.pk}/", **bearer(token)).json()
    assert "url" not in status
    assert status["status"] == "open"


def test_a_link_for_too_many_days_is_refused_by_pointer(client):
    version = make_issued_version()
    token = make_token()
    response = post(client, "/api/v1/customer-links/", {"version": version.pk, "days": 365}, token)
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/days"]
    assert CustomerLink.objects.count() == 0


def test_a_link_to_another_customers_contact_is_refused_by_pointer(client):
    version = make_issued_version()
    response = post(
        client, "/api/v1/customer-links/", {"version": version.pk, "contact": make_contact().pk}, make_token()
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "#/contact", "detail": "この連絡先は案件の顧客の連絡先ではありません。", "code": "invalid"}
    ]
    assert CustomerLink.objects.count() == 0


def test_g1_status_after_the_customer_acknowledges_through_the_link(client):
    version = make_issued_version()
    token = make_token()
    link_id = post(client, "/api/v1/customer-links/", {"version": version.pk}, token).json()["id"]
    acknowledgement = record_acknowledgement(
        version=version,
        method="customer_link",
        items=required_items(version),
        signer=Signer(name="山田 太郎", title="総務部長", company="株式会社顧客"),
        origin=Origin(channel="customer_link"),
        link=CustomerLink.objects.get(pk=link_id),
    )
    assert client.get(f"/api/v1/customer-links/{link_id}/", **bearer(token)).json()["status"] == "acknowledged"
    assert client.get(f"/api/v1/disclosures/{version.pk}/", **bearer(token)).json()["status"] == "acknowledged"
    listed = client.get(f"/api/v1/acknowledgements/?version={version.pk}", **bearer(token)).json()["results"]
    assert [(row["id"], row["method"], row["signer_name"]) for row in listed] == [
        (acknowledgement.pk, "customer_link", "山田 太郎")
    ]


def test_g1_a_link_replaced_by_a_reminder_reads_as_replaced_and_names_its_reminder(client):
    from kokuchi.acknowledgements.reminders import send_due_reminders
    from kokuchi.acknowledgements.tests.test_reminders import sent_link

    link = sent_link()
    send_due_reminders(at=link.created_at + datetime.timedelta(days=7))
    reminder = CustomerLink.objects.get(reminder_of=link)
    token = make_token()

    old = client.get(f"/api/v1/customer-links/{link.pk}/", **bearer(token)).json()
    new = client.get(f"/api/v1/customer-links/{reminder.pk}/", **bearer(token)).json()

    assert (old["status"], old["reminder_of"], old["reminder_number"]) == ("replaced", None, 0)
    assert (new["status"], new["reminder_of"], new["reminder_number"]) == ("open", link.pk, 1)
