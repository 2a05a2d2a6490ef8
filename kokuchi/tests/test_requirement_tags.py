"""Staff pages name the guideline clause behind a compliance heading or row as a small secondary
tag after the plain Japanese label; customer pages never show one."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version, make_sale
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.disclosures.content import DISCLOSURE_REQUIRED_IDS, REQUIREMENT_LABELS
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db

TAG = re.compile(r'<span class="tag req" data-requirement="([^"]+)"')


def staff_client():
    client = Client()
    client.force_login(make_user(Role.SALES))
    return client


def test_every_disclosed_requirement_has_a_plain_label():
    assert set(REQUIREMENT_LABELS) == set(DISCLOSURE_REQUIRED_IDS)


def test_g1_s_evid_acknowledgement_panel_shows_labels_with_the_id_as_a_tag():
    deal = make_issued_version().disclosure.deal

    page = staff_client().get(reverse("acknowledgements:deal", args=[deal.pk])).content.decode()

    assert "販売時点のファームウェア" in page
    assert "<td>G5.1-3</td>" not in page
    tags = TAG.findall(page)
    assert tags[0] == "S-EVID"
    assert tags[1:] == list(DISCLOSURE_REQUIRED_IDS)


def test_g1_compliance_page_heading_carries_its_tag():
    page = staff_client().get(reverse("acknowledgements:compliance")).content.decode()
    assert re.search(r'<h1 data-requirement="G1">告知・確認状況 <span class="tag req" data-requirement="G1"', page)


def test_g5_2_0_pre_issue_check_heading_and_items_carry_their_tags():
    deal = make_sale()

    page = staff_client().get(reverse("disclosures:deal_disclosure", args=[deal.pk])).content.decode()

    assert '<h2 data-requirement="G5.2-0">' in page
    assert "G5.2-0" in TAG.findall(page)
    assert "S-EVID" in TAG.findall(page)


def test_g6_clause_page_heading_carries_its_tag():
    deal = make_sale()
    page = staff_client().get(reverse("disclosures:clause", args=[deal.pk])).content.decode()
    assert TAG.findall(page) == ["G6"]


def test_customer_page_shows_no_requirement_tag():
    version = make_issued_version()
    token = create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=Origin(channel="staff_ui"),
    ).token

    body = Client().get(f"/ack/c/{token}/").content.decode()

    assert 'class="tag req"' not in body
    assert "data-requirement=" not in body


def test_staff_headings_show_the_id_as_a_tag_not_in_the_label():
    from kokuchi.devices.tests.factories import make_device

    device = make_device()
    client = staff_client()

    product_page = client.get(device.product.get_absolute_url()).content.decode()
    device_page = client.get(device.get_absolute_url()).content.decode()
    customer_page = client.get(device.customer.get_absolute_url()).content.decode()

    assert "（G4）" not in product_page
    assert {"G4", "G5.1-5"} <= set(TAG.findall(product_page))
    assert 'ファームウェア <span class="tag req" data-requirement="G5.1-3"' in device_page
    assert '自己保守能力の評価 <span class="tag req" data-requirement="S-SKILL"' in customer_page


def test_g5_1_0_g5_3_empty_states_read_plain_japanese_with_the_id_as_a_tag():
    from kokuchi.devices.tests.factories import make_device

    device = make_device()
    client = staff_client()

    device_page = client.get(device.get_absolute_url()).content.decode()
    customer_page = client.get(device.customer.get_absolute_url()).content.decode()

    assert (
        "保守契約の対象になったことはありません。脆弱性対応は顧客自身が行います。"
        ' <span class="tag req" data-requirement="G5.1-0"'
    ) in device_page
    assert (
        "まだ評価していません。評価の結果により保守提案の強さが決まります。"
        ' <span class="tag req" data-requirement="G5.3"'
    ) in customer_page
    assert (
        '保守契約はありません。脆弱性への対応は顧客自身が行います。 <span class="tag req" data-requirement="G5.1-0"'
    ) in customer_page


def test_g6_network_device_note_on_the_product_page_carries_its_tag():
    from kokuchi.catalog.tests.factories import make_product

    product = make_product()  # a router: a network device

    page = staff_client().get(product.get_absolute_url()).content.decode()

    assert (
        '（告知書の契約条項はネットワーク機器向けの文言になります）</small> <span class="tag req" data-requirement="G6"'
    ) in page


def test_s_vuln_s_life_dashboard_headings_carry_their_tags():
    page = staff_client().get("/").content.decode()

    assert '保守契約機器の脆弱性対応 <span class="tag req" data-requirement="S-VULN"' in page
    assert 'ライフサイクル <span class="tag req" data-requirement="S-LIFE"' in page


def test_g6_reseller_without_support_desk_names_clause_one_with_the_tag():
    from kokuchi.core.tests.factories import make_reseller

    make_reseller(support_desk_name="")

    page = staff_client().get(reverse("core:reseller_detail")).content.decode()

    assert (
        "相談窓口はありません。告知書の契約条項は①（注意喚起のみ）になります。"
        ' <span class="tag req" data-requirement="G6"'
    ) in page
