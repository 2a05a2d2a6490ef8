import base64
import hashlib
import re
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from kokuchi.acknowledgements import services
from kokuchi.acknowledgements.models import Acknowledgement, CustomerLink, RecordKeptError
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.models import EvidenceEvent

pytestmark = pytest.mark.django_db

ITEMS = {"item_G5_2_1": "on", "item_G5_2_2": "on", "item_G5_2_3": "on", "item_G5_3": "on"}
SIGNER = {"signer_name": "佐藤 花子", "signer_title": "情報システム課長", "signer_company": "株式会社顧客"}
# A 1×1 PNG, as a canvas would produce.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def staff_client(role=Role.SALES):
    user = make_user(role)
    client = Client(REMOTE_ADDR="192.0.2.50", HTTP_USER_AGENT="counter-tablet")
    client.force_login(user)
    return client, user


def signature_status(pdf: bytes):
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    return validate_pdf_signature(reader.embedded_signatures[0])


def test_s_evid_staff_creates_link_from_the_deal_panel_and_it_is_emailed():
    version = make_issued_version()
    client, _user = staff_client()
    contact = version.disclosure.deal.customer.primary_contact

    response = client.post(f"/ack/versions/{version.pk}/links/", {"contact": contact.pk, "days": 7}, follow=True)

    link = CustomerLink.objects.get()
    assert (link.version, link.contact, link.recipient_email) == (version, contact, "yamada@example.jp")
    assert (link.expires_at - link.created_at).days == 7
    assert len(mail.outbox) == 1
    assert "http://127.0.0.1:8000/ack/c/" in response.content.decode()


def test_s_evid_link_stays_shown_once_with_the_reason_when_the_mailer_refuses_its_settings(settings):
    # The console backend given SMTP options raises InvalidMailer when the message is sent.
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {"host": "localhost"}}
    }
    version = make_issued_version()
    client, _user = staff_client()
    contact = version.disclosure.deal.customer.primary_contact

    response = client.post(f"/ack/versions/{version.pk}/links/", {"contact": contact.pk, "days": 7}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    link = CustomerLink.objects.get()
    assert link.recipient_email == "yamada@example.jp"
    urls = re.findall(r"http://127\.0\.0\.1:8000/ack/c/([A-Za-z0-9_-]+)/", html)
    assert len(urls) == 1
    assert hashlib.sha256(urls[0].encode()).hexdigest() == link.token_sha256
    assert "yamada@example.jp へのメールを送信できませんでした（InvalidMailer: " in html


def test_s_evid_viewer_cannot_create_links_or_record_acknowledgements():
    version = make_issued_version()
    client, _user = staff_client(Role.VIEWER)

    assert client.post(f"/ack/versions/{version.pk}/links/", {"days": 7}).status_code == 403
    assert client.post(f"/ack/versions/{version.pk}/in-person/", ITEMS | SIGNER).status_code == 403
    assert client.get(f"/ack/deals/{version.disclosure.deal_id}/").status_code == 200
    assert CustomerLink.objects.count() == 0


def test_s_evid_in_person_with_drawn_signature_records_staff_and_signer():
    version = make_issued_version()
    client, user = staff_client()
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()

    response = client.post(f"/ack/versions/{version.pk}/in-person/", ITEMS | SIGNER | {"signature": data_url})

    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert (ack.method, ack.staff, ack.signer_name, ack.link) == ("in_person", user, "佐藤 花子", None)
    assert ack.signature_sha256 == hashlib.sha256(PNG).hexdigest()
    with default_storage.open(ack.signature_path, "rb") as handle:
        assert handle.read() == PNG
    event = EvidenceEvent.objects.get(event_type="acknowledged")
    assert (event.actor_user_id, event.actor_name, event.channel) == (user.pk, user.username, "in_person")
    assert event.parameters["signer"] == {"name": "佐藤 花子", "title": "情報システム課長", "company": "株式会社顧客"}
    assert event.parameters["staff"] == user.username
    assert event.files == [{"path": ack.signature_path, "sha256": ack.signature_sha256}]
    receipt_event = EvidenceEvent.objects.get(event_type="receipt_issued")
    assert receipt_event.files == [{"path": ack.receipt_path, "sha256": ack.receipt_sha256}]
    with default_storage.open(ack.receipt_path, "rb") as handle:
        receipt = handle.read()
    status = signature_status(receipt)
    assert (status.intact, status.valid) == (True, True)


def test_s_evid_in_person_with_typed_signature():
    version = make_issued_version()
    client, _user = staff_client()

    response = client.post(f"/ack/versions/{version.pk}/in-person/", ITEMS | SIGNER | {"typed_signature": "佐藤花子"})

    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert (ack.typed_signature, ack.signature_path) == ("佐藤花子", "")


def test_s_evid_in_person_needs_a_signature():
    version = make_issued_version()
    client, _user = staff_client()

    response = client.post(f"/ack/versions/{version.pk}/in-person/", ITEMS | SIGNER)

    assert response.status_code == 200
    assert Acknowledgement.objects.count() == 0


def test_s_evid_drawn_signature_must_be_png():
    with pytest.raises(Exception, match="手書き署名がPNG画像ではありません。"):
        services.decode_signature("data:image/png;base64," + base64.b64encode(b"GIF89a....").decode())


def test_s_evid_paper_scan_upload_records_sha256_and_event():
    version = make_issued_version()
    client, user = staff_client()
    scan = b"%PDF-1.4 signed paper form"

    response = client.post(
        f"/ack/versions/{version.pk}/paper/",
        ITEMS | SIGNER | {"scan": SimpleUploadedFile("scan.pdf", scan, "application/pdf")},
    )

    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert (ack.method, ack.staff, ack.scan_content_type) == ("paper", user, "application/pdf")
    assert ack.scan_sha256 == hashlib.sha256(scan).hexdigest()
    event = EvidenceEvent.objects.get(event_type="scan_uploaded")
    assert event.files == [{"path": ack.scan_path, "sha256": ack.scan_sha256}]
    assert event.parameters == {"original_name": "scan.pdf", "content_type": "application/pdf", "size": len(scan)}
    assert EvidenceEvent.objects.filter(event_type="acknowledged", channel="paper").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "scan.pdf",
            b"MZ\x90\x00 not a pdf",
            "スキャンはPDF・JPEG・PNGのいずれかのファイルにしてください（ファイルの内容で判定します）。",
        ),
        ("scan.png", b"", "入力されたファイルは空です。"),
    ],
)
def test_s_evid_paper_scan_type_is_checked_from_content(name, content, message):
    version = make_issued_version()
    client, _user = staff_client()

    response = client.post(
        f"/ack/versions/{version.pk}/paper/",
        ITEMS | SIGNER | {"scan": SimpleUploadedFile(name, content, "application/pdf")},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Acknowledgement.objects.count() == 0


def test_s_evid_paper_scan_size_is_limited(monkeypatch):
    monkeypatch.setattr(services, "MAX_SCAN_BYTES", 1024)
    upload = SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * 2000, "image/jpeg")

    with pytest.raises(Exception, match="スキャンのサイズが 0 MB を超えています。"):
        services.read_scan(upload)


def test_s_evid_jpeg_and_png_are_accepted_by_magic_bytes():
    assert services.detect_scan_type(b"\xff\xd8\xff\xe0rest") == ("image/jpeg", "jpg")
    assert services.detect_scan_type(b"\x89PNG\r\n\x1a\nrest") == ("image/png", "png")
    assert services.read_scan(SimpleUploadedFile("a.pdf", b"%PDF-1.7")) == (b"%PDF-1.7", "application/pdf", "pdf")


def test_s_evid_acknowledgements_and_links_cannot_be_deleted():
    version = make_issued_version()
    client, _user = staff_client()
    client.post(f"/ack/versions/{version.pk}/in-person/", ITEMS | SIGNER | {"typed_signature": "佐藤"})

    with pytest.raises(RecordKeptError):
        Acknowledgement.objects.get().delete()


def test_s_evid_receipt_download_is_the_stored_signed_pdf():
    version = make_issued_version()
    client, _user = staff_client()
    client.post(f"/ack/versions/{version.pk}/in-person/", ITEMS | SIGNER | {"typed_signature": "佐藤"})
    ack = Acknowledgement.objects.get()

    response = client.get(f"/ack/acknowledgements/{ack.pk}/receipt.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == ack.receipt_sha256


def test_s_evid_staff_pages_render():
    version = make_issued_version()
    client, _user = staff_client()

    in_person = client.get(f"/ack/versions/{version.pk}/in-person/")
    paper = client.get(f"/ack/versions/{version.pk}/paper/")

    assert in_person.status_code == paper.status_code == 200
    assert 'id="signature-pad"' in in_person.content.decode()
    assert 'enctype="multipart/form-data"' in paper.content.decode()
    assert client.get("/ack/search/").status_code == 200
    assert client.get("/ack/compliance/").status_code == 200


def test_s_evid_deal_page_panel_tag_shows_reacknowledgement():
    from django.template import Context, Template

    first = make_issued_version()
    services.record_acknowledgement(
        version=first,
        method="in_person",
        items=["G5.2-1", "G5.2-2", "G5.2-3", "G5.3"],
        signer=services.Signer(name="佐藤", company="顧客"),
        origin=services.Origin(channel="in_person"),
        staff=make_user(Role.SALES),
        typed_signature="佐藤",
    )
    second = make_issued_version(deal=first.disclosure.deal)

    html = Template("{% load acknowledgements %}{% acknowledgement_panel deal %}").render(
        Context({"deal": first.disclosure.deal, "user_can_edit": True})
    )

    assert 'id="reack-needed"' in html
    assert f"{first.document_number} は確認済みですが、{second.document_number} に差し替えられました。" in html
    assert f"/ack/versions/{second.pk}/in-person/" in html


def test_s_evid_link_survives_a_failed_email(monkeypatch):
    version = make_issued_version()
    client, _user = staff_client()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(services, "send_mail", refuse)
    response = client.post(
        f"/ack/versions/{version.pk}/links/",
        {"contact": version.disclosure.deal.customer.primary_contact.pk, "days": 14},
        follow=True,
    )

    body = response.content.decode()
    assert CustomerLink.objects.count() == 1
    assert "yamada@example.jp へのメールを送信できませんでした（ConnectionRefusedError: SMTP server down）。" in body
    assert "http://127.0.0.1:8000/ack/c/" in body
