"""Every list page answers malformed and out-of-range query parameters without a server error.

The pages are found from the URL configuration (every GET page without path arguments that a staff
member can open) and their parameters from the GET forms they render (filters, search) plus
"page", so that a new list or a new filter is covered without touching this test.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kokuchi.acknowledgements.tests.factories import make_sale
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user

BAD_VALUES = (
    "99999999999999999999999",
    "-99999999999999999999",
    "abc",
    "-1",
    "9999-12-31",
    "0000-01-01",
    "1e309",
    "\x00",
    "x" * 2000,
)
# Pages that do not list anything or answer with a download: no parameters to probe.
# Health probes take no parameters and answer 503 by design while the installation is not ready.
SKIPPED_NAMES = {"logout", "set_language", "two_factor_enrol", "two_factor_verify", "healthz", "readyz"}


def _get_pages(resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue
            child_namespace = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _get_pages(pattern, prefix + str(pattern.pattern), child_namespace)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if "<" in route or route.startswith("^") or pattern.name in SKIPPED_NAMES:
                continue
            yield "/" + route


GET_FORM = re.compile(r"<form[^>]*method=\"get\"[^>]*>(.*?)</form>", re.S | re.I)
FIELD_NAME = re.compile(r"<(?:input|select|textarea)[^>]*\bname=\"([^\"]+)\"", re.I)


def _parameters(html: str) -> set[str]:
    names = {"page", "sort"}
    for form in GET_FORM.findall(html):
        names |= set(FIELD_NAME.findall(form))
    return names


LIST_PAGES = sorted(set(_get_pages()))


def test_the_probe_finds_the_known_lists():
    assert {"/exposures/", "/ack/search/", "/devices/", "/deals/", "/customers/"} <= set(LIST_PAGES)


@pytest.mark.django_db
@pytest.mark.parametrize("path", LIST_PAGES)
def test_every_list_parameter_rejects_bad_values_without_a_server_error(path):
    make_sale()  # a customer, a deal with lines, a product and a service plan on every list
    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.ADMIN))
    first = client.get(path)
    if first.status_code != 200 or not first["Content-Type"].startswith("text/html"):
        assert first.status_code < 500, path
        return
    failures = []
    for name in sorted(_parameters(first.content.decode())):
        for value in BAD_VALUES:
            response = client.get(path, {name: value})
            if response.status_code >= 500:
                failures.append((name, value[:30], response.status_code))
    assert failures == [], path
