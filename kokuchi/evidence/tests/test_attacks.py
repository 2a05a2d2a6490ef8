"""Attacks by someone with the database's rights (triggers dropped, raw SQL), each detected and named (S-EVID)."""

import base64
import hashlib
import json
from io import StringIO

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import CommandError, call_command
from django.db import connection

from kokuchi.core.hashing import chain_hash
from kokuchi.evidence import merkle
from kokuchi.evidence.checkpoints import ECDSA_P256, sign_tree_head, statement_bytes
from kokuchi.evidence.models import EvidenceChainHead, EvidenceCheckpoint, EvidenceEvent
from kokuchi.evidence.services import frontier_of_log, record_checkpoint
from kokuchi.evidence.tests.factories import make_event
from kokuchi.evidence.triggers import drop_triggers
from kokuchi.evidence.verification import verify_evidence

pytestmark = pytest.mark.django_db

INSERT_COPY = (
    "INSERT INTO evidence_evidenceevent (sequence, event_type, occurred_at, actor_user_id, actor_name, channel,"
    " ip_address, user_agent, deal_number, disclosure_version_id, document_sha256, parameters, files,"
    " previous_hash, hash) SELECT %s, event_type, occurred_at, actor_user_id, %s, channel, ip_address,"
    " user_agent, deal_number, disclosure_version_id, document_sha256, parameters, files, %s, %s"
    " FROM evidence_evidenceevent WHERE sequence = %s"
)


def sql(statement: str, params=()) -> None:
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def move_head_to_rows() -> None:
    """What a careful attacker does after editing rows: the head's sequence, hash and Merkle frontier
    follow the rows (only the signature cannot be redone without the key)."""
    last = EvidenceEvent.objects.order_by("-sequence").first()
    drop_triggers(connection)
    EvidenceChainHead.objects.filter(pk=1).update(
        last_sequence=last.sequence, last_hash=last.hash, merkle_frontier=frontier_of_log()
    )


def rehash_from(sequence: int, **changes) -> None:
    """Change row `sequence` and recompute the chain hash of it and of every row after it."""
    previous_hash = EvidenceEvent.objects.get(sequence=sequence).previous_hash
    drop_triggers(connection)
    for row in EvidenceEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        for name, value in (changes if row.sequence == sequence else {}).items():
            setattr(row, name, value)
        row.previous_hash = previous_hash
        row.hash = row.compute_hash()
        EvidenceEvent.objects.filter(pk=row.pk).update(
            previous_hash=row.previous_hash, hash=row.hash, **(changes if row.sequence == sequence else {})
        )
        previous_hash = row.hash
    move_head_to_rows()


def root_of_rows() -> str:
    return merkle.tree_root([merkle.leaf_hash(h) for h in EvidenceEvent.objects.values_list("hash", flat=True)]).hex()


def test_s_evid_attack_insert_with_recomputed_hash_and_head_moved_is_detected():
    events = [make_event() for _ in range(5)]
    last = events[-1]
    forged_hash = chain_hash(last.hash, last.canonical_content() | {"sequence": 6, "actor_name": "forger"})
    sql(INSERT_COPY, [6, "forger", last.hash, forged_hash, 5])
    move_head_to_rows()
    inserted = EvidenceEvent.objects.get(sequence=6)
    assert inserted.compute_hash() == inserted.hash  # a valid chain link, and the head follows it

    report = verify_evidence()

    old_root = merkle.tree_root([merkle.leaf_hash(e.hash) for e in events]).hex()
    assert report.problems == [
        f"chain head: signed for 5 events with root {old_root[:16]}…, but the log has 6 events with root "
        f"{root_of_rows()[:16]}… — rows after sequence 5 were added or the log was rewritten without the signing key"
    ]


def test_s_evid_attack_tail_cut_with_head_moved_back_is_detected():
    for _ in range(5):
        make_event()
    checkpoint = record_checkpoint(reason="manual")
    make_event()
    sql("DELETE FROM evidence_evidenceevent WHERE sequence >= 4")
    move_head_to_rows()

    report = verify_evidence()

    assert report.problems[0] == (
        f"checkpoint #{checkpoint.pk} (size 5, signed {checkpoint.signed_at.isoformat()}): the log now has only "
        "3 events; sequences 4–5 were cut from the end (rows deleted)"
    )
    assert report.problems[1].startswith("chain head: signed for 6 events with root ")
    assert len(report.problems) == 2


def test_s_evid_attack_full_rehash_from_a_middle_row_is_detected():
    for _ in range(3):
        make_event()
    first = record_checkpoint(reason="manual")
    make_event()
    make_event()
    second = record_checkpoint(reason="manual")
    rehash_from(2, actor_name="someone else")

    report = verify_evidence()

    assert report.problems[:2] == [
        f"checkpoint #{first.pk} (size 3, signed {first.signed_at.isoformat()}): Merkle root of today's log differs "
        "— rows between sequence 1 and 3 were changed, inserted, removed or reordered since it was signed",
        f"checkpoint #{second.pk} (size 5, signed {second.signed_at.isoformat()}): Merkle root of today's log "
        "differs — rows between sequence 1 and 5 were changed, inserted, removed or reordered since it was signed",
    ]
    assert report.problems[2].startswith("chain head: signed for 5 events with root ")
    assert len(report.problems) == 3


def test_s_evid_attack_rewrite_after_a_checkpoint_is_located_after_it():
    for _ in range(3):
        make_event()
    first = record_checkpoint(reason="manual")
    make_event()
    make_event()
    second = record_checkpoint(reason="manual")
    rehash_from(4, actor_name="someone else")

    problems = verify_evidence().problems

    assert f"checkpoint #{first.pk}" not in " ".join(problems)
    assert problems[0] == (
        f"checkpoint #{second.pk} (size 5, signed {second.signed_at.isoformat()}): Merkle root of today's log "
        "differs — rows between sequence 4 and 5 were changed, inserted, removed or reordered since it was signed"
    )


def test_s_evid_attack_swapped_rows_are_detected():
    events = {event.sequence: event for event in (make_event() for _ in range(4))}
    checkpoint = record_checkpoint(reason="manual")
    sql("UPDATE evidence_evidenceevent SET sequence = 99 WHERE sequence = 2")
    sql("UPDATE evidence_evidenceevent SET sequence = 2 WHERE sequence = 3")
    sql("UPDATE evidence_evidenceevent SET sequence = 3 WHERE sequence = 99")
    move_head_to_rows()

    problems = verify_evidence().problems

    assert problems[0] == (
        f"row sequence 2 (id {events[3].pk}): rows reordered — it was chained after "
        "the row now at sequence 3, not after sequence 1"
    )
    assert (
        f"checkpoint #{checkpoint.pk} (size 4, signed {checkpoint.signed_at.isoformat()}): Merkle root of today's "
        "log differs — rows between sequence 1 and 4 were changed, inserted, removed or reordered since it was signed"
    ) in problems


def forge_with_own_key(*, tree_size: int, root: str, head: str, time: str) -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = key.sign(
        statement_bytes(tree_size=tree_size, root=root, head=head, time=time), ec.ECDSA(hashes.SHA256())
    )
    return {
        "algorithm": ECDSA_P256,
        "key_id": hashlib.sha256(der).hexdigest(),
        "public_key": base64.b64encode(der).decode(),
        "signature": base64.b64encode(signature).decode(),
    }


def test_s_evid_attack_forged_checkpoint_signed_with_another_key_is_detected():
    for _ in range(3):
        make_event()
    genuine = record_checkpoint(reason="manual")
    head = EvidenceChainHead.objects.get()
    time = "2026-12-01T00:00:00.000000+00:00"
    forged = forge_with_own_key(tree_size=3, root=genuine.root_hash, head=head.last_hash, time=time)
    drop_triggers(connection)
    fake = EvidenceCheckpoint.objects.create(
        tree_size=3,
        root_hash=genuine.root_hash,
        head_hash=head.last_hash,
        signed_at="2026-12-01T00:00:00+00:00",
        reason="daily",
        **forged,
    )

    problems = verify_evidence().problems

    assert problems == [
        f"checkpoint #{fake.pk} (size 3, signed 2026-12-01T00:00:00+00:00): signed with key {forged['key_id'][:16]}…, "
        "which is not a trusted signing key (forged or wrong key)"
    ]


def test_s_evid_attack_checkpoint_with_altered_root_fails_its_signature():
    for _ in range(3):
        make_event()
    checkpoint = record_checkpoint(reason="manual")
    sql("UPDATE evidence_evidencecheckpoint SET root_hash = %s WHERE id = %s", ["ab" * 32, checkpoint.pk])

    problems = verify_evidence().problems

    assert problems == [
        f"checkpoint #{checkpoint.pk} (size 3, signed {checkpoint.signed_at.isoformat()}): "
        "signature does not verify (statement altered or forged)"
    ]


def test_s_evid_attack_head_resigned_with_another_key_is_detected():
    for _ in range(2):
        make_event()
    head = EvidenceChainHead.objects.get()
    signed = sign_tree_head(
        tree_size=2, root=root_of_rows(), head=head.last_hash, at=EvidenceEvent.objects.last().occurred_at
    )
    forged = signed.as_json() | forge_with_own_key(tree_size=2, root=signed.root, head=signed.head, time=signed.time)
    drop_triggers(connection)
    EvidenceChainHead.objects.filter(pk=1).update(signed_head=forged)

    problems = verify_evidence().problems

    assert problems == [
        f"chain head: signed with key {forged['key_id'][:16]}…, which is not a trusted signing key (forged or wrong "
        "key) (head moved without the signing key)"
    ]


def test_s_evid_exported_checkpoint_detects_a_rewrite_by_the_key_holder(tmp_path):
    for _ in range(4):
        make_event()
    exported = tmp_path / "checkpoint.json"
    call_command("evidence", "checkpoint", "--output", str(exported), stdout=StringIO())
    # Someone holding the key rewrites row 2, re-signs the head, and removes the checkpoints in the database.
    rehash_from(2, actor_name="someone else")
    sql("DELETE FROM evidence_evidencecheckpoint")
    head = EvidenceChainHead.objects.get()
    resigned = sign_tree_head(tree_size=4, root=root_of_rows(), head=head.last_hash, at=head_time())
    EvidenceChainHead.objects.filter(pk=1).update(signed_head=resigned.as_json())
    assert verify_evidence().problems == []  # nothing inside the database remembers

    with pytest.raises(CommandError) as error:
        call_command("evidence", "verify", "--checkpoint", str(exported), stdout=StringIO(), stderr=StringIO())

    signed_root = json.loads(exported.read_text())["checkpoints"][0]["root"]
    assert str(error.value) == (
        f"1 problem(s); first: checkpoint file {exported}, entry 1 (size 4): today's log up to sequence 4 has "
        f"another Merkle root than the signed {signed_root} — the log was rewritten after it was handed out"
    )


def head_time():
    return EvidenceEvent.objects.order_by("-sequence").first().occurred_at


def test_s_evid_exported_checkpoint_of_an_intact_log_verifies(tmp_path):
    make_event()
    exported = tmp_path / "checkpoints.json"
    record_checkpoint(reason="manual")
    make_event()
    call_command("evidence", "checkpoints", "--output", str(exported), stdout=StringIO())
    out = StringIO()

    call_command("evidence", "verify", "--checkpoint", str(exported), stdout=out)

    assert out.getvalue() == f"Consistent with today's evidence log: checkpoint {exported}.\n"


def test_s_evid_unreadable_checkpoint_file_is_named(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"checkpoints": [{"tree_size": "x"}]}')

    with pytest.raises(CommandError) as error:
        call_command("evidence", "verify", "--checkpoint", str(broken), stdout=StringIO(), stderr=StringIO())

    assert str(error.value) == (
        f"1 problem(s); first: checkpoint file {broken}: unreadable (checkpoint field 'tree_size' is missing or "
        "not a int)"
    )
