"""Every staff page is built from the design system: no unstyled control, no inline script or
style (a strict Content-Security-Policy would block them), codes kept on one line."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.exposures.tests.factories import make_exposure
from kokuchi.tests.test_roles import ROLE_TABLE, STAFF_PAGES

pytestmark = pytest.mark.django_db

BUTTON_INPUT_TYPES = {"submit", "button", "reset"}


class ControlAudit(HTMLParser):
    """Collects every control drawn without the design system's `button` class, every inline
    script or style, and every inline event handler."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        is_control = (
            tag == "button"
            or (tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES)
            or (tag == "a" and attributes.get("role") == "button")
        )
        if is_control and "button" not in classes:
            self.problems.append(f"unstyled <{tag} {attrs}>")
        if tag == "script" and not attributes.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name, _value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")


def audit(html: str) -> list[str]:
    parser = ControlAudit()
    parser.feed(html)
    return parser.problems


def test_audit_finds_an_unstyled_button_and_an_inline_script():
    assert audit('<button type="submit">x</button><a class="button" role="button">y</a><script>1</script>') == [
        "unstyled <button [('type', 'submit')]>",
        "inline <script>",
    ]


def other_staff_urls() -> list[str]:
    """The staff pages outside the role table of the catalogue, customers, deals and devices."""
    version = make_issued_version()
    deal = version.disclosure.deal
    exposure = make_exposure()
    return [
        reverse("dashboard:home"),
        reverse("dashboard:search") + "?q=FG",
        reverse("dashboard:search") + "?q=" + deal.number,
        reverse("vulnerabilities:list"),
        reverse("vulnerabilities:feed_status"),
        reverse("vulnerabilities:detail", args=[exposure.vulnerability.vuln_id]),
        reverse("exposures:exposure_list"),
        reverse("exposures:customer_exposures", args=[exposure.customer_id]),
        reverse("exposures:device_exposures", args=[exposure.device_id]),
        reverse("exposures:product_cpe", args=[exposure.device.product_id]),
        reverse("acknowledgements:compliance"),
        reverse("acknowledgements:search") + "?date_from=2026-01-01",
        reverse("acknowledgements:deal", args=[deal.pk]),
        reverse("acknowledgements:in_person", args=[version.pk]),
        reverse("acknowledgements:paper", args=[version.pk]),
        reverse("disclosures:deal_disclosure", args=[deal.pk]),
        reverse("disclosures:clause", args=[deal.pk]),
        reverse("disclosures:template_list"),
        reverse("core:reseller_detail"),
        reverse("core:reseller_edit"),
    ]


def assert_pages_use_the_design_system(client, urls: list[str]) -> None:
    client.force_login(make_user(Role.ADMIN))
    problems = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found = audit(response.content.decode())
        if found:
            problems[url] = found
    assert problems == {}


@pytest.mark.parametrize("app", sorted(STAFF_PAGES))
def test_every_staff_page_of_the_role_table_uses_only_styled_controls_and_no_inline_code(client, app):
    objects = STAFF_PAGES[app].make_objects()
    urls = [page.url(objects) for page in ROLE_TABLE if page.app == app and not page.post_only]
    assert_pages_use_the_design_system(client, urls)


def test_every_other_staff_page_uses_only_styled_controls_and_no_inline_code(client):
    assert_pages_use_the_design_system(client, other_staff_urls())
