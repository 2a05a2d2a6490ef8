"""Paths of the exposures pages, and the paths they had under /vulnerabilities/ before."""

import pytest
from django.urls import resolve

from kokuchi.exposures import views
from kokuchi.exposures.tests.factories import make_delivery, make_notice
from kokuchi.vulnerabilities import views as vulnerability_views

TOKEN = "x" * 43


def test_notice_link_already_sent_by_email_resolves_to_the_notice_page():
    assert resolve(f"/vulnerabilities/notices/{TOKEN}/").func is views.notice_read_view
    assert resolve(f"/exposures/notices/{TOKEN}/").func is views.notice_read_view


@pytest.mark.django_db
def test_notice_link_already_sent_by_email_serves_the_page_and_records_reading(client):
    delivery = make_delivery(token=TOKEN, notice=make_notice(body="本文 [[NOTICE_LINK]]"))

    response = client.get(f"/vulnerabilities/notices/{TOKEN}/")

    assert response.status_code == 200
    assert "本文 （このページです）" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.read_count == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/vulnerabilities/exposures/?status=open&page=2", "/exposures/?status=open&page=2"),
        ("/vulnerabilities/devices/7/exposures/", "/exposures/devices/7/"),
        ("/vulnerabilities/customers/7/exposures/", "/exposures/customers/7/"),
        ("/vulnerabilities/customers/7/report.pdf", "/exposures/customers/7/report.pdf"),
        ("/vulnerabilities/products/7/cpe/", "/exposures/products/7/cpe/"),
    ],
)
def test_old_staff_paths_redirect_permanently(client, old, new):
    response = client.get(old)

    assert (response.status_code, response["Location"]) == (301, new)


def test_vulnerability_detail_keeps_its_path():
    assert resolve("/vulnerabilities/CVE-2024-21762/").func is vulnerability_views.vulnerability_detail
