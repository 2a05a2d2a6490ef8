"""The reseller's logo: uploaded by an admin on the profile (PNG, JPEG or WebP only, size-limited),
served without login to the customer's page under its strict CSP, and printed in the disclosure."""

import hashlib
import re

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ImageFile

from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version, make_sale
from kokuchi.core.models import Reseller
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import give_reseller_logo, make_logo_image, make_reseller, make_user
from kokuchi.disclosures.services import render_disclosure_html
from kokuchi.disclosures.tests.factories import ISSUED_AT
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db

EDIT = "/reseller/edit/"
LOGO = "/reseller/logo/"
PROFILE = {"company_name": "株式会社テスト販売", "document_number_prefix": "TS", "retention_years": "10"}
NOT_AN_IMAGE = "ロゴは PNG、JPEG または WebP の画像にしてください。"
CUT_OFF = "ロゴのファイルが途中で切れています。保存し直してからアップロードしてください。"
SCRIPTED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)


def _upload(client, data: bytes, name: str, content_type: str):
    return client.post(EDIT, PROFILE | {"logo_file": SimpleUploadedFile(name, data, content_type=content_type)})


def _customer_page(client=None) -> tuple[Client, object]:
    version = make_issued_version()
    token = create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=Origin(channel="staff_ui"),
    ).token
    client = client or Client()
    return client, client.get(f"/ack/c/{token}/")


@pytest.mark.parametrize(
    ("image_format", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_admin_uploads_a_logo_that_is_served_without_login(client, image_format, content_type):
    make_reseller()
    data = make_logo_image(image_format=image_format, size=(200, 60))
    client.force_login(make_user(Role.ADMIN))

    response = _upload(client, data, "logo.bin", "application/octet-stream")

    assert (response.status_code, response["Location"]) == (302, "/reseller/")
    reseller = Reseller.objects.get()
    assert (bytes(reseller.logo), reseller.logo_content_type, reseller.logo_width, reseller.logo_height) == (
        data,
        content_type,
        200,
        60,
    )
    served = Client().get(reseller.logo_url)
    assert (served.status_code, served["Content-Type"], served.content) == (200, content_type, data)
    assert served["X-Content-Type-Options"] == "nosniff"
    assert reseller.logo_url == f"{LOGO}?v={hashlib.sha256(data).hexdigest()[:16]}"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (SCRIPTED_SVG, "logo.svg", "ロゴは PNG、JPEG または WebP の画像にしてください。"),
        (make_logo_image(image_format="GIF"), "logo.gif", "ロゴは PNG、JPEG または WebP の画像にしてください。"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "logo.png", "ロゴは PNG、JPEG または WebP の画像にしてください。"),
        (make_logo_image(image_format="JPEG")[:-200], "logo.jpg", CUT_OFF),
        (make_logo_image(image_format="PNG")[:-30], "logo.png", CUT_OFF),
        # Pillow cannot even open a cut-off WebP: it is refused as unreadable.
        (make_logo_image(image_format="WEBP")[:-30], "logo.webp", NOT_AN_IMAGE),
        (b"x" * (512 * 1024 + 1), "logo.png", "ロゴは 513 KB です。受け付けるのは 512 KB までです。"),
        (make_logo_image(size=(5000, 10)), "logo.png", "ロゴは 5000×10 ピクセルです。一辺 4096 ピクセルまでです。"),
    ],
    ids=[
        "svg-with-script",
        "gif",
        "broken-png",
        "truncated-jpeg",
        "truncated-png",
        "truncated-webp",
        "too-large",
        "too-many-pixels",
    ],
)
@pytest.mark.parametrize("truncated_allowed", [False, True], ids=["pillow-default", "as-after-weasyprint-import"])
def test_logo_upload_refuses_what_is_not_a_small_png_jpeg_or_webp(
    client, monkeypatch, data, name, message, truncated_allowed
):
    # Importing WeasyPrint sets this for the whole process; the check must not depend on it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", truncated_allowed)
    make_reseller()
    client.force_login(make_user(Role.ADMIN))

    response = _upload(client, data, name, "image/png")

    assert response.status_code == 200
    assert response.context["form"].errors["logo_file"] == [message]
    assert Reseller.objects.get().logo_sha256 == ""


def test_admin_removes_the_logo(client):
    give_reseller_logo(make_reseller())
    client.force_login(make_user(Role.ADMIN))

    response = client.post(EDIT, PROFILE | {"remove_logo": "on"})

    assert response.status_code == 302
    reseller = Reseller.objects.get()
    assert (bytes(reseller.logo), reseller.logo_content_type, reseller.logo_sha256) == (b"", "", "")
    assert Client().get(LOGO).status_code == 404


def test_logo_url_answers_404_without_a_logo(client):
    make_reseller()
    assert client.get(LOGO).status_code == 404
    assert client.post(LOGO).status_code == 405


def test_customer_page_header_shows_the_logo_with_the_reseller_name_as_alt_and_keeps_its_csp():
    make_sale()
    reseller = give_reseller_logo(Reseller.objects.get())

    _client, response = _customer_page()

    html = response.content.decode()
    header = lxml.html.fromstring(html).get_element_by_id("sender")
    images = header.xpath(".//img")
    assert [(img.get("src"), img.get("alt"), img.get("width"), img.get("height")) for img in images] == [
        (reseller.logo_url, "株式会社テスト販売のロゴ", "160", "48")
    ]
    assert header.xpath(".//*[@class='sender-mark']") == []
    assert re.findall(r"<[^>]+\sstyle=", html) == []
    policy = response["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy
    assert "'unsafe-inline'" not in policy


def test_customer_page_header_falls_back_to_the_initial_without_a_logo():
    make_sale()

    _client, response = _customer_page()

    header = lxml.html.fromstring(response.content.decode()).get_element_by_id("sender")
    assert header.xpath(".//img") == []
    assert [mark.text_content() for mark in header.xpath(".//*[@class='sender-mark']")] == ["株"]


def test_g1_disclosure_header_carries_the_logo_inside_the_document():
    deal = make_sale()
    reseller = give_reseller_logo(Reseller.objects.get())

    html, _label = render_disclosure_html(
        deal=deal, issued_at=ISSUED_AT, document_number="TS-D0001-01", version_number=1
    )

    images = lxml.html.fromstring(html).xpath("//div[@class='reseller-block']/img")
    assert [(img.get("class"), img.get("alt")) for img in images] == [("reseller-logo", reseller.company_name)]
    assert images[0].get("src").startswith("data:image/png;base64,")


def test_reseller_get_leaves_the_logo_bytes_unloaded(django_assert_num_queries):
    give_reseller_logo(make_reseller())

    reseller = Reseller.get()

    assert "logo" in reseller.get_deferred_fields()
    with django_assert_num_queries(0):
        assert reseller.logo_url.startswith(LOGO)
