"""Migration 0003 on an existing log: nothing recorded changes, the head gets its Merkle frontier, and the
post-migrate step signs the first checkpoint (S-EVID)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kokuchi.core.hashing import chain_hash
from kokuchi.evidence import merkle
from kokuchi.evidence.models import GENESIS_HASH, EvidenceChainHead, EvidenceCheckpoint, EvidenceEvent
from kokuchi.evidence.receivers import checkpoint_after_migrate
from kokuchi.evidence.tests.factories import make_event
from kokuchi.evidence.verification import verify_evidence

BEFORE = ("evidence", "0002_append_only_triggers")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader


@pytest.mark.django_db(transaction=True)
def test_s_evid_upgrade_keeps_every_event_and_signs_the_first_checkpoint():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        loader = _migrate([BEFORE])
        old_event = loader.project_state([BEFORE]).apps.get_model("evidence", "EvidenceEvent")
        old_head = loader.project_state([BEFORE]).apps.get_model("evidence", "EvidenceChainHead")
        previous = GENESIS_HASH
        for sequence in (1, 2, 3):
            content = {
                "sequence": sequence,
                "event_type": "issued",
                "occurred_at": datetime.datetime(2026, 5, sequence, 9, 0, tzinfo=datetime.UTC),
                "actor_user_id": 7,
                "actor_name": "sales1",
                "channel": "staff_ui",
                "ip_address": None,
                "user_agent": "",
                "deal_number": "D2026-0001",
                "disclosure_version_id": None,
                "document_sha256": "",
                "parameters": {},
                "files": [],
            }
            hashed = content | {"occurred_at": content["occurred_at"].isoformat(timespec="microseconds")}
            event_hash = chain_hash(previous, hashed)
            old_event.objects.create(previous_hash=previous, hash=event_hash, **content)
            previous = event_hash
        old_head.objects.create(pk=1, last_sequence=3, last_hash=previous)
        before = list(EvidenceEvent.objects.order_by("sequence").values_list("sequence", "hash"))

        _migrate(leaves)
        checkpoint_after_migrate(sender=None)

        leaves_of_log = [merkle.leaf_hash(h) for _s, h in before]
        head = EvidenceChainHead.objects.get()
        assert list(EvidenceEvent.objects.order_by("sequence").values_list("sequence", "hash")) == before
        assert merkle.root_from_frontier([bytes.fromhex(n) for n in head.merkle_frontier]) == merkle.tree_root(
            leaves_of_log
        )
        assert list(EvidenceCheckpoint.objects.values_list("reason", "tree_size", "root_hash")) == [
            ("upgrade", 3, merkle.tree_root(leaves_of_log).hex())
        ]
        assert verify_evidence().problems == []
        make_event()
        assert verify_evidence().problems == []
    finally:
        _migrate(leaves)
