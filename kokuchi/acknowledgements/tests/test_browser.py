import os
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from kokuchi.acknowledgements.models import Acknowledgement
from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import Origin
from kokuchi.evidence.verification import verify_evidence

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium package is not installed at /usr/bin/chromium")
def test_s_evid_customer_acknowledges_in_a_real_browser(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls below are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    version = make_issued_version()
    new = create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=Origin(channel="staff_ui"),
    )
    assert os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] == "true"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # A phone-sized page: the customer reads the e-mail on a smartphone.
            page = browser.new_page(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ja-JP"
            )
            page.goto(f"{live_server.url}/ack/c/{new.token}/")
            assert page.title() == "告知書のご確認"
            assert page.locator("iframe.document").count() == 1
            checkboxes = page.locator("input[type=checkbox]")
            assert checkboxes.count() == 4
            page.click("#submit-ack")  # nothing ticked: the browser refuses (required fields)
            assert page.locator("#ack-done").count() == 0
            for index in range(checkboxes.count()):
                checkboxes.nth(index).check()
            page.fill("input[name=signer_company]", "株式会社顧客")
            page.fill("input[name=signer_title]", "総務部長")
            page.fill("input[name=signer_name]", "山田 太郎")
            page.click("#submit-ack")
            page.wait_for_selector("#ack-done")
            done_text = page.inner_text("#ack-done")
            receipt_href = page.get_attribute("#ack-done a", "href")
            receipt = page.request.get(f"{live_server.url}{receipt_href}")
            receipt_status, receipt_type = receipt.status, receipt.headers["content-type"]
        finally:
            browser.close()

    assert version.document_number in done_text
    assert "山田 太郎" in done_text
    assert (receipt_status, receipt_type) == (200, "application/pdf")
    ack = Acknowledgement.objects.get()
    assert (ack.version_id, ack.method, ack.signer_name, ack.signer_title, ack.signer_company) == (
        version.pk,
        "customer_link",
        "山田 太郎",
        "総務部長",
        "株式会社顧客",
    )
    assert ack.items == ["G5.2-1", "G5.2-2", "G5.2-3", "G5.3"]
    assert "Chrome" in ack.user_agent
    assert list(EvidenceEvent.objects.values_list("event_type", flat=True)) == [
        "issued",
        "link_created",
        "link_opened",
        "acknowledged",
        "receipt_issued",
    ]
    assert verify_evidence().ok


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium package is not installed at /usr/bin/chromium")
def test_s_evid_in_person_signature_is_drawn_on_the_canvas(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    version = make_issued_version()
    staff = make_user(Role.SALES, password="counter-pass")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 1366})  # a tablet at the counter
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", staff.username)
            page.fill("input[name=password]", "counter-pass")
            page.click("main form button[type=submit]")  # not the header's language switch
            page.goto(f"{live_server.url}/ack/versions/{version.pk}/in-person/")
            for checkbox in page.locator("input[type=checkbox]").all():
                checkbox.scroll_into_view_if_needed()
                checkbox.set_checked(True)
            page.fill("input[name=signer_company]", "株式会社顧客")
            page.fill("input[name=signer_name]", "佐藤 花子")
            page.locator("#signature-pad").scroll_into_view_if_needed()
            box = page.locator("#signature-pad").bounding_box()
            page.mouse.move(box["x"] + 20, box["y"] + 100)
            page.mouse.down()
            for step in range(1, 12):
                page.mouse.move(box["x"] + 20 + step * 30, box["y"] + 100 + (25 if step % 2 else -25))
            page.mouse.up()
            page.click("#in-person-form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/ack/deals/{version.disclosure.deal_id}/")
            panel = page.inner_text("#acknowledgement-panel")
        finally:
            browser.close()

    ack = Acknowledgement.objects.get()
    assert (ack.method, ack.staff_id, ack.signer_name, ack.typed_signature) == ("in_person", staff.pk, "佐藤 花子", "")
    with default_storage.open(ack.signature_path, "rb") as handle:
        png = handle.read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 1000  # a drawn stroke, not an empty canvas
    assert "佐藤 花子" in panel
