"""What customers read carries no requirement IDs or internal codes; the IDs stay as data
attributes so that traceability and the compliance view keep working."""

import io
import re

import lxml.html
import pytest
from django.test import Client
from pypdf import PdfReader

from kokuchi.acknowledgements.models import Acknowledgement
from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db

REQUIREMENT_ID = re.compile(r"\[?\b(?:G\d(?:\.\d)?(?:-\d[a-e]?)?|S-[A-Z]+)\b\]?")
ITEMS = {"item_G5_2_1": "on", "item_G5_2_2": "on", "item_G5_2_3": "on", "item_G5_3": "on"}
SIGNER = {"signer_name": "山田 太郎", "signer_title": "総務部長", "signer_company": "株式会社顧客"}


def _visible_text(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//script|//style"):
        hidden.drop_tree()
    return tree.text_content()


def test_g1_customer_page_checkboxes_show_no_requirement_ids_but_keep_them_as_data_attributes():
    version = make_issued_version()
    token = create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=Origin(channel="staff_ui"),
    ).token

    body = Client().get(f"/ack/c/{token}/").content.decode()

    assert REQUIREMENT_ID.findall(_visible_text(body)) == []
    assert sorted(re.findall(r'data-req="([^"]+)"', body)) == ["G5.2-1", "G5.2-2", "G5.2-3", "G5.3"]


def test_s_evid_receipt_lists_the_confirmed_items_without_requirement_ids():
    version = make_issued_version()
    token = create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=Origin(channel="staff_ui"),
    ).token
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.post(f"/ack/c/{token}/", ITEMS | SIGNER)

    receipt = client.get(f"/ack/c/{token}/receipt.pdf").content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt)).pages)

    assert Acknowledgement.objects.get().items == ["G5.2-1", "G5.2-2", "G5.2-3", "G5.3"]
    assert "有償" in text
    assert REQUIREMENT_ID.findall(text) == []
