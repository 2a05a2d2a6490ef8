"""Safe defaults: settings refused or required, response headers, CSP-clean pages, media never served,
customer tokens kept out of logs, Japanese error pages."""

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.logs import mask_tokens
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.services import Origin

ROOT = Path(__file__).resolve().parents[3]
LONG_KEY = "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789"
STAFF = Origin(channel="staff_ui", ip_address="192.0.2.1", user_agent="staff-browser")


def _settings_in_subprocess(code: str, **env: str) -> subprocess.CompletedProcess:
    """Import config.settings with exactly the given KOKUCHI_* variables (no DEBUG, no key unless given)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KOKUCHI_") and k not in ("SECRET_KEY",)}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s\n{code}"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_is_off_unless_set():
    result = _settings_in_subprocess("print(s.DEBUG)", KOKUCHI_SECRET_KEY=LONG_KEY)
    assert result.stdout.strip() == "False"


def test_a_secret_key_is_required_without_debug():
    result = _settings_in_subprocess("print(s.DEBUG)")
    assert "KOKUCHI_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("key", ["abc", "x" * 60, "k" * 49])
def test_a_short_or_uniform_secret_key_is_refused(key):
    result = _settings_in_subprocess("print(s.DEBUG)", KOKUCHI_SECRET_KEY=key)
    assert result.returncode == 1
    assert "at least 50 characters" in result.stderr


def test_the_development_key_is_long_enough_and_only_with_debug():
    result = _settings_in_subprocess("print(len(s.SECRET_KEY), s.DEBUG)", KOKUCHI_DEBUG="1")
    assert result.stdout.split() == ["72", "True"]


def test_sqlite_named_by_database_url_gets_the_same_tuning(tmp_path):
    code = (
        "o = s.DATABASES['default']['OPTIONS']; "
        "print(o['transaction_mode'], o['timeout'], 'journal_mode=WAL' in o['init_command'])"
    )
    by_url = _settings_in_subprocess(code, KOKUCHI_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/k.sqlite3")
    default = _settings_in_subprocess(code, KOKUCHI_DEBUG="1", KOKUCHI_DATA_DIR=str(tmp_path))
    assert by_url.stdout.split() == default.stdout.split() == ["IMMEDIATE", "30", "True"]


def test_check_deploy_is_clean_when_the_https_settings_are_given(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOKUCHI_")}
    env.pop("DATABASE_URL", None)
    env |= {
        "KOKUCHI_DATA_DIR": str(tmp_path),
        "KOKUCHI_SECRET_KEY": LONG_KEY,
        "KOKUCHI_ALLOWED_HOSTS": "kokuchi.example.jp",
        "KOKUCHI_SECURE_SSL_REDIRECT": "1",
        "KOKUCHI_HSTS_SECONDS": "31536000",
        "KOKUCHI_HSTS_INCLUDE_SUBDOMAINS": "1",
        "KOKUCHI_HSTS_PRELOAD": "1",
        "KOKUCHI_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "kokuchi.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0


@pytest.mark.django_db
def test_media_files_are_never_served_by_url(settings, client):
    stored = Path(settings.MEDIA_ROOT) / "disclosures" / "secret.pdf"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.7 signed")
    client.force_login(make_user(Role.ADMIN))
    assert client.get("/media/disclosures/secret.pdf").status_code == 404


def _new_link():
    version = make_issued_version()
    contact = version.disclosure.deal.customer.primary_contact
    new = create_customer_link(version=version, created_by=make_user(Role.SALES), contact=contact, origin=STAFF)
    return version, new


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.I)


def _assert_csp_clean(html: str) -> None:
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, STYLE_ATTRIBUTE, EVENT_HANDLER):
        assert pattern.search(html) is None, pattern.search(html)


@pytest.mark.django_db
def test_the_customer_page_has_csp_nonce_no_store_and_permissions_policy():
    version, new = _new_link()
    response = Client().get(f"/ack/c/{new.token}/")
    csp = response["Content-Security-Policy"]
    html = response.content.decode()
    # The customer page's styles and scripts are static files: nothing inline, no nonce needed.
    assert "<style" not in html
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]
    _assert_csp_clean(html)
    frame = Client().get(f"/ack/c/{new.token}/document.html")
    assert frame.status_code == 200
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert frame["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'self'"
    )
    assert "no-store" in frame["Cache-Control"]
    assert frame.content.decode() == version.html


@pytest.mark.django_db
def test_staff_pages_have_no_inline_script_or_style(client):
    version, _new = _new_link()
    client.force_login(make_user(Role.ADMIN))
    deal = version.disclosure.deal
    for url in (
        "/",
        f"/ack/deals/{deal.pk}/",
        f"/ack/versions/{version.pk}/in-person/",
        f"/deals/{deal.pk}/",
        "/accounts/two-factor/setup/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response, url
        _assert_csp_clean(response.content.decode())


@pytest.mark.django_db
def test_the_login_page_and_error_pages_are_csp_clean_and_japanese(client):
    login = client.get("/accounts/login/")
    _assert_csp_clean(login.content.decode())
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "ページが見つかりません" in missing.content.decode()
    error = server_error(RequestFactory().get("/"))
    assert error.status_code == 500
    assert "サーバーエラー" in error.content.decode()
    _assert_csp_clean(error.content.decode())


def test_customer_tokens_are_masked_in_the_access_log():
    from kokuchi.core.logs import install_token_masking

    install_token_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("django.server")
    logger.addHandler(handler)
    try:
        logger.warning('"%s" %s %s', "GET /ack/c/Secret-Token_123/document.pdf HTTP/1.1", "200", "512")
        logger.warning('"%s" %s %s', "GET /exposures/notices/NoticeToken9/ HTTP/1.1", "200", "512")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "Secret-Token_123" not in text and "NoticeToken9" not in text
    assert '"GET /ack/c/[token]/document.pdf HTTP/1.1" 200 512' in text
    assert '"GET /exposures/notices/[token]/ HTTP/1.1" 200 512' in text


def test_mask_tokens_leaves_other_paths():
    assert mask_tokens("GET /deals/12/ HTTP/1.1") == "GET /deals/12/ HTTP/1.1"
    assert mask_tokens("GET /ack/c/abc?x=1") == "GET /ack/c/[token]?x=1"


def test_mask_tokens_masks_percent_encoded_link_paths_the_server_decodes():
    assert mask_tokens("GET /ack%2Fc/Secret-Token/ HTTP/1.1") == "GET /ack%2Fc/[token]/ HTTP/1.1"
    assert mask_tokens("GET /%61ck/c/Secret-Token/document.pdf") == "GET /%61ck/c/[token]/document.pdf"
    assert mask_tokens("GET /ack/c/Sec%72et%2fdocument.pdf") == "GET /ack/c/[token]%2fdocument.pdf"
    assert mask_tokens("GET /exposures/notices%2FNoticeToken9/") == "GET /exposures/notices%2F[token]/"
    assert mask_tokens("/vulnerabilities/notices/NoticeToken9/") == "/vulnerabilities/notices/[token]/"
    assert mask_tokens("GET /ack/c/[token]/") == "GET /ack/c/[token]/"


def test_runserver_access_log_does_not_contain_the_token(tmp_path):
    """The real development server writes its access log through django.server: the token is masked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOKUCHI_")}
    env.pop("DATABASE_URL", None)
    env |= {"KOKUCHI_DEBUG": "1", "KOKUCHI_DATA_DIR": str(tmp_path)}
    code = (
        "import django, io, logging; django.setup()\n"
        "from django.core.servers.basehttp import WSGIRequestHandler\n"
        "h = WSGIRequestHandler.__new__(WSGIRequestHandler)\n"
        "h.requestline = 'GET /ack/c/TopSecretToken/ HTTP/1.1'; h.request_version = 'HTTP/1.1'\n"
        "h.client_address = ('127.0.0.1', 1); h.request = None; h.command = 'GET'; h.path = '/ack/c/TopSecretToken/'\n"
        "h.log_request(200, 10)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "GET /ack/c/[token]/ HTTP/1.1" in result.stderr, result.stderr
    assert "TopSecretToken" not in result.stderr
