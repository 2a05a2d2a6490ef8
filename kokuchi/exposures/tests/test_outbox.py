"""Notice outbox through a real local SMTP server (aiosmtpd), retry, and read tracking."""

import datetime
import email
import hashlib
import re
import socket
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from kokuchi.exposures.models import DeliveryStatus, NoticeDelivery
from kokuchi.exposures.notices import MAX_ATTEMPTS, send_pending_notices
from kokuchi.exposures.runs import match_all
from kokuchi.exposures.tests.test_services import TODAY, _three_customers
from kokuchi.vulnerabilities.tests.realdata import make_nvd_vulnerability

pytestmark = pytest.mark.django_db


class FlakyHandler:
    """Refuses messages with a temporary error while `failing`, then accepts them."""

    def __init__(self):
        self.failing = True
        self.received: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        if self.failing:
            return "451 4.3.0 Temporary local problem, try again"
        self.received.append(email.message_from_bytes(envelope.original_content))
        return "250 OK"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = FlakyHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.SITE_URL = "https://kokuchi.example.jp"
    yield handler
    controller.stop()


def _body(message):
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def test_s_vuln_outbox_retries_when_smtp_fails_then_succeeds(smtp_server, client):
    make_nvd_vulnerability("CVE-2024-21762")
    _three_customers()
    match_all(today=TODAY)
    t0 = timezone.now()

    first = send_pending_notices(now=t0)

    assert (first.sent, first.retried, first.failed) == (0, 2, 0)
    rows = list(NoticeDelivery.objects.order_by("recipient"))
    assert [(d.status, d.attempts, d.next_attempt_at - t0) for d in rows] == [
        ("pending", 1, datetime.timedelta(seconds=60))
    ] * 2
    assert rows[0].last_error.startswith("SMTPDataError: (451")
    assert rows[0].token_sha256 is None

    assert send_pending_notices(now=t0 + datetime.timedelta(seconds=30)).sent == 0  # backoff respected

    smtp_server.failing = False
    second = send_pending_notices(now=t0 + datetime.timedelta(seconds=61))

    assert (second.sent, second.retried) == (2, 0)
    assert sorted(m["To"] for m in smtp_server.received) == ["it@maint.example.jp", "it@optin.example.jp"]
    message = next(m for m in smtp_server.received if m["To"] == "it@maint.example.jp")
    body = _body(message)
    assert "    シリアル番号: FGT60F0001" in body.splitlines()
    match = re.search(r"https://kokuchi\.example\.jp/exposures/notices/([A-Za-z0-9_-]+)/", body)
    token = match.group(1)
    assert len(token) == 43  # 32 random bytes, base64url
    delivery = NoticeDelivery.objects.get(recipient="it@maint.example.jp")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert delivery.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in delivery.notice.body  # only the hash is stored

    response = client.get(f"/exposures/notices/{token}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "このお知らせをご確認いただいたことを記録しました" in html
    assert "シリアル番号: FGT60F0001" in html
    assert 'name="viewport"' in html
    delivery.refresh_from_db()
    assert delivery.read_count == 1
    assert delivery.first_read_at is not None
    first_read = delivery.first_read_at
    client.get(f"/exposures/notices/{token}/")
    delivery.refresh_from_db()
    assert (delivery.read_count, delivery.first_read_at) == (2, first_read)


def test_s_vuln_outbox_gives_up_after_max_attempts(smtp_server):
    make_nvd_vulnerability("CVE-2024-21762")
    _three_customers()
    match_all(today=TODAY)
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        send_pending_notices(now=now)
        now += datetime.timedelta(days=1)

    assert sorted(NoticeDelivery.objects.values_list("status", "attempts")) == [("failed", MAX_ATTEMPTS)] * 2


def test_unknown_notice_token_is_404(client):
    assert client.get("/exposures/notices/" + "A" * 43 + "/").status_code == 404


def test_s_vuln_send_notices_with_a_misconfigured_mailer_reports_and_retries_without_a_traceback(settings):
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {"host": "localhost"}}
    }
    make_nvd_vulnerability("CVE-2024-21762")
    _three_customers()
    match_all(today=TODAY)
    out = StringIO()

    call_command("send_notices", stdout=out)

    assert out.getvalue().strip() == "sent=0 retry_later=2 failed=0"
    rows = list(NoticeDelivery.objects.values_list("status", "attempts", "token_sha256"))
    assert rows == [("pending", 1, None)] * 2
    assert NoticeDelivery.objects.filter(last_error__startswith="InvalidMailer: ").count() == 2


def test_s_vuln_console_mailer_from_the_environment_sends_notices(tmp_path):
    """The e-mail settings `make run` gives (console backend) load and deliver."""
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        "PATH": "/usr/bin:/bin",
        "KOKUCHI_DEBUG": "1",
        "KOKUCHI_DATA_DIR": str(tmp_path),
        "KOKUCHI_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = (
        "import django; django.setup(); from django.core.mail import send_mail; "
        "send_mail('件名', '本文', 'a@example.jp', ['b@example.jp'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "To: b@example.jp" in result.stdout
