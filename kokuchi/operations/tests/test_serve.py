"""config/gunicorn.py: the settings `kokuchi serve` starts Gunicorn with."""

import datetime
import importlib
from types import SimpleNamespace

from gunicorn.config import Config


def load_gunicorn_settings(monkeypatch, **env):
    for name in ("KOKUCHI_BIND", "KOKUCHI_WEB_WORKERS", "KOKUCHI_WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import config.gunicorn

    return importlib.reload(config.gunicorn)


def test_workers_and_address_come_from_the_environment(monkeypatch):
    settings = load_gunicorn_settings(monkeypatch, KOKUCHI_BIND="127.0.0.1:9000,[::1]:9000", KOKUCHI_WEB_WORKERS="3")

    assert settings.bind == ["127.0.0.1:9000", "[::1]:9000"]
    assert settings.workers == 3
    assert settings.timeout == 120
    assert settings.control_socket_disable is True


def test_access_log_writes_token_placeholders_instead_of_link_tokens(monkeypatch):
    settings = load_gunicorn_settings(monkeypatch)
    logger = settings.TokenRedactingLogger(Config())
    token = "JY-BjO-qjzWVFtW6tSrqLsXOG0F2_qIAo-L9AMPreiA"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/ack/c/{token}/document.pdf?download=1",
        "PATH_INFO": f"/ack/c/{token}/document.pdf",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://kokuchi.example.jp/exposures/notices/{token}/",
        "REMOTE_ADDR": "192.0.2.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])

    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=5))

    assert atoms["r"] == "GET /ack/c/[token]/document.pdf?download=1 HTTP/1.1"
    assert atoms["U"] == "/ack/c/[token]/document.pdf"
    assert atoms["f"] == "https://kokuchi.example.jp/exposures/notices/[token]/"
    assert atoms["{referer}i"] == "https://kokuchi.example.jp/exposures/notices/[token]/"
    assert token not in repr(atoms)


def test_access_log_masks_with_the_one_rule_of_kokuchi_core_also_percent_encoded_paths(monkeypatch):
    from kokuchi.core import logs

    settings = load_gunicorn_settings(monkeypatch)
    logger = settings.TokenRedactingLogger(Config())
    token = "JY-BjO-qjzWVFtW6tSrqLsXOG0F2_qIAo-L9AMPreiA"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/ack%2Fc/{token}/",
        "PATH_INFO": f"/ack/c/{token}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])

    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(milliseconds=5))

    assert settings.mask_tokens is logs.mask_tokens
    assert atoms["r"] == "GET /ack%2Fc/[token]/ HTTP/1.1"
    assert atoms["U"] == "/ack/c/[token]/"
    assert token not in repr(atoms)
