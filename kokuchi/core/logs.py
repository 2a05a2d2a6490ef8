"""Log hygiene: customer-link tokens never reach a log line.

A customer link (and a notice's read link) carries its secret token in the path, and access logs
(runserver's django.server, gunicorn.access, …) write the path. The filter rewrites every record's
message with the tokens replaced, before any handler formats it.
"""

from __future__ import annotations

import logging
import re

# The URL segments followed by a secret token: /ack/c/<token>/… (customer link) and
# …/notices/<token>/ (a notice's read link, under /exposures/ or the legacy /vulnerabilities/).
TOKEN_PREFIXES = ("/ack/c/", "/notices/")
MASK = "[token]"
ACCESS_LOGGERS = ("django.server", "django.request", "gunicorn.access", "gunicorn.error", "granian.access")


def _literal_or_escaped(text: str) -> str:
    """A pattern for `text` with each character also accepted percent-encoded: the server decodes
    `/ack%2Fc/<token>/` into the customer link's path, while the raw request line keeps the escapes."""
    return "".join(f"(?:{re.escape(char)}|%{ord(char):02x})" for char in text)


# A token runs to the next slash (literal or %2F), whitespace, query, fragment or quote.
TOKEN_PATH = re.compile(
    "(" + "|".join(_literal_or_escaped(prefix) for prefix in TOKEN_PREFIXES) + r")(?:(?!%2f)[^/\s?#\"'])+",
    re.IGNORECASE,
)


def mask_tokens(text: str) -> str:
    """`text` with every customer-link and notice token replaced by [token]; the one masking rule of
    every log (the logging filter below, Gunicorn's access log in config/gunicorn.py)."""
    return TOKEN_PATH.sub(lambda match: match.group(1) + MASK, text)


class MaskCustomerTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler's own error path
            return True
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_token_masking() -> None:
    """Add the filter to the access loggers, which have their own handlers (not the root's)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskCustomerTokens) for f in logger.filters):
            logger.addFilter(MaskCustomerTokens())
