"""Signed checkpoints: the upgrade step, the daily task, key rotation, and the standalone verifier's signature code."""

import base64
import datetime
import importlib.util
import logging
from io import StringIO
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import call_command
from django.db import connection
from pyhanko.sign.timestamps import DummyTimeStamper

from kokuchi.evidence.checkpoints import (
    RSA_PKCS1,
    SignedTreeHead,
    signature_problem,
    statement_bytes,
    timestamp_problem,
    trusted_keys,
)
from kokuchi.evidence.models import EvidenceCheckpoint
from kokuchi.evidence.receivers import checkpoint_after_migrate
from kokuchi.evidence.services import checkpoint_tree_head, record_checkpoint
from kokuchi.evidence.signing import create_signing_certificate
from kokuchi.evidence.standalone import verify_bundle
from kokuchi.evidence.tasks import daily_checkpoint_task
from kokuchi.evidence.tests.factories import make_event
from kokuchi.evidence.triggers import drop_triggers
from kokuchi.evidence.verification import verify_evidence

pytestmark = pytest.mark.django_db


def test_s_evid_upgrade_gives_an_existing_log_its_first_checkpoint():
    make_event()
    make_event()

    checkpoint_after_migrate(sender=None)
    checkpoint_after_migrate(sender=None)  # a second migrate adds none

    assert list(EvidenceCheckpoint.objects.values_list("reason", "tree_size")) == [("upgrade", 2)]


def test_s_evid_upgrade_without_a_key_only_warns(settings, tmp_path, caplog):
    make_event()
    settings.SIGNING_CERT = str(tmp_path / "missing-cert.pem")
    settings.SIGNING_KEY = str(tmp_path / "missing-key.pem")

    with caplog.at_level(logging.WARNING, logger="kokuchi.evidence.receivers"):
        checkpoint_after_migrate(sender=None)

    assert EvidenceCheckpoint.objects.count() == 0
    assert "The evidence log has no signed checkpoint yet" in caplog.text


def test_s_evid_daily_task_and_command_sign_the_current_state(tmp_path):
    make_event()
    result = daily_checkpoint_task.enqueue()
    out = StringIO()

    call_command("evidence", "checkpoint", stdout=out)
    listing = StringIO()
    call_command("evidence", "checkpoints", stdout=listing)

    first, second = EvidenceCheckpoint.objects.order_by("id")
    assert result.return_value == {"checkpoint_id": first.pk, "tree_size": 1, "root_hash": first.root_hash}
    assert out.getvalue().startswith(f"Checkpoint #{second.pk}: 1 events, root {first.root_hash}, signed ")
    assert [line.split("\t")[:4] for line in listing.getvalue().splitlines()] == [
        [f"#{first.pk}", first.signed_at.isoformat(), "daily", "size 1"],
        [f"#{second.pk}", second.signed_at.isoformat(), "daily", "size 1"],
    ]


def test_s_evid_after_key_rotation_old_checkpoints_verify_with_the_previous_certificate(settings, tmp_path):
    make_event()
    old = record_checkpoint(reason="manual")
    old_cert = tmp_path / "old-cert.pem"
    old_cert.write_bytes(Path(trusted_keys()[old.key_id]).read_bytes())
    new_cert, new_key = tmp_path / "new-cert.pem", tmp_path / "new-key.pem"
    create_signing_certificate(cert_path=new_cert, key_path=new_key, common_name="rotated", organization="demo")
    settings.SIGNING_CERT, settings.SIGNING_KEY = str(new_cert), str(new_key)
    make_event()
    record_checkpoint(reason="manual")

    without_previous = verify_evidence().problems
    settings.SIGNING_PREVIOUS_CERTS = [str(old_cert)]

    assert without_previous == [
        f"checkpoint #{old.pk} (size 1, signed {old.signed_at.isoformat()}): signed with key {old.key_id[:16]}…, "
        "which is not a trusted signing key (forged or wrong key)"
    ]
    assert verify_evidence().problems == []


def test_s_evid_standalone_verifier_checks_ecdsa_and_rsa_signatures_with_the_standard_library():
    make_event()
    ecdsa = checkpoint_tree_head(record_checkpoint(reason="manual"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = statement_bytes(tree_size=1, root="ab" * 32, head="cd" * 32, time="2026-12-01T00:00:00+00:00")
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    assert verify_bundle.verify_signature(
        ecdsa.algorithm, base64.b64decode(ecdsa.public_key), base64.b64decode(ecdsa.signature), ecdsa.statement()
    )
    assert not verify_bundle.verify_signature(
        ecdsa.algorithm, base64.b64decode(ecdsa.public_key), base64.b64decode(ecdsa.signature), message
    )
    assert verify_bundle.verify_signature(RSA_PKCS1, spki, signature, message)
    assert not verify_bundle.verify_signature(RSA_PKCS1, spki, signature, message.replace(b"size 1", b"size 2"))


def test_s_evid_checkpoint_json_roundtrip_keeps_the_signature_valid():
    make_event()
    head = checkpoint_tree_head(record_checkpoint(reason="manual"))

    again = SignedTreeHead.from_json(head.as_json())

    assert again == head
    assert signature_problem(again, trusted=trusted_keys()) is None


def test_standalone_verifier_is_importable_without_django():
    spec = importlib.util.find_spec("kokuchi.evidence.standalone.verify_bundle")
    source = spec.loader.get_source(spec.name)
    imported = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported == {
        "__future__",
        "base64",
        "contextlib",
        "hashlib",
        "json",
        "re",
        "sys",
        "zipfile",
        "zlib",
        "pathlib",
    }


def dummy_tsa():
    """pyHanko's local test TSA (RSA), with a throw-away certificate: no network."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test TSA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )


def test_s_evid_checkpoint_carries_an_rfc_3161_timestamp_when_a_tsa_is_configured(monkeypatch):
    monkeypatch.setattr("kokuchi.evidence.checkpoints.configured_timestamper", dummy_tsa)
    make_event()
    first = record_checkpoint(reason="daily")
    make_event()
    second = record_checkpoint(reason="daily")

    assert first.timestamp_token and second.timestamp_token
    assert timestamp_problem(checkpoint_tree_head(first)) is None
    assert verify_evidence().problems == []
    drop_triggers(connection)
    EvidenceCheckpoint.objects.filter(pk=second.pk).update(timestamp_token=first.timestamp_token)
    assert verify_evidence().problems == [
        f"checkpoint #{second.pk} (size 2, signed {second.signed_at.isoformat()}): RFC 3161 timestamp token is not "
        "over this checkpoint (token swapped or statement altered)"
    ]


def test_s_evid_unreachable_tsa_leaves_the_checkpoint_signed_without_a_timestamp(monkeypatch, caplog):
    class UnreachableTSA:
        async def async_timestamp(self, message_digest, md_algorithm):
            raise OSError("connection refused")

    monkeypatch.setattr("kokuchi.evidence.checkpoints.configured_timestamper", UnreachableTSA)
    make_event()

    with caplog.at_level(logging.WARNING, logger="kokuchi.evidence.checkpoints"):
        checkpoint = record_checkpoint(reason="daily")

    assert checkpoint.timestamp_token == ""
    assert "No RFC 3161 timestamp for the evidence checkpoint: connection refused" in caplog.text
    assert verify_evidence().problems == []
