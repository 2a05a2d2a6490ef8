import asyncio
import datetime
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO, StringIO

import pytest
import weasyprint
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from kokuchi.evidence.signing import configured_certificate_paths, configured_timestamper, sign_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def signing_paths(settings, tmp_path):
    settings.SIGNING_CERT = str(tmp_path / "cert.pem")
    settings.SIGNING_KEY = str(tmp_path / "key.pem")
    settings.SIGNING_KEY_PASSPHRASE = "correct horse"
    call_command(
        "evidence",
        "create-certificate",
        "--common-name",
        "テスト販売 署名",
        "--organization",
        "株式会社テスト販売",
        stdout=StringIO(),
    )
    return tmp_path / "cert.pem", tmp_path / "key.pem"


def sample_pdf() -> bytes:
    return weasyprint.HTML(string="<html><body><h1>告知書</h1><p>G5.2-1a</p></body></html>").write_pdf()


def validate(pdf: bytes, cert_path, *, ts_trust=None):
    trust = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(serialization.Encoding.DER)
    )
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    assert len(reader.embedded_signatures) == 1
    ts_context = ValidationContext(trust_roots=[ts_trust]) if ts_trust is not None else None
    return validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(trust_roots=[trust]), ts_validation_context=ts_context
    )


def test_s_evid_signed_pdf_validates_with_pyhanko(signing_paths):
    cert_path, key_path = signing_paths
    signed = sign_pdf(sample_pdf(), reason="告知書の発行", location="東京")

    status = validate(signed, cert_path)

    assert status.intact is True
    assert status.valid is True
    assert status.trusted is True
    assert status.bottom_line is True
    assert status.docmdp_ok is True
    assert status.signing_cert.subject.native["common_name"] == "テスト販売 署名"
    assert status.timestamp_validity is None
    assert key_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_s_evid_signature_fails_after_one_byte_changes(signing_paths):
    cert_path, _ = signing_paths
    signed = sign_pdf(sample_pdf(), reason="告知書の発行")
    offset = signed.index(b"WeasyPrint")
    tampered = signed[:offset] + b"X" + signed[offset + 1 :]
    assert len(tampered) == len(signed)

    status = validate(tampered, cert_path)

    assert status.intact is False
    assert status.bottom_line is False


def test_s_evid_default_certificate_is_created_self_signed_on_first_use(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.SIGNING_CERT = settings.SIGNING_KEY = settings.SIGNING_KEY_PASSPHRASE = ""

    cert_path, key_path = configured_certificate_paths()

    assert cert_path == tmp_path / "signing" / "kokuchi-signing-cert.pem"
    assert key_path == tmp_path / "signing" / "kokuchi-signing-key.pem"
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert certificate.issuer == certificate.subject
    assert validate(sign_pdf(sample_pdf(), reason="test"), cert_path).bottom_line is True


def test_s_evid_create_certificate_refuses_to_overwrite(signing_paths):
    with pytest.raises(CommandError, match="already exists. Use --force to replace it."):
        call_command("evidence", "create-certificate", stdout=StringIO())


def test_s_evid_configured_but_missing_certificate_is_an_error(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.SIGNING_CERT = str(tmp_path / "nope.pem")
    settings.SIGNING_KEY = str(tmp_path / "nope.key")
    with pytest.raises(ImproperlyConfigured, match="nope.pem"):
        configured_certificate_paths()


def make_tsa() -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Local Test TSA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (
        asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )


@pytest.fixture
def local_tsa():
    """An RFC 3161 timestamp server on 127.0.0.1 (pyHanko's DummyTimeStamper behind HTTP)."""
    tsa_cert, tsa_key = make_tsa()
    authority = DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key)
    requests: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(body)
            response = asyncio.run(authority.async_request_tsa_response(tsp.TimeStampReq.load(body)))
            payload = response.dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", tsa_cert, requests
    server.shutdown()
    server.server_close()


def test_s_evid_tsa_url_adds_rfc3161_timestamp(signing_paths, settings, local_tsa):
    cert_path, _ = signing_paths
    url, tsa_cert, requests = local_tsa
    settings.TSA_URL = url

    assert configured_timestamper().url == url
    signed = sign_pdf(sample_pdf(), reason="受領確認書")
    status = validate(signed, cert_path, ts_trust=tsa_cert)

    assert status.bottom_line is True
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact is True
    assert status.timestamp_validity.valid is True
    assert status.timestamp_validity.trusted is True
    # pyHanko asks once for a dummy token to reserve space, then once for the real one.
    assert len(requests) == 2


def test_s_evid_no_tsa_url_means_no_timestamper(settings):
    settings.TSA_URL = ""
    assert configured_timestamper() is None
