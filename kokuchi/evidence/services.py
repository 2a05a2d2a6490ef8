"""Recording evidence: one function per event type, all appending through `append_event`."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from kokuchi.core.clients import UNKNOWN as UNKNOWN_CLIENT
from kokuchi.core.clients import client_ip
from kokuchi.core.hashing import canonical_json, sha256_hex
from kokuchi.evidence import merkle
from kokuchi.evidence.checkpoints import SignedTreeHead, sign_tree_head
from kokuchi.evidence.models import (
    GENESIS_HASH,
    Channel,
    CheckpointReason,
    EventType,
    EvidenceChainHead,
    EvidenceCheckpoint,
    EvidenceEvent,
)


@dataclass(frozen=True)
class Actor:
    """Who caused an event: a staff user (id + username snapshot) or a customer signer (name only)."""

    name: str
    user_id: int | None = None

    @classmethod
    def from_user(cls, user) -> Actor:
        return cls(name=user.get_username(), user_id=user.pk)

    @classmethod
    def signer(cls, name: str) -> Actor:
        return cls(name=name)


@dataclass(frozen=True)
class Origin:
    """Where the event came from: the channel plus IP address and user agent when a request exists."""

    channel: str
    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request, *, channel: str) -> Origin:
        return cls(
            channel=channel,
            ip_address=None if (address := client_ip(request)) == UNKNOWN_CLIENT else address,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )

    @classmethod
    def cli(cls) -> Origin:
        return cls(channel=Channel.CLI)


@dataclass(frozen=True)
class StoredFile:
    """A file kept in the default storage, named by its storage path, with the sha256 of its bytes."""

    path: str
    sha256: str

    def as_json(self) -> dict:
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class Subject:
    """What the event is about, as plain values (this app does not import the disclosure models)."""

    deal_number: str = ""
    disclosure_version_id: int | None = None
    document_sha256: str = ""
    files: tuple[StoredFile, ...] = field(default=())


def store_file(*, content: bytes, name: str) -> StoredFile:
    """Save bytes under evidence/ in the default storage and return the stored name and its sha256."""
    path = default_storage.save(f"evidence/{name}", ContentFile(content))
    return StoredFile(path=path, sha256=sha256_hex(content))


def _normalise_ip(value: str | None) -> str | None:
    # The database may rewrite IPv6 spellings; hash the canonical form so the row re-hashes identically.
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


def _json_roundtrip(value):
    # Store exactly what is hashed (e.g. Decimal or date become strings before both).
    return json.loads(canonical_json(value))


def frontier_of_log() -> list[str]:
    """The Merkle frontier (hex) of every event in the table, computed from the rows: O(n)."""
    frontier: list[bytes] = []
    hashes = EvidenceEvent.objects.order_by("sequence").values_list("hash", flat=True)
    for size, event_hash in enumerate(hashes.iterator(chunk_size=10000)):
        frontier = merkle.append_to_frontier(frontier, merkle.leaf_hash(event_hash), size=size)
    return [node.hex() for node in frontier]


def _lock_head() -> EvidenceChainHead:
    """Return the chain head locked for this transaction, creating it from the last row if absent."""
    if not EvidenceChainHead.objects.filter(pk=1).exists():
        last = EvidenceEvent.objects.order_by("-sequence").first()
        EvidenceChainHead.objects.bulk_create(
            [
                EvidenceChainHead(
                    pk=1,
                    last_sequence=last.sequence if last else 0,
                    last_hash=last.hash if last else GENESIS_HASH,
                    merkle_frontier=frontier_of_log(),
                )
            ],
            ignore_conflicts=True,
        )
    # On PostgreSQL this row lock serialises appends; SQLite serialises write transactions itself.
    return EvidenceChainHead.objects.select_for_update().get(pk=1)


def append_event(
    *, event_type: str, actor: Actor, origin: Origin, subject: Subject, parameters: dict | None = None
) -> EvidenceEvent:
    """Append one event to the chain, under the chain-head lock, and return it."""
    if event_type not in EventType.values:
        raise ValueError(f"Unknown evidence event type {event_type!r}.")
    if origin.channel not in Channel.values:
        raise ValueError(f"Unknown evidence channel {origin.channel!r}.")
    with transaction.atomic():
        head = _lock_head()
        event = EvidenceEvent(
            sequence=head.last_sequence + 1,
            event_type=event_type,
            occurred_at=timezone.now().astimezone(UTC),
            actor_user_id=actor.user_id,
            actor_name=actor.name[:200],
            channel=origin.channel,
            ip_address=_normalise_ip(origin.ip_address),
            user_agent=origin.user_agent[:500],
            deal_number=subject.deal_number,
            disclosure_version_id=subject.disclosure_version_id,
            document_sha256=subject.document_sha256,
            parameters=_json_roundtrip(parameters or {}),
            files=[f.as_json() for f in subject.files],
            previous_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        old_frontier = [bytes.fromhex(node) for node in head.merkle_frontier]
        frontier = merkle.append_to_frontier(old_frontier, merkle.leaf_hash(event.hash), size=head.last_sequence)
        signed = sign_tree_head(
            tree_size=event.sequence,
            root=merkle.root_from_frontier(frontier).hex(),
            head=event.hash,
            at=event.occurred_at,
        )
        EvidenceChainHead.objects.filter(pk=1).update(
            last_sequence=event.sequence,
            last_hash=event.hash,
            merkle_frontier=[node.hex() for node in frontier],
            signed_head=signed.as_json(),
        )
    # The audit path of the new leaf in the tree it completes: the subtree roots to its left.
    event.inclusion_path = [node.hex() for node in reversed(old_frontier)]
    return event


def record_checkpoint(*, reason: str) -> EvidenceCheckpoint:
    """Sign the log's current state (with an RFC 3161 timestamp when a TSA is configured) and keep it."""
    if reason not in CheckpointReason.values:
        raise ValueError(f"Unknown checkpoint reason {reason!r}.")
    with transaction.atomic():
        head = _lock_head()
        frontier = [bytes.fromhex(node) for node in head.merkle_frontier]
        signed = sign_tree_head(
            tree_size=head.last_sequence,
            root=merkle.root_from_frontier(frontier).hex(),
            head=head.last_hash,
            at=timezone.now(),
            timestamp=True,
        )
        checkpoint = EvidenceCheckpoint(
            tree_size=signed.tree_size,
            root_hash=signed.root,
            head_hash=signed.head,
            signed_at=datetime.fromisoformat(signed.time),
            reason=reason,
            algorithm=signed.algorithm,
            key_id=signed.key_id,
            public_key=signed.public_key,
            signature=signed.signature,
            timestamp_token=signed.timestamp_token,
        )
        checkpoint.save(force_insert=True)
    return checkpoint


def checkpoint_tree_head(checkpoint: EvidenceCheckpoint) -> SignedTreeHead:
    """The checkpoint as the signed statement and its signature (what receipts and exports carry)."""
    return SignedTreeHead(
        tree_size=checkpoint.tree_size,
        root=checkpoint.root_hash,
        head=checkpoint.head_hash,
        time=checkpoint.signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        algorithm=checkpoint.algorithm,
        key_id=checkpoint.key_id,
        public_key=checkpoint.public_key,
        signature=checkpoint.signature,
        timestamp_token=checkpoint.timestamp_token,
    )


ANCHOR_FORMAT = "kokuchi-receipt-anchor/1"


def anchor_event(*, event: EvidenceEvent, reason: str) -> dict:
    """Checkpoint the log right after `event` and return the anchor a receipt carries: the event's hash,
    the signed checkpoint and the event's inclusion proof in it. Call inside the transaction that
    appended the event, so that no other event comes between."""
    checkpoint = record_checkpoint(reason=reason)
    if checkpoint.tree_size == event.sequence and hasattr(event, "inclusion_path"):
        path = event.inclusion_path
    else:
        leaves = [
            merkle.leaf_hash(h) for h in EvidenceEvent.objects.order_by("sequence").values_list("hash", flat=True)
        ]
        path = [node.hex() for node in merkle.inclusion_proof(event.sequence - 1, leaves[: checkpoint.tree_size])]
    return {
        "format": ANCHOR_FORMAT,
        "event": {"sequence": event.sequence, "hash": event.hash, "leaf_index": event.sequence - 1},
        "checkpoint_id": checkpoint.pk,
        "checkpoint": checkpoint_tree_head(checkpoint).as_json(),
        "inclusion_proof": path,
    }


def anchor_fingerprint(anchor: dict) -> str:
    """A short printed fingerprint of an anchor: 16 hex digits of SHA-256(event hash || checkpoint root),
    in groups of four, for reading out over the phone or comparing by eye."""
    digest = sha256_hex((anchor["event"]["hash"] + anchor["checkpoint"]["root"]).encode("ascii"))[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def record_issued_event(
    *, actor: Actor, origin: Origin, subject: Subject, parameters: dict | None = None
) -> EvidenceEvent:
    """A disclosure version was issued and frozen; `subject.files` holds its signed PDF."""
    return append_event(event_type=EventType.ISSUED, actor=actor, origin=origin, subject=subject, parameters=parameters)


def record_link_created_event(
    *,
    actor: Actor,
    origin: Origin,
    subject: Subject,
    link_id: int,
    expires_at,
    recipient: str,
    reminder_of_link_id: int | None = None,
) -> EvidenceEvent:
    """A customer link was created, by staff or as a reminder replacing `reminder_of_link_id` (the token
    itself is never recorded, only the link's id)."""
    parameters = {"link_id": link_id, "expires_at": expires_at.astimezone(UTC).isoformat(), "recipient": recipient}
    if reminder_of_link_id is not None:
        parameters["reminder_of_link_id"] = reminder_of_link_id
    return append_event(
        event_type=EventType.LINK_CREATED, actor=actor, origin=origin, subject=subject, parameters=parameters
    )


def record_link_opened_event(*, actor: Actor, origin: Origin, subject: Subject, link_id: int) -> EvidenceEvent:
    """The customer opened the link page."""
    return append_event(
        event_type=EventType.LINK_OPENED, actor=actor, origin=origin, subject=subject, parameters={"link_id": link_id}
    )


def record_acknowledged_event(
    *,
    actor: Actor,
    origin: Origin,
    subject: Subject,
    acknowledgement_id: int,
    items: list[str],
    signer: dict,
    staff: str = "",
) -> EvidenceEvent:
    """The customer acknowledged the disclosure: which items, who signed; files hold the receipt."""
    return append_event(
        event_type=EventType.ACKNOWLEDGED,
        actor=actor,
        origin=origin,
        subject=subject,
        parameters={"acknowledgement_id": acknowledgement_id, "items": list(items), "signer": signer, "staff": staff},
    )


def record_revoked_event(
    *, actor: Actor, origin: Origin, subject: Subject, what: str, object_id: int, reason: str = ""
) -> EvidenceEvent:
    """Something was revoked (a customer link); `what` names the kind of object."""
    return append_event(
        event_type=EventType.REVOKED,
        actor=actor,
        origin=origin,
        subject=subject,
        parameters={"what": what, "object_id": object_id, "reason": reason},
    )


def record_superseded_event(
    *, actor: Actor, origin: Origin, subject: Subject, superseded_by_version_id: int
) -> EvidenceEvent:
    """A newer disclosure version replaced the one named in the subject."""
    return append_event(
        event_type=EventType.SUPERSEDED,
        actor=actor,
        origin=origin,
        subject=subject,
        parameters={"superseded_by_version_id": superseded_by_version_id},
    )


def record_scan_uploaded_event(
    *, actor: Actor, origin: Origin, subject: Subject, original_name: str, content_type: str, size: int
) -> EvidenceEvent:
    """Staff uploaded the signed paper scan; `subject.files` holds it."""
    return append_event(
        event_type=EventType.SCAN_UPLOADED,
        actor=actor,
        origin=origin,
        subject=subject,
        parameters={"original_name": original_name, "content_type": content_type, "size": size},
    )


def record_receipt_issued_event(
    *, actor: Actor, origin: Origin, subject: Subject, acknowledgement_id: int, anchor: dict
) -> EvidenceEvent:
    """The signed receipt carrying `anchor` (the acknowledged event, its checkpoint and inclusion proof)
    was stored; `subject.files` holds the receipt PDF."""
    return append_event(
        event_type=EventType.RECEIPT_ISSUED,
        actor=actor,
        origin=origin,
        subject=subject,
        parameters={"acknowledgement_id": acknowledgement_id, "anchor": anchor},
    )


def record_bundle_exported_event(
    *, actor: Actor, origin: Origin, subject: Subject, bundle_sha256: str, file_count: int, event_count: int
) -> EvidenceEvent:
    """An evidence bundle (zip) was exported for the deal in the subject."""
    return append_event(
        event_type=EventType.BUNDLE_EXPORTED,
        actor=actor,
        origin=origin,
        subject=subject,
        parameters={"bundle_sha256": bundle_sha256, "file_count": file_count, "event_count": event_count},
    )


def record_disclosure_issued(
    *,
    deal_number: str,
    version_id: int,
    document_number: str,
    pdf: bytes,
    issued_by,
    previous_version_id: int | None = None,
    previous_sha256: str = "",
    origin: Origin | None = None,
    acknowledged_warnings: list[dict] | None = None,
) -> EvidenceEvent:
    """Keep a copy of the issued (signed) PDF in storage and record `issued`, plus `superseded` for the
    version it replaces. Called by the disclosure issue service inside its transaction.
    `acknowledged_warnings`: the pre-issue check's warnings staff acknowledged, with their reasons."""
    origin = origin or Origin(channel=Channel.STAFF_UI)
    actor = Actor.from_user(issued_by)
    stored = store_file(content=pdf, name=f"disclosures/{document_number}.pdf")
    issued = record_issued_event(
        actor=actor,
        origin=origin,
        subject=Subject(
            deal_number=deal_number, disclosure_version_id=version_id, document_sha256=stored.sha256, files=(stored,)
        ),
        parameters={"document_number": document_number}
        | ({"acknowledged_warnings": acknowledged_warnings} if acknowledged_warnings else {}),
    )
    if previous_version_id is not None:
        record_superseded_event(
            actor=actor,
            origin=origin,
            subject=Subject(
                deal_number=deal_number, disclosure_version_id=previous_version_id, document_sha256=previous_sha256
            ),
            superseded_by_version_id=version_id,
        )
    record_checkpoint(reason=CheckpointReason.ISSUED)
    return issued
