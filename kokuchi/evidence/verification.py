"""End-to-end verification of the evidence chain and of the stored files it refers to (S-EVID)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.storage import default_storage

from kokuchi.core.hashing import sha256_hex
from kokuchi.evidence.models import GENESIS_HASH, EvidenceChainHead, EvidenceEvent
from kokuchi.evidence.signals import verify_event


@dataclass
class VerificationReport:
    """What verification found: counts, the chain head, and one message per broken row or file."""

    events: int = 0
    files: int = 0
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
            f"{self.files} stored files checked; head hash {self.last_hash}."
        )


def _row(event: EvidenceEvent) -> str:
    return f"row sequence {event.sequence} (id {event.pk})"


def _link_problem(event: EvidenceEvent, previous: EvidenceEvent | None, sequence_by_hash: dict[str, int]) -> str | None:
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


def _file_problem(path: str, expected: str, event: EvidenceEvent) -> str | None:
    if not default_storage.exists(path):
        return f"file {path} ({_row(event)}): missing from storage"
    with default_storage.open(path, "rb") as handle:
        actual = sha256_hex(handle.read())
    if actual != expected:
        return f"file {path} ({_row(event)}): sha256 {actual} does not match the recorded {expected} (file changed)"
    return None


def verify_evidence(*, check_files: bool = True) -> VerificationReport:
    """Walk every row in sequence order: link to the previous row, own hash, and the files it names."""
    report = VerificationReport()
    sequence_by_hash = dict(EvidenceEvent.objects.values_list("hash", "sequence"))
    checked_files: set[str] = set()
    previous: EvidenceEvent | None = None
    for event in EvidenceEvent.objects.order_by("sequence").iterator():
        report.events += 1
        if report.first_sequence is None:
            report.first_sequence = event.sequence
        link_problem = _link_problem(event, previous, sequence_by_hash)
        if link_problem:
            report.problems.append(link_problem)
        if event.compute_hash() != event.hash:
            report.problems.append(f"{_row(event)}: content does not match its hash (field altered)")
        if check_files:
            for stored in event.files:
                if stored["path"] in checked_files:
                    continue
                checked_files.add(stored["path"])
                file_problem = _file_problem(stored["path"], stored["sha256"], event)
                if file_problem:
                    report.problems.append(file_problem)
            for _receiver, problem in verify_event.send(sender=EvidenceEvent, event=event):
                if problem:
                    report.problems.append(f"{_row(event)}: {problem}")
        previous = event
    report.files = len(checked_files)
    if previous is not None:
        report.last_sequence, report.last_hash = previous.sequence, previous.hash
    report.problems.extend(_head_problems(previous))
    return report


def _head_problems(last: EvidenceEvent | None) -> list[str]:
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
