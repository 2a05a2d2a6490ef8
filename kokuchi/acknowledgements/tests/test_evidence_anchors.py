"""Acknowledgements, links and receipts as evidence: tampering detected and named, receipts as anchors,
the bundle's standalone verifier (S-EVID, G1)."""

import datetime
import hashlib
import json
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from kokuchi.acknowledgements.models import Acknowledgement, CustomerLinkView
from kokuchi.acknowledgements.services import (
    Signer,
    create_customer_link,
    record_acknowledgement,
    record_link_opened,
    revoke_customer_link,
)
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.hashing import chain_hash
from kokuchi.core.pdf import read_attachment
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence import merkle
from kokuchi.evidence.checkpoints import sign_tree_head
from kokuchi.evidence.models import EvidenceChainHead, EvidenceCheckpoint, EvidenceEvent
from kokuchi.evidence.services import Origin, anchor_fingerprint
from kokuchi.evidence.triggers import drop_triggers
from kokuchi.evidence.verification import verify_evidence

pytestmark = pytest.mark.django_db

STAFF = Origin(channel="staff_ui", ip_address="192.0.2.1", user_agent="staff-browser")
ITEMS = ["G5.2-1", "G5.2-2", "G5.2-3", "G5.3"]
VERIFIER = Path(__file__).resolve().parents[2] / "evidence" / "standalone" / "verify_bundle.py"


def acknowledged_through_link():
    version = make_issued_version()
    staff = make_user(Role.SALES)
    new = create_customer_link(
        version=version, created_by=staff, contact=version.disclosure.deal.customer.primary_contact, origin=STAFF
    )
    ack = record_acknowledgement(
        version=version,
        method="customer_link",
        items=ITEMS,
        signer=Signer(name="山田 太郎", title="総務部長", company="株式会社顧客"),
        origin=Origin(channel="customer_link", ip_address="198.51.100.7", user_agent="phone"),
        link=new.link,
    )
    return ack, new


def receipt_bytes(ack: Acknowledgement) -> bytes:
    with default_storage.open(ack.receipt_path, "rb") as handle:
        return handle.read()


def sql(statement: str, params=()) -> None:
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_s_evid_receipt_carries_event_hash_signed_checkpoint_and_inclusion_proof():
    ack, new = acknowledged_through_link()
    event = EvidenceEvent.objects.get(event_type="acknowledged")
    checkpoint = EvidenceCheckpoint.objects.get(reason="acknowledged")

    anchor = json.loads(read_attachment(receipt_bytes(ack), "kokuchi-anchor.json"))

    assert anchor["event"] == {"sequence": event.sequence, "hash": event.hash, "leaf_index": event.sequence - 1}
    assert (anchor["checkpoint"]["tree_size"], anchor["checkpoint"]["root"]) == (event.sequence, checkpoint.root_hash)
    assert merkle.verify_inclusion(
        index=event.sequence - 1,
        tree_size=event.sequence,
        leaf=merkle.leaf_hash(event.hash),
        proof=[bytes.fromhex(node) for node in anchor["inclusion_proof"]],
        root=bytes.fromhex(checkpoint.root_hash),
    )
    page = Client().get(f"/ack/c/{new.token}/").content.decode()
    assert f"<code>{anchor_fingerprint(anchor)}</code>（記録番号 {event.sequence}）" in page
    assert verify_evidence().problems == []


def test_s_evid_issue_and_acknowledgement_each_make_a_checkpoint():
    acknowledged_through_link()

    assert list(EvidenceCheckpoint.objects.values_list("reason", "tree_size")) == [("issued", 1), ("acknowledged", 3)]


def test_s_evid_attack_changed_ticked_item_is_detected():
    ack, _new = acknowledged_through_link()
    event = EvidenceEvent.objects.get(event_type="acknowledged")
    sql("UPDATE acknowledgements_acknowledgement SET items = %s WHERE id = %s", ['["G5.2-1", "G5.2-2"]', ack.pk])

    assert verify_evidence().problems == [
        f"acknowledgement #{ack.pk} (disclosure version {ack.version_id}): ticked items ['G5.2-1', 'G5.2-2'] differ "
        f"from {ITEMS} in the event at sequence {event.sequence}"
    ]


def test_s_evid_attack_changed_signer_is_detected():
    ack, _new = acknowledged_through_link()
    event = EvidenceEvent.objects.get(event_type="acknowledged")
    sql("UPDATE acknowledgements_acknowledgement SET signer_name = %s WHERE id = %s", ["別人 次郎", ack.pk])

    assert verify_evidence().problems == [
        f"acknowledgement #{ack.pk} (disclosure version {ack.version_id}): signer "
        "'別人 次郎' / '総務部長' / '株式会社顧客' differs from '山田 太郎' / '総務部長' / '株式会社顧客' "
        f"in the event at sequence {event.sequence}"
    ]


def test_s_evid_attack_removed_link_revocation_is_detected():
    version = make_issued_version()
    staff = make_user(Role.SALES)
    new = create_customer_link(version=version, created_by=staff, origin=STAFF)
    revoke_customer_link(link=new.link, revoked_by=staff, origin=STAFF, reason="誤送信")
    revoked = EvidenceEvent.objects.get(event_type="revoked")
    sql("UPDATE acknowledgements_customerlink SET revoked_at = NULL, revoked_by_id = NULL WHERE id = %s", [new.link.pk])

    assert verify_evidence().problems == [
        f"customer link #{new.link.pk}: revoked at sequence {revoked.sequence} but not revoked in the database "
        "(revocation removed)"
    ]


def test_s_evid_attack_deleted_acknowledgement_is_detected():
    ack, _new = acknowledged_through_link()
    event = EvidenceEvent.objects.get(event_type="acknowledged")
    sql("DELETE FROM acknowledgements_acknowledgement WHERE id = %s", [ack.pk])

    assert verify_evidence().problems == [
        f"acknowledgement #{ack.pk}: recorded at sequence {event.sequence} but no longer in the database (row deleted)"
    ]


def test_s_evid_receipt_from_before_a_rewrite_detects_it(tmp_path):
    ack, _new = acknowledged_through_link()
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(receipt_bytes(ack))
    out = StringIO()
    call_command("evidence", "verify", "--receipt", str(receipt), stdout=out)
    assert out.getvalue() == f"Consistent with today's evidence log: receipt {receipt}.\n"
    # The key holder rewrites the acknowledgement event (and the row), re-hashes the chain, re-signs the
    # head and removes every checkpoint: nothing inside the database remembers the old log.
    event = EvidenceEvent.objects.get(event_type="acknowledged")
    drop_triggers(connection)
    parameters = event.parameters | {"items": ITEMS[:3]}
    Acknowledgement.objects.filter(pk=ack.pk).update(items=ITEMS[:3])
    previous_hash = event.previous_hash
    for row in EvidenceEvent.objects.filter(sequence__gte=event.sequence).order_by("sequence"):
        if row.pk == event.pk:
            row.parameters = parameters
        row.previous_hash = previous_hash
        row.hash = row.compute_hash()
        EvidenceEvent.objects.filter(pk=row.pk).update(
            parameters=row.parameters, previous_hash=row.previous_hash, hash=row.hash
        )
        previous_hash = row.hash
    sql("DELETE FROM evidence_evidencecheckpoint")
    hashes = list(EvidenceEvent.objects.order_by("sequence").values_list("hash", flat=True))
    frontier: list[bytes] = []
    for size, event_hash in enumerate(hashes):
        frontier = merkle.append_to_frontier(frontier, merkle.leaf_hash(event_hash), size=size)
    last = EvidenceEvent.objects.order_by("-sequence").first()
    EvidenceChainHead.objects.filter(pk=1).update(
        last_hash=last.hash,
        merkle_frontier=[node.hex() for node in frontier],
        signed_head=sign_tree_head(
            tree_size=len(hashes), root=merkle.root_from_frontier(frontier).hex(), head=last.hash, at=last.occurred_at
        ).as_json(),
    )
    assert verify_evidence().problems == []

    with pytest.raises(CommandError) as error:
        call_command("evidence", "verify", "--receipt", str(receipt), stdout=StringIO(), stderr=StringIO())

    rewritten = EvidenceEvent.objects.get(pk=event.pk)
    assert str(error.value) == (
        f"1 problem(s); first: receipt {receipt}: row sequence {event.sequence} (id {event.pk}) has hash "
        f"{rewritten.hash}, the receipt {event.hash} — the row was rewritten after the receipt was issued"
    )


def test_s_evid_customer_page_records_the_first_view_per_link_and_day():
    version = make_issued_version()
    new = create_customer_link(version=version, created_by=make_user(Role.SALES), origin=STAFF)
    client = Client()

    for _ in range(3):
        assert client.get(f"/ack/c/{new.token}/").status_code == 200
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2099, 1, 2)):
        assert record_link_opened(link=new.link, origin=STAFF) is True
        assert record_link_opened(link=new.link, origin=STAFF) is False

    assert EvidenceEvent.objects.filter(event_type="link_opened").count() == 2
    assert sorted(CustomerLinkView.objects.values_list("views", flat=True)) == [2, 3]
    assert verify_evidence().problems == []


def export_and_unpack(ack: Acknowledgement, tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle.zip"
    call_command("evidence", "export", ack.version.disclosure.deal.number, "--output", str(bundle), stdout=StringIO())
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path / "bundle")
    return tmp_path / "bundle"


def run_standalone(directory: Path, *args: str) -> subprocess.CompletedProcess:
    # -I -S: no site-packages, no environment, no current directory — the standard library only.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(directory / "verify_bundle.py"), str(directory), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=directory,
    )


def test_s_evid_standalone_verifier_accepts_a_good_bundle_and_the_customers_receipt(tmp_path):
    ack, _new = acknowledged_through_link()
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(receipt_bytes(ack))
    directory = export_and_unpack(ack, tmp_path)
    assert (directory / "verify_bundle.py").read_bytes() == VERIFIER.read_bytes()

    result = run_standalone(directory, "--receipt", str(receipt))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "NG" not in result.stdout
    assert result.stdout.endswith("検証成功 / OK: the bundle is intact and consistent with its signed checkpoint\n")
    acknowledged = EvidenceEvent.objects.get(event_type="acknowledged").sequence
    assert f"OK  {receipt}: event {acknowledged} is in the signed checkpoint\n" in result.stdout
    assert f"OK  event {acknowledged}: included in the signed checkpoint\n" in result.stdout


def test_s_evid_standalone_verifier_names_a_tampered_event_even_with_sums_recomputed(tmp_path):
    ack, _new = acknowledged_through_link()
    directory = export_and_unpack(ack, tmp_path)
    events_path = directory / "events.json"
    data = json.loads(events_path.read_text(encoding="utf-8"))
    target = next(e for e in data["events"] if e["event_type"] == "acknowledged")
    # The forger changes the signer, recomputes the event's hash and SHA256SUMS — but cannot sign.
    target["parameters"]["signer"]["name"] = "別人 次郎"
    body = {k: v for k, v in target.items() if k not in {"previous_hash", "hash", "files_in_bundle"}}
    target["hash"] = chain_hash(target["previous_hash"], body)
    events_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    sums = directory / "SHA256SUMS"
    lines = []
    for line in sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        lines.append(f"{hashlib.sha256((directory / name).read_bytes()).hexdigest()}  {name}")
    sums.write_text("\n".join(lines) + "\n")

    result = run_standalone(directory)

    sequence = target["sequence"]
    assert result.returncode == 1
    assert f"NG  event {sequence}: not included in the signed checkpoint (inserted, changed or reordered)\n" in (
        result.stdout
    )
    assert (
        f"NG  event {sequence + 1}: previous_hash is not the hash of event {sequence} (events reordered or replaced)"
        in result.stdout
    )
    assert "NG  files/receipts/" in result.stdout  # the customer's receipt contradicts the forged event
    assert "検証失敗 / FAILED: 3 problem(s)" in result.stdout
