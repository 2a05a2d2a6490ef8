"""Data entry of customers: automatic codes, the contact's job title, save and add another."""

import pytest
from django.test import override_settings
from django.urls import reverse

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.models import Customer
from kokuchi.customers.services import next_customer_code
from kokuchi.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_next_customer_code_follows_the_pattern_and_skips_codes_in_use():
    make_customer(customer_code="C00007")
    make_customer(customer_code="X-99")
    assert next_customer_code(pattern="C{number:05d}") == "C00008"
    assert next_customer_code(pattern="K-{number}-JP") == "K-1-JP"
    make_customer(customer_code="K-1-JP")
    assert next_customer_code(pattern="K-{number}-JP") == "K-2-JP"


@override_settings(CUSTOMER_CODE_PATTERN="CU{number:04d}")
def test_customer_saved_without_a_code_gets_the_next_one_and_add_another_returns_to_the_form(client):
    client.force_login(make_user(Role.SALES))
    url = reverse("customers:customer_create")
    response = client.post(url, {"name": "株式会社北星", "_addanother": "1"})
    assert (response.status_code, response["Location"]) == (302, url)
    client.post(url, {"name": "株式会社南星"})
    assert list(Customer.objects.order_by("customer_code").values_list("customer_code", "name")) == [
        ("CU0001", "株式会社北星"),
        ("CU0002", "株式会社南星"),
    ]


def test_contact_title_is_labelled_as_the_job_title(client):
    customer = make_customer()
    client.force_login(make_user(Role.SALES))
    content = client.get(reverse("customers:contact_create", args=[customer.pk])).content.decode()
    assert '<label for="id_title">役職</label>' in content
