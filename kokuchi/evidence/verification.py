"""End-to-end verification of the evidence chain and of the stored files it refers to (S-EVID)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage

from kokuchi.core.hashing import chain_hash, sha256_hex
from kokuchi.core.pdf import read_attachment
from kokuchi.evidence import merkle
from kokuchi.evidence.checkpoints import SignedTreeHead, signature_problem, timestamp_problem, trusted_keys
from kokuchi.evidence.models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    EvidenceChainHead,
    EvidenceCheckpoint,
    EvidenceEvent,
    canonical_event_content,
)
from kokuchi.evidence.services import ANCHOR_FORMAT, checkpoint_tree_head
from kokuchi.evidence.signals import verify_event, verify_records

RECEIPT_ANCHOR_NAME = "kokuchi-anchor.json"


@dataclass
class VerificationReport:
    """What verification found: counts, the chain head, and one message per broken row or file."""

    events: int = 0
    files: int = 0
    checkpoints: int = 0
    root_hash: str = ""
    first_sequence: int | None = None
    last_sequence: int | None = None
    last_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.events:
            return "Evidence chain intact: no events recorded yet."
        return (
            f"Evidence chain intact: {self.events} events (sequence {self.first_sequence}–{self.last_sequence}), "
            f"{self.files} stored files checked, {self.checkpoints} signed checkpoints consistent; "
            f"head hash {self.last_hash}, Merkle root {self.root_hash}."
        )


@dataclass(frozen=True, slots=True)
class EventRow:
    """What the walk keeps of a row: read with values_list, no model instance per row."""

    pk: int
    sequence: int
    previous_hash: str
    hash: str
    files: list
    values: dict

    def as_event(self) -> EvidenceEvent:
        return EvidenceEvent(pk=self.pk, previous_hash=self.previous_hash, hash=self.hash, **self.values)


class _SequenceByHash:
    """hash → sequence of every row, read from the database only when a broken link needs it."""

    def __init__(self) -> None:
        self._loaded: dict[str, int] | None = None

    def get(self, key: str) -> int | None:
        if self._loaded is None:
            self._loaded = dict(EvidenceEvent.objects.values_list("hash", "sequence"))
        return self._loaded.get(key)


def _rows():
    columns = ("pk", "previous_hash", "hash", *HASHED_FIELDS)
    for values in EvidenceEvent.objects.order_by("sequence").values_list(*columns).iterator(chunk_size=10000):
        hashed = dict(zip(HASHED_FIELDS, values[3:], strict=True))
        yield EventRow(
            pk=values[0],
            sequence=hashed["sequence"],
            previous_hash=values[1],
            hash=values[2],
            files=hashed["files"],
            values=hashed,
        )


def _row(event: EvidenceEvent | EventRow | None) -> str:
    return "no row" if event is None else f"row sequence {event.sequence} (id {event.pk})"


def _link_problem(event: EventRow, previous: EventRow | None, sequence_by_hash: _SequenceByHash) -> str | None:
    """Why this row does not follow the previous one, or None when it does."""
    previous_sequence = previous.sequence if previous else 0
    previous_hash = previous.hash if previous else GENESIS_HASH
    if event.sequence > previous_sequence + 1:
        missing = (
            f"sequence {previous_sequence + 1}"
            if event.sequence == previous_sequence + 2
            else f"sequences {previous_sequence + 1}–{event.sequence - 1}"
        )
        return f"{_row(event)}: {missing} missing before it (row deleted)"
    if event.previous_hash == previous_hash:
        return None
    if event.previous_hash == GENESIS_HASH:
        return f"{_row(event)}: claims to start the chain but follows sequence {previous_sequence} (row inserted)"
    referenced = sequence_by_hash.get(event.previous_hash)
    if referenced is None:
        return (
            f"{_row(event)}: its previous hash matches no row — the row before it was deleted or altered and re-hashed"
        )
    if referenced > event.sequence:
        return (
            f"{_row(event)}: rows reordered — it was chained after the row now at sequence {referenced}, "
            f"not after sequence {previous_sequence}"
        )
    return (
        f"{_row(event)}: row inserted before it — it was chained after sequence {referenced}, "
        f"so {_row(previous)} is not part of the original chain"
    )


def _file_problem(path: str, expected: str, event: EventRow) -> str | None:
    if not default_storage.exists(path):
        return f"file {path} ({_row(event)}): missing from storage"
    with default_storage.open(path, "rb") as handle:
        actual = sha256_hex(handle.read())
    if actual != expected:
        return f"file {path} ({_row(event)}): sha256 {actual} does not match the recorded {expected} (file changed)"
    return None


def verify_evidence(*, check_files: bool = True) -> VerificationReport:
    """Walk every row in sequence order: link to the previous row, own hash, and the files it names;
    then the signed tree head and every stored checkpoint against the Merkle tree of the rows, and
    the records other apps keep (acknowledgements, customer links) against the events."""
    report = VerificationReport()
    sequence_by_hash = _SequenceByHash()
    checked_files: set[str] = set()
    previous: EventRow | None = None
    ask_receivers = check_files and verify_event.has_listeners(EvidenceEvent)
    checkpoints = list(EvidenceCheckpoint.objects.order_by("tree_size", "id"))
    wanted_sizes = {checkpoint.tree_size for checkpoint in checkpoints}
    roots: dict[int, tuple[str, str]] = {0: (merkle.EMPTY_ROOT.hex(), GENESIS_HASH)}
    frontier: list[bytes] = []
    for event in _rows():
        frontier = merkle.append_to_frontier(frontier, merkle.leaf_hash(event.hash), size=report.events)
        report.events += 1
        if report.events in wanted_sizes:
            roots[report.events] = (merkle.root_from_frontier(frontier).hex(), event.hash)
        if report.first_sequence is None:
            report.first_sequence = event.sequence
        link_problem = _link_problem(event, previous, sequence_by_hash)
        if link_problem:
            report.problems.append(link_problem)
        if chain_hash(event.previous_hash, canonical_event_content(event.values)) != event.hash:
            report.problems.append(f"{_row(event)}: content does not match its hash (field altered)")
        if check_files:
            for stored in event.files:
                if stored["path"] in checked_files:
                    continue
                checked_files.add(stored["path"])
                file_problem = _file_problem(stored["path"], stored["sha256"], event)
                if file_problem:
                    report.problems.append(file_problem)
        if ask_receivers:
            for _receiver, problem in verify_event.send(sender=EvidenceEvent, event=event.as_event()):
                if problem:
                    report.problems.append(f"{_row(event)}: {problem}")
        previous = event
    report.files = len(checked_files)
    if previous is not None:
        report.last_sequence, report.last_hash = previous.sequence, previous.hash
    report.root_hash = merkle.root_from_frontier(frontier).hex()
    roots[report.events] = (report.root_hash, report.last_hash)
    report.problems.extend(_head_problems(previous))
    keys = trusted_keys()
    report.checkpoints = len(checkpoints)
    report.problems.extend(_checkpoint_problems(checkpoints, roots, events=report.events, keys=keys))
    report.problems.extend(_signed_head_problems(report, frontier, checkpoints, keys=keys))
    if check_files:
        for _receiver, problems in verify_records.send(sender=EvidenceEvent):
            report.problems.extend(problems or [])
    return report


def _checkpoint_name(checkpoint: EvidenceCheckpoint) -> str:
    return f"checkpoint #{checkpoint.pk} (size {checkpoint.tree_size}, signed {checkpoint.signed_at.isoformat()})"


def _checkpoint_problems(
    checkpoints: list[EvidenceCheckpoint], roots: dict[int, tuple[str, str]], *, events: int, keys: dict[str, str]
) -> list[str]:
    """Each checkpoint: a valid signature by a trusted key, and the same root as today's log at its size.

    A mismatch is located between the last checkpoint that still matches and the first that does not."""
    problems: list[str] = []
    last_matching = 0
    for checkpoint in checkpoints:
        name = _checkpoint_name(checkpoint)
        signed = signature_problem(checkpoint_tree_head(checkpoint), trusted=keys) or timestamp_problem(
            checkpoint_tree_head(checkpoint)
        )
        if signed:
            problems.append(f"{name}: {signed}")
            continue
        if checkpoint.tree_size > events:
            problems.append(
                f"{name}: the log now has only {events} events; sequences {events + 1}–{checkpoint.tree_size} "
                f"were cut from the end (rows deleted)"
            )
            continue
        root, head = roots[checkpoint.tree_size]
        if root != checkpoint.root_hash or head != checkpoint.head_hash:
            problems.append(
                f"{name}: Merkle root of today's log differs — rows between sequence {last_matching + 1} and "
                f"{checkpoint.tree_size} were changed, inserted, removed or reordered since it was signed"
            )
            continue
        last_matching = max(last_matching, checkpoint.tree_size)
    return problems


def _signed_head_problems(
    report: VerificationReport, frontier: list[bytes], checkpoints: list[EvidenceCheckpoint], *, keys: dict[str, str]
) -> list[str]:
    """The head's signature must cover the whole log: a row appended without the key leaves it stale."""
    head = EvidenceChainHead.objects.filter(pk=1).first()
    if head is None or report.events == 0:
        return []
    problems: list[str] = []
    if [node.hex() for node in frontier] != head.merkle_frontier:
        problems.append("chain head: its Merkle frontier does not match the rows (head rewritten)")
    if not head.signed_head:
        if any(c.tree_size == report.events and c.root_hash == report.root_hash for c in checkpoints):
            return problems  # upgraded log: its first checkpoint covers it until the next append
        return [*problems, f"sequences up to {report.events}: no signed tree head or checkpoint covers the log"]
    try:
        signed = SignedTreeHead.from_json(head.signed_head)
    except ValueError as error:
        return [*problems, f"chain head: signed tree head unreadable ({error})"]
    problem = signature_problem(signed, trusted=keys)
    if problem:
        return [*problems, f"chain head: {problem} (head moved without the signing key)"]
    if signed.tree_size != report.events or signed.root != report.root_hash or signed.head != report.last_hash:
        problems.append(
            f"chain head: signed for {signed.tree_size} events with root {signed.root[:16]}…, but the log has "
            f"{report.events} events with root {report.root_hash[:16]}… — rows after sequence "
            f"{min(signed.tree_size, report.events)} were added or the log was rewritten without the signing key"
        )
    return problems


def log_leaves() -> list[bytes]:
    """The Merkle leaves of today's log, in sequence order."""
    hashes = EvidenceEvent.objects.order_by("sequence").values_list("hash", flat=True)
    return [merkle.leaf_hash(h) for h in hashes.iterator(chunk_size=10000)]


def _against_log(head: SignedTreeHead, leaves: list[bytes], name: str) -> list[str]:
    if head.tree_size > len(leaves):
        return [
            f"{name}: signed for {head.tree_size} events, the log has only {len(leaves)} "
            f"(sequences {len(leaves) + 1}–{head.tree_size} removed)"
        ]
    if merkle.tree_root(leaves[: head.tree_size]).hex() != head.root:
        return [
            f"{name}: today's log up to sequence {head.tree_size} has another Merkle root than the signed "
            f"{head.root} — the log was rewritten after it was handed out"
        ]
    return []


def verify_exported_checkpoint(path: Path) -> list[str]:
    """Problems of an exported checkpoint file (one checkpoint or {"checkpoints": [...]}) against today's log."""
    name = f"checkpoint file {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["checkpoints"] if isinstance(data, dict) and "checkpoints" in data else [data]
        heads = [SignedTreeHead.from_json(entry) for entry in entries]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        return [f"{name}: unreadable ({error})"]
    keys = trusted_keys()
    leaves = log_leaves()
    problems: list[str] = []
    for index, head in enumerate(heads, start=1):
        label = f"{name}, entry {index} (size {head.tree_size})"
        problem = signature_problem(head, trusted=keys) or timestamp_problem(head)
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        problems.extend(_against_log(head, leaves, label))
    return problems


def verify_receipt(path: Path) -> list[str]:
    """Problems of a customer's receipt PDF: its anchor's signature and inclusion proof, and today's log."""
    name = f"receipt {path}"
    try:
        raw = read_attachment(path.read_bytes(), RECEIPT_ANCHOR_NAME)
    except (OSError, ValueError) as error:
        return [f"{name}: unreadable ({error})"]
    if raw is None:
        return [f"{name}: carries no {RECEIPT_ANCHOR_NAME} (not a Kokuchi receipt, or issued before anchors)"]
    try:
        anchor = json.loads(raw)
        if anchor.get("format") != ANCHOR_FORMAT:
            raise ValueError(f"format is not {ANCHOR_FORMAT}")
        head = SignedTreeHead.from_json(anchor["checkpoint"])
        sequence, event_hash = int(anchor["event"]["sequence"]), str(anchor["event"]["hash"])
        proof = [bytes.fromhex(node) for node in anchor["inclusion_proof"]]
        leaf = merkle.leaf_hash(event_hash)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return [f"{name}: anchor unreadable ({error})"]
    problem = signature_problem(head, trusted=trusted_keys()) or timestamp_problem(head)
    if problem:
        return [f"{name}: its checkpoint {problem}"]
    if not merkle.verify_inclusion(
        index=sequence - 1, tree_size=head.tree_size, leaf=leaf, proof=proof, root=bytes.fromhex(head.root)
    ):
        return [f"{name}: the inclusion proof of event sequence {sequence} does not lead to the signed root"]
    event = EvidenceEvent.objects.filter(sequence=sequence).first()
    if event is None:
        return [f"{name}: event sequence {sequence} is no longer in the log (row deleted)"]
    if event.hash != event_hash:
        return [
            f"{name}: row sequence {sequence} (id {event.pk}) has hash {event.hash}, the receipt {event_hash} "
            f"— the row was rewritten after the receipt was issued"
        ]
    return _against_log(head, log_leaves(), name)


def _head_problems(last: EventRow | None) -> list[str]:
    """Compare the last row with the recorded chain head: catches rows cut from, or added to, the end."""
    head = EvidenceChainHead.objects.filter(pk=1).first()
    if head is None:
        return [f"chain head missing while {_row(last)} exists"] if last else []
    last_sequence = last.sequence if last else 0
    if last_sequence > head.last_sequence:
        extra = EvidenceEvent.objects.filter(sequence__gt=head.last_sequence).order_by("sequence").first()
        return [f"{_row(extra)}: after the recorded chain head (sequence {head.last_sequence}) (row inserted)"]
    if last_sequence < head.last_sequence:
        missing = (
            f"sequence {head.last_sequence}"
            if last_sequence + 1 == head.last_sequence
            else f"sequences {last_sequence + 1}–{head.last_sequence}"
        )
        return [
            f"{missing} missing at the end of the chain (recorded head: sequence {head.last_sequence}) (row deleted)"
        ]
    if last is not None and last.hash != head.last_hash:
        return [f"{_row(last)}: hash differs from the recorded chain head {head.last_hash} (row replaced)"]
    return []
