"""PAdES signatures on frozen PDFs (disclosures, acknowledgement receipts) with pyHanko.

The reseller's certificate and key are configured by path (KOKUCHI_SIGNING_CERT, KOKUCHI_SIGNING_KEY,
KOKUCHI_SIGNING_KEY_PASSPHRASE). When those paths are left at their defaults under the data directory
and no certificate exists yet, a self-signed one is created on first use (`kokuchi evidence
create-certificate` does the same explicitly). When KOKUCHI_TSA_URL is set, each signature carries an
RFC 3161 timestamp from that authority.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.timestamps.api import TimeStamper

from kokuchi.core.models import Reseller

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "KokuchiSignature"
SIGNATURE_BYTES_RESERVED = 16384


def create_signing_certificate(
    *,
    cert_path: Path,
    key_path: Path,
    common_name: str,
    organization: str,
    passphrase: str = "",
    valid_days: int = 3650,
    overwrite: bool = False,
) -> Path:
    """Write a self-signed ECDSA P-256 signing certificate and its key (PEM); return the certificate path.

    Self-signed is enough for the customer to check integrity (the reseller hands over the certificate
    or its fingerprint); a certificate from a CA is configured by path instead.
    """
    if not overwrite and (cert_path.exists() or key_path.exists()):
        raise FileExistsError(f"{cert_path} or {key_path} already exists.")
    # P-256: accepted by PAdES validators (Adobe, EU DSS) and, unlike RSA-3072, fast to load and use.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    _write_atomically(
        key_path,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption),
        mode=0o600,
    )
    _write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return cert_path


def _write_atomically(path: Path, content: bytes, *, mode: int) -> None:
    # Another process may read the file at any moment (first signature after start-up): never half-written.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    temporary.chmod(mode)
    os.replace(temporary, path)


def default_certificate_paths() -> tuple[Path, Path]:
    signing_dir = Path(settings.DATA_DIR) / "signing"
    return signing_dir / "kokuchi-signing-cert.pem", signing_dir / "kokuchi-signing-key.pem"


def configured_certificate_paths() -> tuple[Path, Path]:
    """The certificate and key paths in use; a self-signed pair is created when the defaults are missing."""
    default_cert, default_key = default_certificate_paths()
    cert_path = Path(settings.SIGNING_CERT) if settings.SIGNING_CERT else default_cert
    key_path = Path(settings.SIGNING_KEY) if settings.SIGNING_KEY else default_key
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    if settings.SIGNING_CERT or settings.SIGNING_KEY:
        raise ImproperlyConfigured(
            f"Signing certificate {cert_path} or key {key_path} not found (KOKUCHI_SIGNING_CERT / KOKUCHI_SIGNING_KEY)."
        )
    company = Reseller.get().company_name
    logger.warning("No signing certificate configured: creating a self-signed one at %s", cert_path)
    # FileExistsError: another process created it a moment ago; use that one.
    with contextlib.suppress(FileExistsError):
        create_signing_certificate(
            cert_path=cert_path,
            key_path=key_path,
            common_name=f"{company} (Kokuchi)",
            organization=company,
            passphrase=settings.SIGNING_KEY_PASSPHRASE or "",
        )
    return cert_path, key_path


def load_signer() -> signers.SimpleSigner:
    cert_path, key_path = configured_certificate_paths()
    return _load_signer(
        str(cert_path),
        str(key_path),
        settings.SIGNING_KEY_PASSPHRASE,
        cert_path.stat().st_mtime_ns,
        key_path.stat().st_mtime_ns,
    )


@lru_cache(maxsize=4)
def _load_signer(
    cert_path: str, key_path: str, passphrase: str, cert_mtime: int, key_mtime: int
) -> signers.SimpleSigner:
    # Cached per file version (the mtimes are part of the key): a replaced certificate is picked up.
    signer = signers.SimpleSigner.load(key_path, cert_path, key_passphrase=passphrase.encode() if passphrase else None)
    if signer is None:
        raise ImproperlyConfigured(f"Could not load the signing key {key_path} with certificate {cert_path}.")
    return signer


def configured_timestamper() -> TimeStamper | None:
    """An RFC 3161 client for KOKUCHI_TSA_URL, or None when no timestamp authority is configured."""
    if not settings.TSA_URL:
        return None
    return timestamps.HTTPTimeStamper(settings.TSA_URL, timeout=settings.TSA_TIMEOUT)


def sign_pdf(
    pdf: bytes,
    *,
    reason: str,
    location: str = "",
    contact_info: str = "",
    timestamper: TimeStamper | None = None,
    signer: signers.Signer | None = None,
) -> bytes:
    """Return the PDF with a PAdES certification signature (no later changes permitted) appended.

    `timestamper` and `signer` default to the configured ones; tests pass their own.
    """
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        location=location or None,
        contact_info=contact_info or None,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    timestamper = timestamper if timestamper is not None else configured_timestamper()
    output = signers.sign_pdf(
        writer,
        meta,
        signer=signer or load_signer(),
        timestamper=timestamper,
        # Without a timestamp the signature container's size is known (one certificate, one ECDSA or RSA
        # signature); reserving it skips pyHanko's trial signature. A TSA token's size is not known.
        bytes_reserved=None if timestamper is not None else SIGNATURE_BYTES_RESERVED,
    )
    return output.getvalue()
