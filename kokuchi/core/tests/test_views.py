"""Reseller profile pages (G5.1-1, G5.2-1a–e): every role reads, only admins change."""

import pytest
from django.urls import reverse

from kokuchi.core.models import Reseller
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_reseller, make_user
from kokuchi.core.tests.helpers import db_snapshot, login_url_for

pytestmark = pytest.mark.django_db

DETAIL = "/reseller/"
EDIT = "/reseller/edit/"
ALL_PAGES = {"reseller_detail": DETAIL, "reseller_edit": EDIT}

PROFILE = {
    "company_name": "株式会社テスト販売",
    "support_desk_name": "テスト販売サポートセンター",
    "support_desk_phone": "03-0000-0000",
    "offers_maintenance_menu": "on",
    "vulnerability_policy": "当社は、販売した製品の脆弱性情報の入手先をお知らせします。",
    "firmware_update_price": "15000",
    "firmware_update_note": "1 台あたり",
    "incident_response_price": "",
    "incident_response_note": "都度見積",
    "document_number_prefix": "TS",
    "retention_years": "10",
}


def test_urls():
    assert (reverse("core:reseller_detail"), reverse("core:reseller_edit")) == (DETAIL, EDIT)


@pytest.mark.parametrize("url", [DETAIL, EDIT])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, login_url_for(url))


@pytest.mark.parametrize("url", [DETAIL, EDIT])
def test_user_without_role_gets_403(client, url):
    client.force_login(make_user(role=None))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SALES, Role.ADMIN])
def test_g5_2_1_every_role_reads_the_paid_services(client, role):
    make_reseller(firmware_update_price=15000)
    client.force_login(make_user(role))
    response = client.get(DETAIL)
    content = response.content.decode()
    for req_id in ("G5.2-1a", "G5.2-1b", "G5.2-1c", "G5.2-1d", "G5.2-1e"):
        assert req_id in content
    assert "¥15,000" in content
    assert "当社は、販売した製品の脆弱性情報の入手先をお知らせします。" in content
    assert (EDIT in content) is (role == Role.ADMIN)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SALES])
def test_only_admin_changes_the_profile(client, role):
    make_reseller()
    client.force_login(make_user(role))
    before = db_snapshot()
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, PROFILE).status_code == 403
    assert db_snapshot() == before


def test_g5_1_1_admin_edits_policy_and_paid_services(client):
    make_reseller()
    client.force_login(make_user(Role.ADMIN))
    assert client.get(EDIT).status_code == 200
    response = client.post(EDIT, PROFILE | {"vulnerability_policy": "新しい方針"})
    assert (response.status_code, response["Location"]) == (302, DETAIL)
    reseller = Reseller.get()
    assert (
        reseller.vulnerability_policy,
        reseller.firmware_update_price,
        reseller.incident_response_price,
        reseller.incident_response_note,
        reseller.document_number_prefix,
    ) == ("新しい方針", 15000, None, "都度見積", "TS")
    assert Reseller.objects.count() == 1


def test_403_page_is_the_kokuchi_page(client):
    client.force_login(make_user(Role.VIEWER))
    response = client.get(EDIT)
    assert response.status_code == 403
    assert "アクセスできません" in response.content.decode()


def test_404_page_is_the_kokuchi_page(client, settings):
    settings.DEBUG = False
    client.force_login(make_user(Role.VIEWER))
    response = client.get("/customers/999999/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
