import hashlib
import json
import shutil
import subprocess
import zipfile
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command

from kokuchi.core.hashing import chain_hash, sha256_hex
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import store_file
from kokuchi.evidence.signing import configured_certificate_paths
from kokuchi.evidence.tests.factories import make_event

pytestmark = pytest.mark.django_db


def test_s_evid_export_writes_files_events_sums_and_readme(tmp_path):
    pdf = store_file(content=b"%PDF disclosure", name="disclosures/KK-1.pdf")
    receipt = store_file(content=b"%PDF receipt", name="receipts/KK-1.pdf")
    issued = make_event(files=(pdf,))
    make_event(deal_number="D2026-0099")  # another deal's event stays out of the bundle
    acknowledged = make_event(event_type="acknowledged", files=(receipt,))
    output = tmp_path / "bundle.zip"
    out = StringIO()

    call_command("evidence", "export", "D2026-0001", "--output", str(output), stdout=out)

    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == [
            "README.txt",
            "SHA256SUMS",
            "checkpoint.json",
            "events.json",
            "files/disclosures/KK-1.pdf",
            "files/receipts/KK-1.pdf",
            "signing-certificate.pem",
            "verify_bundle.py",
        ]
        certificate = archive.read("signing-certificate.pem")
        events = json.loads(archive.read("events.json"))
        sums = archive.read("SHA256SUMS").decode()
        readme = archive.read("README.txt").decode()
        assert archive.read("files/disclosures/KK-1.pdf") == b"%PDF disclosure"
        assert archive.read("files/receipts/KK-1.pdf") == b"%PDF receipt"
        events_digest = sha256_hex(archive.read("events.json"))
        checkpoint_digest = sha256_hex(archive.read("checkpoint.json"))
        verifier_digest = sha256_hex(archive.read("verify_bundle.py"))
    assert [e["sequence"] for e in events["events"]] == [issued.sequence, acknowledged.sequence]
    assert events["events"][1]["files_in_bundle"] == ["files/receipts/KK-1.pdf"]
    for exported in events["events"]:
        body = {k: v for k, v in exported.items() if k not in {"previous_hash", "hash", "files_in_bundle"}}
        assert chain_hash(exported["previous_hash"], body) == exported["hash"]
    assert sums == (
        f"{events_digest}  events.json\n{sha256_hex(b'%PDF disclosure')}  files/disclosures/KK-1.pdf\n"
        f"{sha256_hex(b'%PDF receipt')}  files/receipts/KK-1.pdf\n"
        f"{sha256_hex(certificate)}  signing-certificate.pem\n"
        f"{checkpoint_digest}  checkpoint.json\n{verifier_digest}  verify_bundle.py\n"
    )
    assert certificate == configured_certificate_paths()[0].read_bytes()
    der = x509.load_pem_x509_certificate(certificate).public_bytes(serialization.Encoding.DER)
    assert ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()) in readme
    assert "sha256sum -c SHA256SUMS" in readme
    assert "PAdES" in readme
    exported_event = EvidenceEvent.objects.order_by("-sequence").first()
    assert exported_event.event_type == "bundle_exported"
    assert exported_event.channel == "cli"
    assert exported_event.parameters == {
        "bundle_sha256": sha256_hex(output.read_bytes()),
        "file_count": 2,
        "event_count": 2,
    }
    assert out.getvalue().startswith(f"Wrote {output} (2 events, 2 files, sha256 ")


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_s_evid_bundle_checks_with_plain_sha256sum(tmp_path):
    make_event(files=(store_file(content=b"%PDF disclosure", name="disclosures/KK-1.pdf"),))
    call_command("evidence", "export", "D2026-0001", "--output", str(tmp_path / "b.zip"), stdout=StringIO())
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        archive.extractall(tmp_path / "unpacked")

    result = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "unpacked", capture_output=True, text=True, check=False
    )

    assert result.returncode == 0
    assert result.stdout == (
        "events.json: OK\nfiles/disclosures/KK-1.pdf: OK\nsigning-certificate.pem: OK\n"
        "checkpoint.json: OK\nverify_bundle.py: OK\n"
    )


def test_s_evid_export_unknown_deal_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No evidence events for deal D2026-4242"):
        call_command("evidence", "export", "D2026-4242", "--output", str(tmp_path / "x.zip"))
