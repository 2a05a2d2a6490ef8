"""The send step (S-EVID): the customer link stays ready to copy and as a QR code for the staff
user who created it, also after navigating away; nobody else sees it."""

import re

import pytest
from django.urls import reverse

from kokuchi.acknowledgements.models import CustomerLink
from kokuchi.acknowledgements.sending import qr_svg
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_s_evid_link_stays_ready_to_copy_and_as_qr_after_navigating_away(client):
    version = make_issued_version()
    deal = version.disclosure.deal
    client.force_login(make_user(Role.SALES))
    contact = deal.customer.primary_contact
    client.post(reverse("acknowledgements:create_link", args=[version.pk]), {"contact": contact.pk, "days": 7})
    client.get(reverse("dashboard:home"))

    page = client.get(reverse("acknowledgements:deal", args=[deal.pk])).content.decode()
    link = CustomerLink.objects.get()
    url = re.search(rf'id="customer-link-{link.pk}" type="text" value="([^"]+)"', page).group(1)
    assert url.startswith("http://127.0.0.1:8000/ack/c/")
    assert link.token_sha256 not in url
    assert f'data-copy-target="customer-link-{link.pk}"' in page
    assert f'<div class="qr" data-qr="{link.pk}"><svg' in page

    other = make_user(Role.SALES)
    client.force_login(other)
    assert url not in client.get(reverse("acknowledgements:deal", args=[deal.pk])).content.decode()


def test_qr_code_is_inline_svg_without_style_attributes():
    svg = qr_svg("http://127.0.0.1:8000/ack/c/token/")
    assert svg.startswith('<svg width="')
    assert "style=" not in svg
    assert "<script" not in svg
