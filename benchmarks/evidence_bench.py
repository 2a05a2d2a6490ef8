"""Evidence log at scale: verify of 1,000,000 events, and a checkpoint plus inclusion proof per acknowledgement.

    .venv/bin/python benchmarks/evidence_bench.py [--events 1000000] [--acks 50] [--label sqlite]
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/evidence_bench.py --label postgresql

Goals (2-core machine): `verify_evidence()` over 1,000,000 events ≤ 60 s; appending an acknowledged
event, signing the checkpoint and taking the event's inclusion proof ≤ 50 ms per acknowledgement.

The log is generated once (reused while its size matches) with valid chain hashes, the Merkle frontier
and a signed checkpoint every 10,000 events, written in bulk into a separate database (SQLite under
var/bench/ unless DATABASE_URL is set) with its own signing key under var/bench/evidence-data/. The
synthetic events name no stored files and no disclosure version: the file and document checks read
each distinct file or document once, so their cost follows the number of documents, not of events.
Figures go to benchmarks/results/evidence-<label>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
CHECKPOINT_EVERY = 10_000
BATCH = 10_000


def setup() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'evidence.sqlite3'}")
    os.environ["KOKUCHI_DATA_DIR"] = str(BENCH_DIR / "evidence-data")
    os.environ.setdefault("KOKUCHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def generate(total: int) -> None:
    """Write `total` chained events, the head (frontier, signed) and a signed checkpoint every 10,000."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from kokuchi.core.hashing import chain_hash
    from kokuchi.evidence import merkle
    from kokuchi.evidence.checkpoints import sign_tree_head
    from kokuchi.evidence.models import GENESIS_HASH, EvidenceChainHead, EvidenceCheckpoint, EvidenceEvent
    from kokuchi.evidence.triggers import drop_triggers, install_triggers

    call_command("migrate", verbosity=0)
    drop_triggers(connection)
    with connection.cursor() as cursor:
        for table in ("evidence_evidenceevent", "evidence_evidencechainhead", "evidence_evidencecheckpoint"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    install_triggers(connection)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Kinds whose parameters name no acknowledgement or link row (those rows are checked per row, not per event).
    kinds = ["issued", "link_opened", "link_opened", "superseded", "scan_uploaded"]
    previous, frontier, rows, checkpoints = GENESIS_HASH, [], [], []
    for index in range(total):
        sequence = index + 1
        event = EvidenceEvent(
            sequence=sequence,
            event_type=kinds[index % len(kinds)],
            occurred_at=start + timedelta(seconds=30 * index),
            actor_user_id=7,
            actor_name=f"sales{index % 40}",
            channel="staff_ui",
            ip_address="192.0.2.10",
            user_agent="Mozilla/5.0 (benchmark)",
            deal_number=f"D2026-{index // 20:05d}",
            disclosure_version_id=None,
            document_sha256="ab" * 32,
            parameters={"link_id": index, "recipient": "customer@example.jp"},
            files=[],
            previous_hash=previous,
        )
        event.hash = chain_hash(previous, event.canonical_content())
        previous = event.hash
        frontier = merkle.append_to_frontier(frontier, merkle.leaf_hash(event.hash), size=index)
        rows.append(event)
        if sequence % CHECKPOINT_EVERY == 0 or sequence == total:
            signed = sign_tree_head(
                tree_size=sequence,
                root=merkle.root_from_frontier(frontier).hex(),
                head=event.hash,
                at=event.occurred_at,
            )
            checkpoints.append(
                EvidenceCheckpoint(
                    tree_size=sequence,
                    root_hash=signed.root,
                    head_hash=signed.head,
                    signed_at=event.occurred_at,
                    reason="daily",
                    algorithm=signed.algorithm,
                    key_id=signed.key_id,
                    public_key=signed.public_key,
                    signature=signed.signature,
                )
            )
        if len(rows) == BATCH:
            with transaction.atomic():
                EvidenceEvent.objects.bulk_create(rows)
            rows = []
    with transaction.atomic():
        EvidenceEvent.objects.bulk_create(rows)
        EvidenceCheckpoint.objects.bulk_create(checkpoints)
        EvidenceChainHead.objects.create(
            pk=1,
            last_sequence=total,
            last_hash=previous,
            merkle_frontier=[node.hex() for node in frontier],
            signed_head=signed.as_json(),
        )


def truncate_to(total: int) -> None:
    """Remove what earlier runs appended after the generated log and re-sign the head (the benchmark
    holds the key), so that every run verifies the same `total` events."""
    from django.db import connection, transaction

    from kokuchi.evidence import merkle
    from kokuchi.evidence.checkpoints import sign_tree_head
    from kokuchi.evidence.models import EvidenceChainHead, EvidenceCheckpoint, EvidenceEvent
    from kokuchi.evidence.services import frontier_of_log
    from kokuchi.evidence.triggers import drop_triggers, install_triggers

    with transaction.atomic():
        drop_triggers(connection)
        EvidenceEvent.objects.filter(sequence__gt=total).delete()
        EvidenceCheckpoint.objects.filter(tree_size__gt=total).delete()
        last = EvidenceEvent.objects.get(sequence=total)
        frontier = frontier_of_log()
        signed = sign_tree_head(
            tree_size=total,
            root=merkle.root_from_frontier([bytes.fromhex(node) for node in frontier]).hex(),
            head=last.hash,
            at=last.occurred_at,
        )
        EvidenceChainHead.objects.filter(pk=1).update(
            last_sequence=total, last_hash=last.hash, merkle_frontier=frontier, signed_head=signed.as_json()
        )
        install_triggers(connection)


def bench_acknowledgements(count: int) -> tuple[list[float], list[float]]:
    """Seconds per acknowledgement (wall clock, CPU): append the event, sign and store the checkpoint,
    take the proof."""
    from django.db import transaction

    from kokuchi.evidence.models import Channel, CheckpointReason, EventType
    from kokuchi.evidence.services import Actor, Origin, Subject, anchor_event, append_event

    timings, cpu_timings = [], []
    for index in range(count):
        began, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            event = append_event(
                event_type=EventType.ACKNOWLEDGED,
                actor=Actor(name="山田 太郎"),
                origin=Origin(channel=Channel.CUSTOMER_LINK, ip_address="198.51.100.7", user_agent="bench"),
                subject=Subject(deal_number="D2026-BENCH"),
                # No acknowledgement_id: there is no Acknowledgement row behind a benchmark event.
                parameters={"items": ["G5.2-1"], "signer": {"name": "山田 太郎"}, "benchmark": index},
            )
            anchor = anchor_event(event=event, reason=CheckpointReason.ACKNOWLEDGED)
        timings.append(time.perf_counter() - began)
        cpu_timings.append(time.process_time() - cpu)
        assert anchor["checkpoint"]["tree_size"] == event.sequence
    return timings, cpu_timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--acks", type=int, default=50)
    parser.add_argument("--label", default="sqlite")
    args = parser.parse_args()
    setup()
    from kokuchi.evidence.models import EvidenceChainHead
    from kokuchi.evidence.verification import verify_evidence

    head = EvidenceChainHead.objects.filter(pk=1).first() if _migrated() else None
    generated_seconds = None
    # A log from an earlier run (with its benchmark acknowledgements appended) is reused.
    if head is None or head.last_sequence < args.events:
        began = time.perf_counter()
        generate(args.events)
        generated_seconds = round(time.perf_counter() - began, 1)
        print(f"generated {args.events} events in {generated_seconds} s")
    elif head.last_sequence > args.events:
        truncate_to(args.events)
    began, cpu = time.perf_counter(), time.process_time()
    report = verify_evidence()
    verify_seconds, verify_cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"verify: {report.events} events, {report.checkpoints} checkpoints, {verify_seconds:.1f} s")
    load_during_verify = [round(x, 2) for x in os.getloadavg()]
    assert report.ok, report.problems[:3]
    timings, cpu_timings = bench_acknowledgements(args.acks)
    result = {
        "benchmark": "evidence log: verify and per-acknowledgement checkpoint + inclusion proof",
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1_5_15_after_verify": load_during_verify,
            "load_average_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
            "shared": "2 cores shared with other sessions running tests; figures may be pessimistic",
        },
        "database": _vendor(),
        "events": report.events,
        "checkpoints": report.checkpoints,
        "generated_seconds": generated_seconds,
        "verify_seconds": round(verify_seconds, 1),
        "verify_cpu_seconds": round(verify_cpu, 1),
        "verify_goal_seconds": 60,
        "acknowledgements": len(timings),
        "ack_checkpoint_proof_ms_median": round(statistics.median(timings) * 1000, 1),
        "ack_checkpoint_proof_ms_p95": round(sorted(timings)[int(len(timings) * 0.95) - 1] * 1000, 1),
        "ack_checkpoint_proof_ms_max": round(max(timings) * 1000, 1),
        "ack_checkpoint_proof_cpu_ms_median": round(statistics.median(cpu_timings) * 1000, 1),
        "ack_goal_ms": 50,
    }
    out = ROOT / "benchmarks" / "results" / f"evidence-{args.label}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _migrated() -> bool:
    from django.db import connection

    return "evidence_evidencechainhead" in connection.introspection.table_names()


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
