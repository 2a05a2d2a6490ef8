"""Evidence (証跡): the append-only, hash-chained log of what was disclosed and acknowledged (G1, S-EVID).

This app sits directly above core: the subject of an event (deal number, disclosure version id) is kept
as plain values, so every other app may record events without this app importing them.
"""

from __future__ import annotations

from datetime import UTC

from django.db import models
from django.utils.translation import gettext_lazy as _

from kokuchi.core.hashing import chain_hash

# The previous hash of the first event: 64 zeros, so every row has the same shape.
GENESIS_HASH = "0" * 64


class EventType(models.TextChoices):
    ISSUED = "issued", _("Disclosure issued")
    LINK_CREATED = "link_created", _("Customer link created")
    LINK_OPENED = "link_opened", _("Customer link opened")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")
    SCAN_UPLOADED = "scan_uploaded", _("Signed scan uploaded")
    BUNDLE_EXPORTED = "bundle_exported", _("Evidence bundle exported")
    RECEIPT_ISSUED = "receipt_issued", _("Receipt issued")


class Channel(models.TextChoices):
    STAFF_UI = "staff_ui", _("Staff UI")
    CUSTOMER_LINK = "customer_link", _("Customer link")
    IN_PERSON = "in_person", _("In person")
    PAPER = "paper", _("Paper")
    CLI = "cli", _("Command line")
    API = "api", _("API")


# The fields an event's hash covers, in the order of canonical_event_content.
HASHED_FIELDS = (
    "sequence",
    "event_type",
    "occurred_at",
    "actor_user_id",
    "actor_name",
    "channel",
    "ip_address",
    "user_agent",
    "deal_number",
    "disclosure_version_id",
    "document_sha256",
    "parameters",
    "files",
)


def canonical_event_content(values: dict) -> dict:
    """The hashed content of an event from its field values (a row read with values_list is enough:
    verification of a large log need not build a model instance per row)."""
    return dict(values) | {"occurred_at": values["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")}


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an evidence row."""


class EvidenceEvent(models.Model):
    """One evidence event (証跡イベント): who did what to which disclosure, when, through which channel.

    Rows are only ever appended. Each row's hash covers the previous row's hash and the row's own
    canonical content, so a changed, removed, reordered or inserted row breaks the chain, and the
    database refuses UPDATE and DELETE through triggers (see triggers.py).
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    event_type = models.CharField(_("event"), max_length=30, choices=EventType.choices, editable=False)
    occurred_at = models.DateTimeField(_("occurred at"), editable=False)
    # The user id and username are snapshots: the user row may be renamed or removed later.
    actor_user_id = models.PositiveBigIntegerField(_("actor user id"), null=True, blank=True, editable=False)
    actor_name = models.CharField(_("actor"), max_length=200, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, editable=False)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True, editable=False)
    deal_number = models.CharField(_("deal number"), max_length=30, blank=True, db_index=True, editable=False)
    disclosure_version_id = models.PositiveBigIntegerField(
        _("disclosure version id"), null=True, blank=True, db_index=True, editable=False
    )
    document_sha256 = models.CharField(_("document sha256"), max_length=64, blank=True, editable=False)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True, editable=False)
    # Stored files this event concerns: [{"path": storage name, "sha256": hex}].
    files = models.JSONField(_("files"), default=list, blank=True, editable=False)
    previous_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    # Set by services.append_event on the row it appends (not stored): the Merkle audit path (hex) of
    # the new leaf in the tree of size `sequence`.
    inclusion_path: list[str]

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("evidence event")
        verbose_name_plural = _("evidence events")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_event_type_display()} {self.deal_number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Evidence events are append-only; an existing row cannot be saved again.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Evidence events are append-only; a row cannot be deleted.")

    def canonical_content(self) -> dict:
        """Every hashed field as JSON-ready values; the hash itself and the database id excluded."""
        return canonical_event_content({name: getattr(self, name) for name in HASHED_FIELDS})

    def compute_hash(self) -> str:
        return chain_hash(self.previous_hash, self.canonical_content())

    def as_export(self) -> dict:
        """The row as written to evidence bundles: its content plus both hashes."""
        return self.canonical_content() | {"previous_hash": self.previous_hash, "hash": self.hash}


class EvidenceChainHead(models.Model):
    """The chain head: the last sequence and hash, one row (pk 1).

    Appends lock this row (SELECT ... FOR UPDATE) so that concurrent appends are serialised, and it
    lets verification notice rows removed from, or added to, the end of the chain.
    """

    last_sequence = models.PositiveBigIntegerField(_("last sequence"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)
    # Roots of the perfect subtrees of the Merkle tree over the log (hex, largest first): with them an
    # append computes the new root in O(log n) (see merkle.py).
    merkle_frontier = models.JSONField(_("Merkle frontier"), default=list, blank=True)
    # The signed tree head of the current state (checkpoints.SignedTreeHead as JSON), re-signed at every
    # append: a row appended without the signing key leaves this signature stale.
    signed_head = models.JSONField(_("signed tree head"), default=dict, blank=True)

    class Meta:
        verbose_name = _("evidence chain head")
        verbose_name_plural = _("evidence chain head")

    def __str__(self) -> str:
        return f"#{self.last_sequence} {self.last_hash[:12]}"


class CheckpointReason(models.TextChoices):
    ISSUED = "issued", _("Disclosure issued")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DAILY = "daily", _("Daily")
    UPGRADE = "upgrade", _("First checkpoint after upgrade")
    EXPORT = "export", _("Bundle export")
    MANUAL = "manual", _("Manual")


class EvidenceCheckpoint(models.Model):
    """A signed checkpoint (署名付きチェックポイント) of the log: its size, Merkle root and chain head hash,
    signed with a key kept outside the database and, when a TSA is configured, time-stamped (RFC 3161).

    Receipts and bundles carry checkpoints out of the database; a later rewrite of the log contradicts
    them. Rows are append-only like the events (triggers.py).
    """

    tree_size = models.PositiveBigIntegerField(_("tree size"), editable=False)
    root_hash = models.CharField(_("root hash"), max_length=64, editable=False)
    head_hash = models.CharField(_("head hash"), max_length=64, editable=False)
    signed_at = models.DateTimeField(_("signed at"), editable=False)
    reason = models.CharField(_("reason"), max_length=20, choices=CheckpointReason.choices, editable=False)
    algorithm = models.CharField(_("algorithm"), max_length=40, editable=False)
    key_id = models.CharField(_("key id"), max_length=64, db_index=True, editable=False)
    public_key = models.TextField(_("public key"), editable=False)
    signature = models.TextField(_("signature"), editable=False)
    timestamp_token = models.TextField(_("RFC 3161 timestamp token"), blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence checkpoint")
        verbose_name_plural = _("evidence checkpoints")

    def __str__(self) -> str:
        return f"checkpoint #{self.pk} size {self.tree_size} {self.root_hash[:12]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Evidence checkpoints are append-only; an existing row cannot be saved again.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Evidence checkpoints are append-only; a row cannot be deleted.")
