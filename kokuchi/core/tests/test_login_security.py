"""Client addresses behind trusted proxies, shared failure counters, staff login throttle (django-axes)
and two-factor login (django-otp TOTP)."""

import datetime

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kokuchi.core import throttles
from kokuchi.core.clients import client_ip
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


def test_x_forwarded_for_is_read_from_the_right_behind_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    # The client wrote its own "1.2.3.4"; the proxies appended the real address and each other.
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 198.51.100.9, 10.0.0.3")) == "198.51.100.9"
    assert client_ip(_request("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"


@pytest.mark.django_db
def test_failure_counts_are_shared_and_restart_after_the_window():
    key = throttles.throttle_key("test", "198.51.100.1")
    now = timezone.now()
    for _ in range(3):
        throttles.count_failure(key=key, window=60, now=now)
    assert throttles.failures(key=key, window=60, now=now) == 3
    later = now + datetime.timedelta(seconds=61)
    assert throttles.failures(key=key, window=60, now=later) == 0
    throttles.count_failure(key=key, window=60, now=later)
    assert throttles.failures(key=key, window=60, now=later) == 1
    assert len(key) == 64 and "198.51.100.1" not in key


@pytest.mark.django_db
def test_customer_link_failures_behind_a_proxy_count_per_forwarded_client(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.CUSTOMER_LINK_FAILURE_LIMIT = 2
    first = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert [first.get(f"/ack/c/wrong{n}/").status_code for n in range(3)] == [404, 404, 429]
    assert second.get("/ack/c/wrong/").status_code == 404


@pytest.mark.django_db
def test_staff_login_is_throttled_per_username_and_address(settings):
    make_user(Role.SALES, username="tanaka", password="correct-horse-battery")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        attacker.post("/accounts/login/", {"username": "tanaka", "password": f"wrong{n}"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    right = attacker.post("/accounts/login/", {"username": "tanaka", "password": "correct-horse-battery"})

    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert right.status_code == 429
    assert "ログインの失敗が多すぎます" in right.content.decode()
    other_address = Client(REMOTE_ADDR="198.51.100.7")
    assert (
        other_address.post("/accounts/login/", {"username": "tanaka", "password": "correct-horse-battery"}).status_code
        == 302
    )


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.django_db
def test_admins_must_enrol_an_authenticator_when_required(settings, client):
    settings.REQUIRE_2FA_FOR_ADMINS = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp delays a retry after a wrong code
    admin = make_user(Role.ADMIN)
    client.force_login(admin)

    response = client.get("/deals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/?next=")
    page = client.get("/accounts/two-factor/setup/?next=/deals/")
    html = page.content.decode()
    assert "otpauth://totp/Kokuchi" in html and "<svg" in html
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert client.post("/accounts/two-factor/setup/", {"code": "000000", "next": "/deals/"}).status_code == 200
    confirmed = client.post("/accounts/two-factor/setup/", {"code": _code(device), "next": "/deals/"})

    assert confirmed["Location"] == "/deals/"
    assert client.get("/deals/").status_code == 200
    assert TOTPDevice.objects.get(user=admin).confirmed is True


@pytest.mark.django_db
def test_sales_staff_are_not_forced_to_enrol(settings, client):
    settings.REQUIRE_2FA_FOR_ADMINS = True
    client.force_login(make_user(Role.SALES))
    assert client.get("/deals/").status_code == 200


@pytest.mark.django_db
def test_staff_with_an_authenticator_enter_its_code_after_the_password(settings, client):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp delays a retry after a wrong code
    user = make_user(Role.SALES, username="sato", password="correct-horse-battery")
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    login = client.post("/accounts/login/", {"username": "sato", "password": "correct-horse-battery"})
    assert login.status_code == 302
    blocked = client.get("/deals/")
    assert blocked["Location"] == "/accounts/two-factor/?next=%2Fdeals%2F"
    wrong = client.post("/accounts/two-factor/", {"code": "123", "next": "/deals/"})
    assert "コードが正しくないか" in wrong.content.decode()
    right = client.post("/accounts/two-factor/", {"code": _code(device), "next": "/deals/"})
    assert right["Location"] == "/deals/"
    assert client.get("/deals/").status_code == 200
