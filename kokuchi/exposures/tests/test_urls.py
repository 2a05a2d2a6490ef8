"""Paths of the exposures pages, and the paths they had under /vulnerabilities/ before."""

import hashlib

import pytest
from django.urls import resolve
from django.utils import timezone

from kokuchi.customers.tests.factories import make_customer
from kokuchi.exposures import views
from kokuchi.exposures.models import Notice, NoticeDelivery, NoticeKind
from kokuchi.vulnerabilities import views as vulnerability_views
from kokuchi.vulnerabilities.tests.realdata import make_nvd_vulnerability

TOKEN = "x" * 43


def _sent_delivery() -> NoticeDelivery:
    notice = Notice.objects.create(
        customer=make_customer(),
        vulnerability=make_nvd_vulnerability("CVE-2024-21762"),
        kind=NoticeKind.CONTRACTED,
        subject="脆弱性のお知らせ",
        body="本文 [[NOTICE_LINK]]",
    )
    return NoticeDelivery.objects.create(
        notice=notice,
        recipient="it@example.jp",
        next_attempt_at=timezone.now(),
        status="sent",
        token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest(),
    )


def test_notice_link_already_sent_by_email_resolves_to_the_notice_page():
    assert resolve(f"/vulnerabilities/notices/{TOKEN}/").func is views.notice_read_view
    assert resolve(f"/exposures/notices/{TOKEN}/").func is views.notice_read_view


@pytest.mark.django_db
def test_notice_link_already_sent_by_email_serves_the_page_and_records_reading(client):
    delivery = _sent_delivery()

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
