"""Signed tree heads: the log's size, Merkle root and chain head hash, signed with the reseller's
signing key (the PAdES key of signing.py; never in the database) and optionally time-stamped.

The signed bytes are a short text (`statement_bytes`), so that a third party can rebuild them from the
JSON of a checkpoint by hand. ECDSA P-256 and RSA keys (PKCS#1 v1.5, SHA-256) are what the PAdES
certificate may hold; the standalone verifier of the bundles checks both with the standard library.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kokuchi.evidence.signing import configured_certificate_paths, configured_timestamper

logger = logging.getLogger(__name__)

STATEMENT_FORMAT = "kokuchi-evidence-checkpoint/1"
ECDSA_P256 = "ecdsa-p256-sha256"
RSA_PKCS1 = "rsa-pkcs1v15-sha256"
ED25519 = "ed25519"


def statement_bytes(*, tree_size: int, root: str, head: str, time: str) -> bytes:
    """The exact bytes signed: five lines, LF-terminated, ASCII."""
    return f"{STATEMENT_FORMAT}\nsize {tree_size}\nroot {root}\nhead {head}\ntime {time}\n".encode("ascii")


@dataclass(frozen=True)
class SignedTreeHead:
    """One signed state of the log, as stored on the chain head and in checkpoints and as exported."""

    tree_size: int
    root: str
    head: str
    time: str
    algorithm: str
    key_id: str
    public_key: str
    signature: str
    timestamp_token: str = ""

    def statement(self) -> bytes:
        return statement_bytes(tree_size=self.tree_size, root=self.root, head=self.head, time=self.time)

    def as_json(self) -> dict:
        return {"format": STATEMENT_FORMAT} | asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SignedTreeHead:
        """Build from exported JSON; ValueError names the first missing or malformed field."""
        if not isinstance(data, dict):
            raise ValueError("a checkpoint must be a JSON object")
        values: dict[str, Any] = {}
        for name, kind in (
            ("tree_size", int),
            ("root", str),
            ("head", str),
            ("time", str),
            ("algorithm", str),
            ("key_id", str),
            ("public_key", str),
            ("signature", str),
        ):
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"checkpoint field {name!r} is missing or not a {kind.__name__}")
            values[name] = value
        token = data.get("timestamp_token", "")
        values["timestamp_token"] = token if isinstance(token, str) else ""
        return cls(**values)


@dataclass(frozen=True)
class SigningKey:
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    algorithm: str
    public_key_der: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.public_key_der).hexdigest()


def load_signing_key() -> SigningKey:
    """The configured signing key (the PAdES key); ImproperlyConfigured when it is missing or unusable."""
    _cert_path, key_path = configured_certificate_paths()
    return _load_signing_key(str(key_path), settings.SIGNING_KEY_PASSPHRASE, key_path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_signing_key(key_path: str, passphrase: str, mtime: int) -> SigningKey:
    # Cached per file version (mtime in the key): a replaced key is picked up without a restart.
    try:
        key = serialization.load_pem_private_key(
            Path(key_path).read_bytes(), password=passphrase.encode() if passphrase else None
        )
    except (OSError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"Could not load the signing key {key_path}: {error}") from error
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = ECDSA_P256
    elif isinstance(key, rsa.RSAPrivateKey):
        algorithm = RSA_PKCS1
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        algorithm = ED25519
    else:
        raise ImproperlyConfigured(f"The signing key {key_path} must be ECDSA P-256, RSA or Ed25519.")
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKey(private_key=key, algorithm=algorithm, public_key_der=der)


def _sign(key: SigningKey, message: bytes) -> bytes:
    private_key = key.private_key
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return private_key.sign(message)


def sign_tree_head(*, tree_size: int, root: str, head: str, at: datetime, timestamp: bool = False) -> SignedTreeHead:
    """Sign the state; with `timestamp` and a configured TSA, add an RFC 3161 token over the statement."""
    key = load_signing_key()
    time = at.astimezone(UTC).isoformat(timespec="microseconds")
    message = statement_bytes(tree_size=tree_size, root=root, head=head, time=time)
    token = _timestamp_token(message) if timestamp else ""
    return SignedTreeHead(
        tree_size=tree_size,
        root=root,
        head=head,
        time=time,
        algorithm=key.algorithm,
        key_id=key.key_id,
        public_key=base64.b64encode(key.public_key_der).decode("ascii"),
        signature=base64.b64encode(_sign(key, message)).decode("ascii"),
        timestamp_token=token,
    )


def _timestamp_token(message: bytes) -> str:
    """An RFC 3161 token over SHA-256(statement) from KOKUCHI_TSA_URL, base64; empty without a TSA."""
    timestamper = configured_timestamper()
    if timestamper is None:
        return ""
    try:
        token = asyncio.run(timestamper.async_timestamp(hashlib.sha256(message).digest(), "sha256"))
    except OSError as error:  # pyHanko's TimestampRequestError is an OSError
        # The signature alone still proves the state; the next checkpoint tries the TSA again.
        logger.warning("No RFC 3161 timestamp for the evidence checkpoint: %s", error)
        return ""
    return base64.b64encode(token.dump()).decode("ascii")


def trusted_keys() -> dict[str, str]:
    """Key id → path of the certificate holding it: the current signing certificate and the previous
    ones listed in KOKUCHI_SIGNING_PREVIOUS_CERTS (kept after a rotation to check old checkpoints)."""
    cert_path, _key_path = configured_certificate_paths()
    paths = [cert_path, *(Path(p) for p in settings.SIGNING_PREVIOUS_CERTS)]
    keys: dict[str, str] = {}
    for path in paths:
        try:
            certificate = x509.load_pem_x509_certificate(path.read_bytes())
        except (OSError, ValueError) as error:
            raise ImproperlyConfigured(f"Could not read the signing certificate {path}: {error}") from error
        der = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        keys.setdefault(hashlib.sha256(der).hexdigest(), str(path))
    return keys


def signature_problem(head: SignedTreeHead, *, trusted: dict[str, str]) -> str | None:
    """Why the signature does not hold (untrusted key, key id mismatch, bad signature), or None."""
    try:
        der = base64.b64decode(head.public_key, validate=True)
        signature = base64.b64decode(head.signature, validate=True)
    except ValueError:
        return "public key or signature is not valid base64"
    if hashlib.sha256(der).hexdigest() != head.key_id:
        return "key id does not match the public key"
    if head.key_id not in trusted:
        return f"signed with key {head.key_id[:16]}…, which is not a trusted signing key (forged or wrong key)"
    try:
        public_key = serialization.load_der_public_key(der)
        message = head.statement()
        if head.algorithm == ECDSA_P256 and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif head.algorithm == RSA_PKCS1 and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif head.algorithm == ED25519 and isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, message)
        else:
            return f"algorithm {head.algorithm!r} does not match the public key"
    except (InvalidSignature, ValueError):
        return "signature does not verify (statement altered or forged)"
    return None


def timestamp_problem(head: SignedTreeHead) -> str | None:
    """Why the RFC 3161 token (if any) is not a timestamp of this checkpoint's statement, or None.

    Checks the token's message imprint; the TSA's own signature and certificate chain are checked
    with the TSA's trust anchors (e.g. `openssl ts -verify`), which Kokuchi does not hold."""
    if not head.timestamp_token:
        return None
    from asn1crypto import cms  # noqa: PLC0415 - pyHanko's ASN.1 library, only when a token exists

    try:
        content = cms.ContentInfo.load(base64.b64decode(head.timestamp_token, validate=True))
        info = content["content"]["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
    except (ValueError, KeyError, TypeError) as error:
        return f"RFC 3161 timestamp token unreadable ({error})"
    if algorithm != "sha256" or hashed != hashlib.sha256(head.statement()).digest():
        return "RFC 3161 timestamp token is not over this checkpoint (token swapped or statement altered)"
    return None
