"""sha256 helpers shared by frozen documents, the evidence chain and secret link tokens."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def token_sha256(token: str) -> str:
    """The stored form of a secret link token (acknowledgement links, notice links): only this
    hash is kept, so the database alone cannot open a link."""
    return sha256_hex(token.encode("utf-8"))


def canonical_json(value: Any) -> bytes:
    """Serialise deterministically (sorted keys, no whitespace, UTF-8) for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def chain_hash(previous_hash: str, content: Any) -> str:
    """Return the hash of one chain link: sha256(previous hash || canonical content)."""
    return sha256_hex(previous_hash.encode("ascii") + b"\n" + canonical_json(content))
