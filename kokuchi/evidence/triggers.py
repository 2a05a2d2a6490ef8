"""Database triggers that make the evidence table append-only, per database vendor.

The application never updates or deletes evidence rows (EvidenceEvent.save/delete refuse), and these
triggers make the database refuse it too, so that a bug, an admin action or a stray SQL statement
cannot silently rewrite history. Someone with the rights to drop a trigger can still tamper; the hash
chain and `kokuchi evidence verify` are what detect that.
"""

from __future__ import annotations

EVENT_TABLE = "evidence_evidenceevent"
HEAD_TABLE = "evidence_evidencechainhead"
CHECKPOINT_TABLE = "evidence_evidencecheckpoint"
MESSAGE = "evidence events are append-only"
HEAD_MESSAGE = "the evidence chain head only moves forward one sequence at a time"

_SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS evidence_event_no_update BEFORE UPDATE ON {EVENT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS evidence_event_no_delete BEFORE DELETE ON {EVENT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS evidence_head_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        WHEN NEW.last_sequence != OLD.last_sequence + 1
        BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END""",
]
_SQLITE_CHECKPOINT_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS evidence_checkpoint_no_update BEFORE UPDATE ON {CHECKPOINT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS evidence_checkpoint_no_delete BEFORE DELETE ON {CHECKPOINT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS evidence_event_no_update",
    "DROP TRIGGER IF EXISTS evidence_event_no_delete",
    "DROP TRIGGER IF EXISTS evidence_head_forward_only",
]
_SQLITE_CHECKPOINT_DROP = [
    "DROP TRIGGER IF EXISTS evidence_checkpoint_no_update",
    "DROP TRIGGER IF EXISTS evidence_checkpoint_no_delete",
]

# Row-level triggers: TRUNCATE (used by Django's test flush on PostgreSQL) is a separate privilege.
_POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION evidence_refuse_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION evidence_head_forward_only() RETURNS trigger AS $$
        BEGIN
          IF NEW.last_sequence <> OLD.last_sequence + 1 THEN RAISE EXCEPTION '{HEAD_MESSAGE}'; END IF;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS evidence_event_append_only ON {EVENT_TABLE}",
    f"""CREATE TRIGGER evidence_event_append_only BEFORE UPDATE OR DELETE ON {EVENT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()""",
    f"DROP TRIGGER IF EXISTS evidence_head_forward_only ON {HEAD_TABLE}",
    f"""CREATE TRIGGER evidence_head_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION evidence_head_forward_only()""",
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS evidence_event_append_only ON {EVENT_TABLE}",
    f"DROP TRIGGER IF EXISTS evidence_head_forward_only ON {HEAD_TABLE}",
]
_POSTGRES_CHECKPOINT_CREATE = [
    f"DROP TRIGGER IF EXISTS evidence_checkpoint_append_only ON {CHECKPOINT_TABLE}",
    f"""CREATE TRIGGER evidence_checkpoint_append_only BEFORE UPDATE OR DELETE ON {CHECKPOINT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()""",
]
_POSTGRES_CHECKPOINT_DROP = [f"DROP TRIGGER IF EXISTS evidence_checkpoint_append_only ON {CHECKPOINT_TABLE}"]


def _statements(vendor: str, *, create: bool, checkpoints: bool) -> list[str]:
    if vendor == "sqlite":
        if create:
            return _SQLITE_CREATE + (_SQLITE_CHECKPOINT_CREATE if checkpoints else [])
        return _SQLITE_DROP + (_SQLITE_CHECKPOINT_DROP if checkpoints else [])
    if vendor == "postgresql":
        if create:
            return _POSTGRES_CREATE + (_POSTGRES_CHECKPOINT_CREATE if checkpoints else [])
        return _POSTGRES_DROP + (_POSTGRES_CHECKPOINT_DROP if checkpoints else [])
    raise NotImplementedError(f"No append-only triggers for database vendor {vendor!r}.")


def install_triggers(connection, *, checkpoints: bool = True) -> None:
    """Install the triggers; `checkpoints=False` only for migrations from before the checkpoint table."""
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, create=True, checkpoints=checkpoints):
            cursor.execute(statement)


def drop_triggers(connection, *, checkpoints: bool = True) -> None:
    """Remove the triggers: used by the reverse migration and by tests that simulate tampering."""
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, create=False, checkpoints=checkpoints):
            cursor.execute(statement)
