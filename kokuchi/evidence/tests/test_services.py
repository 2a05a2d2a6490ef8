from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, IntegrityError, connection

from kokuchi.core.hashing import chain_hash, sha256_hex
from kokuchi.evidence.models import GENESIS_HASH, AppendOnlyError, Channel, EvidenceChainHead, EvidenceEvent
from kokuchi.evidence.services import (
    Actor,
    Origin,
    Subject,
    record_acknowledged_event,
    record_link_created_event,
    store_file,
)
from kokuchi.evidence.tests.factories import make_event

pytestmark = pytest.mark.django_db


def test_s_evid_events_form_a_hash_chain():
    first = make_event()
    second = make_event(event_type="link_opened")
    third = make_event(event_type="revoked")

    assert [e.sequence for e in EvidenceEvent.objects.all()] == [1, 2, 3]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    head = EvidenceChainHead.objects.get(pk=1)
    assert (head.last_sequence, head.last_hash) == (3, third.hash)


def test_s_evid_hash_covers_previous_hash_and_canonical_content():
    event = make_event(parameters={"amount": 1200, "note": "告知"})
    stored = EvidenceEvent.objects.get(pk=event.pk)

    expected_content = {
        "sequence": 1,
        "event_type": "issued",
        "occurred_at": stored.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_user_id": 7,
        "actor_name": "sales1",
        "channel": "staff_ui",
        "ip_address": "192.0.2.10",
        "user_agent": "pytest",
        "deal_number": "D2026-0001",
        "disclosure_version_id": None,
        "document_sha256": "ab" * 32,
        "parameters": {"amount": 1200, "note": "告知"},
        "files": [],
    }
    assert stored.canonical_content() == expected_content
    assert stored.hash == chain_hash(GENESIS_HASH, expected_content)
    assert stored.occurred_at.tzinfo is not None


def test_s_evid_ipv6_is_stored_in_canonical_form_and_rehashes():
    event = make_event(origin=Origin(channel=Channel.CUSTOMER_LINK, ip_address="2001:DB8:0:0::1"))
    stored = EvidenceEvent.objects.get(pk=event.pk)
    assert stored.ip_address == "2001:db8::1"
    assert stored.compute_hash() == stored.hash


def test_s_evid_constructors_record_their_parameters_and_files():
    receipt = store_file(content=b"%PDF-receipt", name="receipts/r1.pdf")
    link = record_link_created_event(
        actor=Actor(name="sales1", user_id=7),
        origin=Origin(channel=Channel.STAFF_UI),
        subject=Subject(deal_number="D2026-0002"),
        link_id=5,
        expires_at=datetime(2026, 12, 9, 3, 0, tzinfo=UTC),
        recipient="taro@example.jp",
    )
    ack = record_acknowledged_event(
        actor=Actor.signer("山田 太郎"),
        origin=Origin(channel=Channel.CUSTOMER_LINK),
        subject=Subject(deal_number="D2026-0002", files=(receipt,)),
        acknowledgement_id=9,
        items=["G5.2-1", "G5.2-2"],
        signer={"name": "山田 太郎", "title": "課長", "company": "顧客株式会社"},
    )

    assert link.event_type == "link_created"
    assert link.parameters == {"link_id": 5, "expires_at": "2026-12-09T03:00:00+00:00", "recipient": "taro@example.jp"}
    assert ack.actor_user_id is None
    assert ack.actor_name == "山田 太郎"
    assert ack.files == [{"path": "evidence/receipts/r1.pdf", "sha256": sha256_hex(b"%PDF-receipt")}]
    assert ack.parameters["items"] == ["G5.2-1", "G5.2-2"]


def test_s_evid_model_refuses_update_and_delete():
    event = make_event()
    event.actor_name = "someone else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE evidence_evidenceevent SET actor_name = 'x'",
        "DELETE FROM evidence_evidenceevent",
    ],
)
def test_s_evid_database_trigger_refuses_update_and_delete(statement):
    make_event()
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(statement)


def test_s_evid_queryset_update_is_refused_by_the_trigger():
    make_event()
    with pytest.raises(DatabaseError, match="append-only"):
        EvidenceEvent.objects.update(actor_name="x")


def test_s_evid_chain_head_only_moves_forward_one_step():
    make_event()
    make_event()
    with pytest.raises(DatabaseError, match="only moves forward"):
        EvidenceChainHead.objects.filter(pk=1).update(last_sequence=1)


def test_s_evid_unknown_event_type_is_refused():
    with pytest.raises(ValueError, match="Unknown evidence event type 'opened'"):
        make_event(event_type="opened")


def test_s_evid_a_lost_append_race_cannot_fork_the_chain():
    first = make_event()
    fork = EvidenceEvent(
        **{f.name: getattr(first, f.name) for f in EvidenceEvent._meta.concrete_fields if f.name not in {"id", "hash"}}
    )
    fork.actor_name = "concurrent writer"
    fork.hash = fork.compute_hash()

    with pytest.raises(IntegrityError):
        fork.save(force_insert=True)
