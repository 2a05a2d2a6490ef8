"""Gunicorn settings for `kokuchi serve` (gunicorn -c python:config.gunicorn config.wsgi).

Read from the environment like config/settings.py. Sync workers: each request holds one process, and
the PDF work of a request runs in KOKUCHI_PDF_WORKERS helper processes.
"""

import os

from gunicorn.glogging import Logger

from kokuchi.core.logs import mask_tokens

bind = [address for address in os.environ.get("KOKUCHI_BIND", "127.0.0.1:8000").split(",") if address]
workers = int(os.environ.get("KOKUCHI_WEB_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
# A disclosure PDF of a large deal takes seconds to lay out; a request past this is killed.
timeout = int(os.environ.get("KOKUCHI_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so a slow leak in a library cannot grow without end.
max_requests = 2000
max_requests_jitter = 200
# Behind a reverse proxy on the same machine; X-Forwarded-* is trusted from these addresses only.
forwarded_allow_ips = os.environ.get("KOKUCHI_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("KOKUCHI_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("KOKUCHI_LOG_LEVEL", "INFO").lower()
# The control socket's default path is per user, not per server: several servers on one machine would share it.
control_socket_disable = True
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def redact_tokens(text):
    """Customer and notice links carry their secret token in the path (and in the Referer of the next
    page): masked by the rule every Kokuchi log uses."""
    return mask_tokens(text) if isinstance(text, str) else text


class TokenRedactingLogger(Logger):
    """The access log without the secret tokens of customer links."""

    def atoms(self, resp, req, environ, request_time):
        # Every atom: the request line, the path, the Referer and the environ copies of them.
        return {key: redact_tokens(value) for key, value in super().atoms(resp, req, environ, request_time).items()}


logger_class = TokenRedactingLogger
