import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from kokuchi.core.hashing import chain_hash
from kokuchi.evidence import merkle
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import store_file
from kokuchi.evidence.tests.factories import make_event
from kokuchi.evidence.triggers import drop_triggers
from kokuchi.evidence.verification import verify_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Five events; the first names a stored PDF. Returns them by sequence (1-based)."""
    pdf = store_file(content=b"%PDF-1.7 disclosure", name="disclosures/KK-1.pdf")
    events = [make_event(files=(pdf,))] + [make_event(event_type="link_opened") for _ in range(4)]
    return {event.sequence: event for event in events}


def run_verify() -> tuple[int, str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("evidence", "verify", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


def sql(statement: str, params=()) -> None:
    # Tampering as an attacker with database rights would: triggers dropped, raw SQL. The test's
    # transaction rolls the DDL back afterwards.
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_s_evid_verify_intact_chain_exits_zero_with_summary(chain):
    code, out, _ = run_verify()

    root = merkle.tree_root([merkle.leaf_hash(chain[sequence].hash) for sequence in range(1, 6)]).hex()
    assert code == 0
    assert out == (
        "Evidence chain intact: 5 events (sequence 1–5), 1 stored files checked, 0 signed checkpoints consistent; "
        f"head hash {chain[5].hash}, Merkle root {root}.\n"
    )


def test_s_evid_verify_empty_chain():
    assert run_verify() == (0, "Evidence chain intact: no events recorded yet.\n", "")


def test_s_evid_verify_detects_field_altered(chain):
    sql("UPDATE evidence_evidenceevent SET actor_name = 'someone else' WHERE sequence = 3")

    code, _, message = run_verify()

    assert code == 1
    assert message == (
        f"Evidence chain broken (1 problem(s)); first: row sequence 3 (id {chain[3].pk}): "
        "content does not match its hash (field altered)"
    )


def test_s_evid_verify_detects_field_altered_and_rehashed(chain):
    row = EvidenceEvent.objects.get(sequence=3)
    row.actor_name = "someone else"
    sql(
        "UPDATE evidence_evidenceevent SET actor_name = %s, hash = %s WHERE sequence = 3",
        ["someone else", row.compute_hash()],
    )

    report = verify_evidence()

    assert report.problems[0] == (
        f"row sequence 4 (id {chain[4].pk}): its previous hash matches no row — "
        "the row before it was deleted or altered and re-hashed"
    )


def test_s_evid_verify_detects_row_deleted(chain):
    sql("DELETE FROM evidence_evidenceevent WHERE sequence = 3")

    code, _, message = run_verify()

    assert code == 1
    assert message == (
        f"Evidence chain broken (3 problem(s)); first: row sequence 4 (id {chain[4].pk}): "
        "sequence 3 missing before it (row deleted)"
    )


def test_s_evid_verify_detects_last_row_deleted(chain):
    sql("DELETE FROM evidence_evidenceevent WHERE sequence = 5")

    report = verify_evidence()

    assert report.problems[:2] == [
        "sequence 5 missing at the end of the chain (recorded head: sequence 5) (row deleted)",
        "chain head: its Merkle frontier does not match the rows (head rewritten)",
    ]


def test_s_evid_verify_detects_rows_reordered(chain):
    sql("UPDATE evidence_evidenceevent SET sequence = 99 WHERE sequence = 2")
    sql("UPDATE evidence_evidenceevent SET sequence = 2 WHERE sequence = 3")
    sql("UPDATE evidence_evidenceevent SET sequence = 3 WHERE sequence = 99")

    code, _, message = run_verify()
    report = verify_evidence()

    assert code == 1
    assert report.problems[0] == (
        f"row sequence 2 (id {chain[3].pk}): rows reordered — it was chained after "
        "the row now at sequence 3, not after sequence 1"
    )
    assert message.endswith(report.problems[0])


def test_s_evid_verify_detects_row_inserted_in_the_middle(chain):
    for sequence in (5, 4, 3):
        sql("UPDATE evidence_evidenceevent SET sequence = %s WHERE sequence = %s", [sequence + 1, sequence])
    forged = EvidenceEvent.objects.get(sequence=1)
    content = forged.canonical_content() | {"sequence": 3, "actor_name": "forger", "files": []}
    forged_hash = chain_hash(chain[2].hash, content)
    sql(
        "INSERT INTO evidence_evidenceevent (sequence, event_type, occurred_at, actor_user_id, actor_name, channel,"
        " ip_address, user_agent, deal_number, disclosure_version_id, document_sha256, parameters, files,"
        " previous_hash, hash) SELECT 3, event_type, occurred_at, actor_user_id, 'forger', channel, ip_address,"
        " user_agent, deal_number, disclosure_version_id, document_sha256, parameters, '[]', %s, %s"
        " FROM evidence_evidenceevent WHERE sequence = 1",
        [chain[2].hash, forged_hash],
    )
    inserted = EvidenceEvent.objects.get(sequence=3)
    assert inserted.compute_hash() == inserted.hash  # the forger computed a valid hash for the new row

    code, _, message = run_verify()

    assert code == 1
    assert message.startswith(
        "Evidence chain broken (7 problem(s)); first: "
        f"row sequence 4 (id {chain[3].pk}): row inserted before it — it was chained after sequence 2, "
        f"so row sequence 3 (id {inserted.pk}) is not part of the original chain"
    )


def test_s_evid_verify_detects_row_inserted_at_the_end(chain):
    last = chain[5]
    content = last.canonical_content() | {"sequence": 6, "actor_name": "forger"}
    sql(
        "INSERT INTO evidence_evidenceevent (sequence, event_type, occurred_at, actor_user_id, actor_name, channel,"
        " ip_address, user_agent, deal_number, disclosure_version_id, document_sha256, parameters, files,"
        " previous_hash, hash) SELECT 6, event_type, occurred_at, actor_user_id, 'forger', channel, ip_address,"
        " user_agent, deal_number, disclosure_version_id, document_sha256, parameters, files, %s, %s"
        " FROM evidence_evidenceevent WHERE sequence = 5",
        [last.hash, chain_hash(last.hash, content)],
    )
    inserted = EvidenceEvent.objects.get(sequence=6)

    report = verify_evidence()

    assert report.problems[:2] == [
        f"row sequence 6 (id {inserted.pk}): after the recorded chain head (sequence 5) (row inserted)",
        "chain head: its Merkle frontier does not match the rows (head rewritten)",
    ]


def test_s_evid_verify_detects_stored_pdf_changed(chain):
    path = chain[1].files[0]["path"]
    with default_storage.open(path, "wb") as handle:
        handle.write(b"%PDF-1.7 disclosurE")

    code, _, message = run_verify()

    assert code == 1
    assert message == (
        f"Evidence chain broken (1 problem(s)); first: file {path} (row sequence 1 (id {chain[1].pk})): "
        "sha256 8e00a3dec497df40997f0c919f2223befb6a0974cb5602673bdd202d9a6689e5 does not match the recorded "
        f"{chain[1].files[0]['sha256']} (file changed)"
    )


def test_s_evid_verify_detects_stored_pdf_missing(chain):
    path = chain[1].files[0]["path"]
    default_storage.delete(path)

    report = verify_evidence()

    assert report.problems == [f"file {path} (row sequence 1 (id {chain[1].pk})): missing from storage"]
