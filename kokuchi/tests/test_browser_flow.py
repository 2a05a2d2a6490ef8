"""The staff flow in a real browser, as a new user would do it, at a desktop and a phone size:
customer → deal with lines → devices from the lines → check and preview → issue (confirmation,
progress) → send (copy field, QR code) → the customer acknowledges on a phone (WCAG 2.1 AA checked
with axe-core) → the viewer's read-only view. Screenshots and page timings go to var/browser/."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.conf import settings

from kokuchi.acknowledgements.models import Acknowledgement
from kokuchi.catalog.models import ProductCategory
from kokuchi.catalog.tests.factories import make_manufacturer, make_product
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import give_reseller_logo, make_reseller, make_user
from kokuchi.devices.models import Device

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SCREENS = Path(settings.BASE_DIR) / "var" / "browser"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
PHONE = {"viewport": VIEWPORTS["phone"], "is_mobile": True, "has_touch": True, "locale": "ja-JP"}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium package is not installed at /usr/bin/chromium"),
]


class Recorder:
    """Times each step (navigation included) and saves a screenshot of the page it ends on."""

    def __init__(self, name: str) -> None:
        self.folder = SCREENS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.timings: dict[str, float] = {}

    def step(self, page, label: str, action) -> None:
        started = time.perf_counter()
        action()
        page.wait_for_load_state("load")
        self.timings[label] = round(time.perf_counter() - started, 3)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(self.folder / f"{len(self.timings):02d}-{label}.png"), full_page=True)

    def save(self) -> None:
        (self.folder / "timings.json").write_text(json.dumps(self.timings, indent=2, ensure_ascii=False))


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def accessibility_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [f"{violation['id']}: {violation['help']}" for violation in results.response["violations"]]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_s_evid_whole_flow_from_deal_to_acknowledgement_in_a_real_browser(live_server, monkeypatch, settings, size):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    give_reseller_logo(make_reseller(address="東京都千代田区千代田1-1"))
    fortinet = make_manufacturer(slug="fortinet", name_ja="フォーティネット", name_en="Fortinet")
    make_product(
        manufacturer=fortinet, model_number="FG-60F", category=ProductCategory.FIREWALL, latest_firmware="7.2.10"
    )
    make_product(model_number="PC-X1", category=ProductCategory.PC, latest_firmware="23H2")
    make_user(Role.SALES, username="sales", password="sales-pass")
    make_user(Role.VIEWER, username="viewer", password="viewer-pass")
    base = live_server.url
    settings.SITE_URL = base  # the customer link points at this test server
    record = Recorder(size)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            staff = browser.new_page(viewport=VIEWPORTS[size], locale="ja-JP")
            staff.on("dialog", lambda dialog: dialog.accept())
            record.step(staff, "login", lambda: log_in(staff, base, "sales", "sales-pass"))
            record.step(staff, "dashboard", lambda: staff.goto(f"{base}/"))

            record.step(staff, "customer-form", lambda: staff.goto(f"{base}/customers/new/"))
            staff.fill("input[name=name]", "株式会社北星")

            def save_customer():
                staff.click("main form button.primary")
                staff.wait_for_url("**/customers/*/")

            record.step(staff, "customer", save_customer)
            customer_url = staff.url

            record.step(staff, "deal-form", lambda: staff.click("main .page-head a[href^='/deals/new/']"))
            staff.fill("input[name=title]", "本社ネットワーク更改")

            def save_deal():
                staff.click("main form button.primary")
                staff.wait_for_url("**/deals/*/")

            record.step(staff, "deal", save_deal)
            deal_url = staff.url

            for model, price in (("FG-60F", "98000"), ("PC-X1", "150000")):
                staff.goto(f"{deal_url}lines/new/")
                staff.select_option(
                    "select[name=product]",
                    label=staff.locator("select[name=product] option", has_text=model).first.inner_text(),
                )
                staff.fill("input[name=quantity]", "1" if model == "FG-60F" else "2")
                staff.fill("input[name=unit_price]", price)
                staff.click("main form button.primary")
                staff.wait_for_url(deal_url)
            record.step(staff, "deal-with-lines", lambda: staff.goto(deal_url))

            record.step(staff, "devices-form", lambda: staff.click("#next-step a.button"))
            boxes = staff.locator("textarea.units")
            boxes.nth(0).fill("FGT60F0000000001, 7.2.9")
            boxes.nth(1).fill("PC0001\t23H2\nPC0002")

            def save_devices():
                staff.click("#bulk-devices button.primary")
                staff.wait_for_url("**/disclosures/deal/*/")

            record.step(staff, "check-and-preview", save_devices)
            assert staff.locator("iframe.document").count() == 1

            # The pre-issue check warns that 7.2.9 is older than the latest 7.2.10: give the reason.
            assert staff.locator("#issue-form .warning").count() == 1
            staff.fill("#issue-form .warning textarea", "お客様の検証環境と同じ版で納入")

            def issue():
                staff.check("#confirm-issue")
                staff.click("#issue-button")
                staff.wait_for_selector(".message.success")

            record.step(staff, "issued", issue)
            record.step(staff, "send", lambda: staff.click("#next-step a.button"))

            def create_link():
                staff.click("#acknowledgement-panel form button.primary")
                staff.wait_for_selector("#send-links")

            record.step(staff, "link-ready", create_link)
            customer_link = staff.input_value("#send-links input[type=text]")
            assert staff.locator("#send-links .qr svg").count() == 1

            customer = browser.new_page(**PHONE)
            record.step(customer, "customer-page", lambda: customer.goto(customer_link))
            header = customer.inner_text("#sender")
            logo = customer.eval_on_selector("#sender img", "img => [img.alt, img.complete && img.naturalWidth]")
            violations = accessibility_violations(customer)
            for checkbox in customer.locator("input[type=checkbox]").all():
                checkbox.check()
            customer.fill("input[name=signer_name]", "山田 太郎")

            def acknowledge():
                customer.click("#submit-ack")
                customer.wait_for_selector("#ack-done")

            record.step(customer, "customer-acknowledged", acknowledge)
            violations_after = accessibility_violations(customer)

            record.step(staff, "staff-sees-acknowledgement", lambda: staff.reload())
            acknowledged_text = staff.inner_text("#acknowledgement-panel")
            record.step(staff, "customer-with-badges", lambda: staff.goto(customer_url))

            viewer = browser.new_page(viewport=VIEWPORTS[size], locale="ja-JP")
            log_in(viewer, base, "viewer", "viewer-pass")
            record.step(viewer, "viewer-deal", lambda: viewer.goto(deal_url))
            viewer_edit_links = viewer.locator("main a[href$='/edit/'], main form[method=post]").count()
            viewer_next_step_buttons = viewer.locator("#next-step a.button").count()
        finally:
            browser.close()
            record.save()

    assert "株式会社テスト販売" in header
    assert "03-0000-0000" in header
    assert logo == ["株式会社テスト販売のロゴ", 160]
    assert violations == []
    assert violations_after == []
    assert "山田 太郎" in acknowledged_text
    assert Acknowledgement.objects.get().signer_name == "山田 太郎"
    assert sorted(Device.objects.values_list("serial_number", "firmware_at_sale")) == [
        ("FGT60F0000000001", "7.2.9"),
        ("PC0001", "23H2"),
        ("PC0002", "23H2"),
    ]
    assert (viewer_edit_links, viewer_next_step_buttons) == (0, 1)
