"""Log hygiene: customer-link tokens never reach a log line.

A customer link (and a notice's read link) carries its secret token in the path, and access logs
(runserver's django.server, gunicorn.access, …) write the path. The filter rewrites every record's
message with the tokens replaced, before any handler formats it.
"""

from __future__ import annotations

import logging
import re

# /ack/c/<token>/… (customer link) and /exposures/notices/<token>/ (notice read link), also under
# the legacy /vulnerabilities/ prefix.
TOKEN_PATH = re.compile(r"(/(?:ack/c|notices)/)[^/\s?#\"']+")
MASK = "[token]"
ACCESS_LOGGERS = ("django.server", "django.request", "gunicorn.access", "gunicorn.error", "granian.access")


def mask_tokens(text: str) -> str:
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
