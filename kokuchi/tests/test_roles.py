"""The role matrix of the staff pages of the catalogue, customers, deals, devices and integrations, in one table.

Every page gets the same checks: an anonymous visitor is sent to the login page, a user without a
role gets 403, every role reads the read pages, a role that may not change a page is refused (GET
and POST) and no row changes, and a role that may change it does so with the exact effect that the
app's tests/staff_pages.py asserts. The reseller profile (core) and the dashboard check their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import pytest
from django.urls import reverse

from kokuchi.api.tests import staff_pages as integration_pages
from kokuchi.catalog.tests import staff_pages as catalog_pages
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.core.tests.helpers import assert_refused_and_unchanged, login_url_for
from kokuchi.customers.tests import staff_pages as customer_pages
from kokuchi.deals.tests import staff_pages as deal_pages
from kokuchi.devices.tests import staff_pages as device_pages

pytestmark = pytest.mark.django_db

EVERY_ROLE = (Role.VIEWER, Role.SALES, Role.ADMIN)
SALES_AND_ADMIN = (Role.SALES, Role.ADMIN)
ADMIN_ONLY = (Role.ADMIN,)

# Per app: make_objects() builds the rows, post_data(name, objects) the form data and
# check_saved(name, objects, user) asserts the effect of a successful POST.
STAFF_PAGES: dict[str, ModuleType] = {
    "catalog": catalog_pages,
    "customers": customer_pages,
    "deals": deal_pages,
    "devices": device_pages,
    "integrations": integration_pages,
}


def no_args(objects: dict) -> list:
    return []


def pk_of(key: str) -> Callable[[dict], list]:
    return lambda objects: [objects[key].pk]


@dataclass(frozen=True)
class Page:
    url_name: str
    args: Callable[[dict], list] = no_args
    changed_by: tuple[Role, ...] = ()  # empty: a page every role reads and nobody changes
    post_only: bool = False  # an action: GET answers 405

    @property
    def app(self) -> str:
        return self.url_name.split(":")[0]

    @property
    def name(self) -> str:
        return self.url_name.split(":")[1]

    def url(self, objects: dict) -> str:
        return reverse(self.url_name, args=self.args(objects))


ROLE_TABLE: tuple[Page, ...] = (
    Page("catalog:product_list"),
    Page("catalog:product_detail", pk_of("product")),
    Page("catalog:manufacturer_list"),
    Page("catalog:manufacturer_detail", pk_of("manufacturer")),
    Page("catalog:plan_list"),
    Page("catalog:plan_detail", pk_of("plan")),
    Page("catalog:product_create", changed_by=SALES_AND_ADMIN),
    Page("catalog:product_edit", pk_of("product"), changed_by=SALES_AND_ADMIN),
    Page("catalog:manufacturer_create", changed_by=ADMIN_ONLY),
    Page("catalog:manufacturer_edit", pk_of("manufacturer"), changed_by=ADMIN_ONLY),
    Page("catalog:manufacturer_confirm", pk_of("manufacturer"), changed_by=ADMIN_ONLY),
    Page("catalog:plan_create", changed_by=ADMIN_ONLY),
    Page("catalog:plan_edit", pk_of("plan"), changed_by=ADMIN_ONLY),
    Page("customers:customer_list"),
    Page("customers:customer_detail", pk_of("customer")),
    Page("customers:customer_create", changed_by=SALES_AND_ADMIN),
    Page("customers:customer_edit", pk_of("customer"), changed_by=SALES_AND_ADMIN),
    Page("customers:contact_create", pk_of("customer"), changed_by=SALES_AND_ADMIN),
    Page("customers:contact_edit", pk_of("contact"), changed_by=SALES_AND_ADMIN),
    Page("customers:assessment_create", pk_of("customer"), changed_by=SALES_AND_ADMIN),
    Page("deals:deal_list"),
    Page("deals:deal_detail", pk_of("deal")),
    Page("deals:deal_create", changed_by=SALES_AND_ADMIN),
    Page("deals:deal_edit", pk_of("deal"), changed_by=SALES_AND_ADMIN),
    Page("deals:line_create", pk_of("deal"), changed_by=SALES_AND_ADMIN),
    Page("deals:line_edit", pk_of("line"), changed_by=SALES_AND_ADMIN),
    Page("deals:plan_propose", pk_of("deal"), changed_by=SALES_AND_ADMIN),
    Page("deals:plan_answer", pk_of("proposal"), changed_by=SALES_AND_ADMIN),
    Page("deals:deal_status", pk_of("deal"), changed_by=SALES_AND_ADMIN, post_only=True),
    Page("deals:line_delete", pk_of("line"), changed_by=SALES_AND_ADMIN, post_only=True),
    Page("devices:device_list"),
    Page("devices:device_detail", pk_of("device")),
    Page("devices:contract_list"),
    Page("devices:contract_detail", pk_of("contract")),
    Page("devices:device_create", changed_by=SALES_AND_ADMIN),
    Page("devices:device_bulk_create", pk_of("deal"), changed_by=SALES_AND_ADMIN),
    Page("devices:device_edit", pk_of("device"), changed_by=SALES_AND_ADMIN),
    Page("devices:device_firmware", pk_of("device"), changed_by=SALES_AND_ADMIN),
    Page("devices:contract_create", changed_by=SALES_AND_ADMIN),
    Page("devices:contract_edit", pk_of("contract"), changed_by=SALES_AND_ADMIN),
    Page("integrations:integration_list"),
    Page("integrations:integration_detail", pk_of("integration")),
    Page("integrations:delivery_list"),
    Page("integrations:integration_create", changed_by=ADMIN_ONLY),
    Page("integrations:token_create", pk_of("integration"), changed_by=ADMIN_ONLY),
    Page("integrations:token_revoke", pk_of("token"), changed_by=ADMIN_ONLY, post_only=True),
)
READ_PAGES = [page for page in ROLE_TABLE if not page.changed_by]
CHANGE_PAGES = [page for page in ROLE_TABLE if page.changed_by]


def cases(pairs):
    return [pytest.param(page, role, id=f"{page.url_name}-{role.value}") for page, role in pairs]


def pages(table):
    return [pytest.param(page, id=page.url_name) for page in table]


@pytest.mark.parametrize("page", pages(ROLE_TABLE))
def test_anonymous_is_sent_to_login(client, page):
    url = page.url(STAFF_PAGES[page.app].make_objects())
    for response in (client.get(url), client.post(url, {})):
        assert (response.status_code, response["Location"]) == (302, login_url_for(url))


@pytest.mark.parametrize("page", pages(ROLE_TABLE))
def test_user_without_role_gets_403(client, page):
    url = page.url(STAFF_PAGES[page.app].make_objects())
    client.force_login(make_user(role=None))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("page", "role"), cases((page, role) for page in READ_PAGES for role in EVERY_ROLE))
def test_every_role_can_read(client, page, role):
    url = page.url(STAFF_PAGES[page.app].make_objects())
    client.force_login(make_user(role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("page", "role"),
    cases((page, role) for page in CHANGE_PAGES for role in EVERY_ROLE if role not in page.changed_by),
)
def test_role_that_may_not_change_is_refused_and_nothing_changes(client, page, role):
    app_pages = STAFF_PAGES[page.app]
    objects = app_pages.make_objects()
    client.force_login(make_user(role))
    assert_refused_and_unchanged(client, page.url(objects), app_pages.post_data(page.name, objects))


@pytest.mark.parametrize(("page", "role"), cases((page, role) for page in CHANGE_PAGES for role in page.changed_by))
def test_role_that_may_change_saves_exactly_the_change(client, page, role):
    app_pages = STAFF_PAGES[page.app]
    objects = app_pages.make_objects()
    user = make_user(role)
    client.force_login(user)
    url = page.url(objects)
    assert client.get(url).status_code == (405 if page.post_only else 200)
    response = client.post(url, app_pages.post_data(page.name, objects))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    app_pages.check_saved(page.name, objects, user)
