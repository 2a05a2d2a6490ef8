"""Idempotency keys on POST and the log of every write made with a token."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from kokuchi.api.models import ApiToken, ApiWrite, IdempotencyRecord
from kokuchi.core.hashing import sha256_hex

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    content_type: str


class IdempotencyConflict(Exception):
    """The key was used before with another request."""


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    return sha256_hex(method.encode() + b"\n" + path.encode() + b"\n" + body)


def stored_answer(*, token: ApiToken, key: str, fingerprint: str) -> StoredAnswer | None:
    """The stored answer for `key`, None when the key is new; IdempotencyConflict when it was
    used with another request."""
    record = IdempotencyRecord.objects.filter(token=token, key=key).first()
    if record is None:
        return None
    if record.request_sha256 != fingerprint:
        raise IdempotencyConflict(key)
    return StoredAnswer(record.status_code, bytes(record.response_body), record.content_type)


def store_answer(*, token: ApiToken, key: str, method: str, path: str, fingerprint: str, answer: StoredAnswer) -> None:
    """Keep the answer to a first request with `key`; a concurrent twin that stored first wins."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                token=token,
                key=key,
                method=method,
                path=path[:500],
                request_sha256=fingerprint,
                status_code=answer.status_code,
                response_body=answer.body,
                content_type=answer.content_type,
            )
    except IntegrityError:
        pass


def record_write(
    *,
    token: ApiToken,
    method: str,
    path: str,
    status_code: int,
    fingerprint: str,
    idempotency_key: str = "",
    ip_address: str | None = None,
) -> ApiWrite:
    """Record one write made with `token` (kept whether it succeeded or not)."""
    return ApiWrite.objects.create(
        token=token,
        method=method,
        path=path[:500],
        status_code=status_code,
        idempotency_key=idempotency_key[:MAX_KEY_LENGTH],
        request_sha256=fingerprint,
        ip_address=ip_address or None,
    )
