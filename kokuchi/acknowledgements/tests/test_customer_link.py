import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from kokuchi.acknowledgements.models import Acknowledgement, CustomerLink
from kokuchi.acknowledgements.services import create_customer_link, revoke_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version, make_sale
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db

STAFF = Origin(channel="staff_ui", ip_address="192.0.2.1", user_agent="staff-browser")
ALL_ITEMS = {"item_G5_2_1": "on", "item_G5_2_2": "on", "item_G5_2_3": "on", "item_G5_3": "on"}
SIGNER = {"signer_name": "山田 太郎", "signer_title": "総務部長", "signer_company": "株式会社顧客"}


def new_link(version, **kwargs):
    contact = version.disclosure.deal.customer.primary_contact
    return create_customer_link(
        version=version, created_by=make_user(Role.SALES), contact=contact, origin=STAFF, **kwargs
    )


def url(token: str, suffix: str = "") -> str:
    return f"/ack/c/{token}/{suffix}"


def test_s_evid_link_token_is_random_stored_only_as_hash_and_emailed():
    version = make_issued_version()

    new = new_link(version)

    assert len(new.token) == 43  # 32 random bytes, URL-safe base64
    link = CustomerLink.objects.get()
    assert link.token_sha256 == hashlib.sha256(new.token.encode()).hexdigest()
    assert new.token not in str(CustomerLink.objects.values().get())
    assert link.expires_at - link.created_at == datetime.timedelta(days=14)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["yamada@example.jp"]
    assert f"http://127.0.0.1:8000/ack/c/{new.token}/" in message.body
    assert version.document_number in message.subject
    event = EvidenceEvent.objects.get(event_type="link_created")
    assert event.parameters == {
        "link_id": link.pk,
        "expires_at": link.expires_at.isoformat(),
        "recipient": "yamada@example.jp",
    }
    assert new.token not in str(event.canonical_content())


def test_g1_customer_page_shows_the_document_and_one_checkbox_per_item():
    version = make_issued_version()
    new = new_link(version)

    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url(new.token))

    assert response.status_code == 200
    body = response.content.decode()
    assert "お名前" in body  # Japanese whatever the browser asks for
    assert version.document_number in body
    assert sorted(re.findall(r'name="(item_[^"]+)"', body)) == sorted(ALL_ITEMS)
    assert 'name="viewport"' in body
    assert "告知書のご確認" in body
    opened = EvidenceEvent.objects.get(event_type="link_opened")
    assert (opened.channel, opened.disclosure_version_id, opened.actor_name) == (
        "customer_link",
        version.pk,
        f"customer link #{new.link.pk}",
    )


def test_g5_3_item_is_asked_only_when_maintenance_was_not_contracted():
    version = make_issued_version(maintenance="accepted")
    new = new_link(version)

    body = Client().get(url(new.token)).content.decode()

    assert re.findall(r'name="(item_[^"]+)"', body) == ["item_G5_2_1", "item_G5_2_2", "item_G5_2_3"]


def test_s_evid_customer_acknowledges_through_the_link():
    version = make_issued_version()
    new = new_link(version)
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="phone-browser")

    response = client.post(url(new.token), ALL_ITEMS | SIGNER)

    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert (ack.version, ack.method, ack.link) == (version, "customer_link", new.link)
    assert ack.items == ["G5.2-1", "G5.2-2", "G5.2-3", "G5.3"]
    assert (ack.signer_name, ack.signer_title, ack.signer_company) == ("山田 太郎", "総務部長", "株式会社顧客")
    assert (ack.ip_address, ack.user_agent) == ("198.51.100.7", "phone-browser")
    event = EvidenceEvent.objects.get(event_type="acknowledged")
    assert (event.actor_name, event.actor_user_id, event.channel) == ("山田 太郎", None, "customer_link")
    assert (event.ip_address, event.user_agent) == ("198.51.100.7", "phone-browser")
    assert event.document_sha256 == version.sha256
    assert event.files == []
    receipt_event = EvidenceEvent.objects.get(event_type="receipt_issued")
    assert receipt_event.files == [{"path": ack.receipt_path, "sha256": ack.receipt_sha256}]
    assert receipt_event.parameters["anchor"]["event"] == {
        "sequence": event.sequence,
        "hash": event.hash,
        "leaf_index": event.sequence - 1,
    }
    assert "ご確認ありがとうございました" in client.get(url(new.token)).content.decode()
    receipt = client.get(url(new.token, "receipt.pdf"))
    assert receipt.status_code == 200
    assert hashlib.sha256(receipt.content).hexdigest() == ack.receipt_sha256


def test_s_evid_missing_confirmation_is_refused():
    version = make_issued_version()
    new = new_link(version)

    response = Client().post(url(new.token), {k: v for k, v in ALL_ITEMS.items() if k != "item_G5_2_2"} | SIGNER)

    assert response.status_code == 200
    assert "この項目を確認してください。" in response.content.decode()
    assert Acknowledgement.objects.count() == 0


def test_s_evid_double_submit_records_one_acknowledgement():
    version = make_issued_version()
    new = new_link(version)
    client = Client()

    first = client.post(url(new.token), ALL_ITEMS | SIGNER)
    second = client.post(url(new.token), ALL_ITEMS | SIGNER | {"signer_name": "二度目"})

    assert (first.status_code, second.status_code) == (302, 200)
    assert "ご確認ありがとうございました" in second.content.decode()
    assert Acknowledgement.objects.get().signer_name == "山田 太郎"
    assert EvidenceEvent.objects.filter(event_type="acknowledged").count() == 1


def test_s_evid_customer_form_is_csrf_protected():
    version = make_issued_version()
    new = new_link(version)
    client = Client(enforce_csrf_checks=True)

    refused = client.post(url(new.token), ALL_ITEMS | SIGNER)
    assert refused.status_code == 403
    assert Acknowledgement.objects.count() == 0

    page = client.get(url(new.token))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    accepted = client.post(url(new.token), ALL_ITEMS | SIGNER | {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert Acknowledgement.objects.count() == 1


def test_s_evid_one_disclosures_token_cannot_open_another():
    version_a = make_issued_version()
    version_b = make_issued_version(deal=make_sale())
    link_a = new_link(version_a)
    link_b = new_link(version_b)
    client = Client()

    page_a = client.get(url(link_a.token)).content.decode()
    document_a = client.get(url(link_a.token, "document.pdf"))
    client.post(url(link_a.token), ALL_ITEMS | SIGNER)

    assert version_a.document_number in page_a
    assert version_b.document_number not in page_a
    assert document_a.content == bytes(version_a.pdf)
    assert list(Acknowledgement.objects.values_list("version_id", flat=True)) == [version_a.pk]
    assert client.get(url(link_a.token, "receipt.pdf")).status_code == 200
    assert client.get(url(link_b.token, "receipt.pdf")).status_code == 404


def test_s_evid_expired_token_is_refused():
    version = make_issued_version()
    new = new_link(version, days=1)
    CustomerLink.objects.filter(pk=new.link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    get = Client().get(url(new.token))
    post = Client().post(url(new.token), ALL_ITEMS | SIGNER)

    assert (get.status_code, post.status_code) == (410, 410)
    assert 'data-reason="expired"' in get.content.decode()
    assert Acknowledgement.objects.count() == 0


def test_s_evid_revoked_token_is_refused_and_revocation_recorded():
    version = make_issued_version()
    new = new_link(version)
    staff = make_user(Role.SALES)
    revoke_customer_link(link=new.link, revoked_by=staff, origin=STAFF, reason="宛先誤り")

    response = Client().post(url(new.token), ALL_ITEMS | SIGNER)

    assert response.status_code == 410
    assert 'data-reason="revoked"' in response.content.decode()
    assert Acknowledgement.objects.count() == 0
    event = EvidenceEvent.objects.get(event_type="revoked")
    assert (event.actor_name, event.parameters) == (
        staff.username,
        {"what": "customer_link", "object_id": new.link.pk, "reason": "宛先誤り"},
    )


def test_s_evid_link_of_superseded_version_is_refused():
    version = make_issued_version()
    new = new_link(version)
    make_issued_version(deal=version.disclosure.deal)

    response = Client().get(url(new.token))

    assert response.status_code == 410
    assert 'data-reason="superseded"' in response.content.decode()


def test_s_evid_repeated_wrong_tokens_are_rate_limited_but_a_valid_token_still_opens(settings):
    limit = settings.CUSTOMER_LINK_FAILURE_LIMIT
    version = make_issued_version()
    new = new_link(version)
    same_office = Client(REMOTE_ADDR="203.0.113.9")

    statuses = [same_office.get(url(f"wrong-token-{n}")).status_code for n in range(limit + 1)]

    assert statuses == [404] * limit + [429]
    assert same_office.get(url(new.token)).status_code == 200
    assert same_office.post(url(new.token), ALL_ITEMS | SIGNER).status_code == 302
    assert Client(REMOTE_ADDR="198.51.100.7").get(url(new.token)).status_code == 200
    assert Acknowledgement.objects.count() == 1
