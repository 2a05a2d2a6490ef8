"""Upsert parsed feed records into the database, touching only rows whose content changed.

A vulnerability row is rewritten only when the sha256 of its parsed record (content_hash) differs
from the stored one, so `changed_at` moves only on real change and a re-import is a no-op. Every
load returns an ImportResult whose `changed_ids` the matcher uses to match incrementally; after the
enclosing transaction commits, the `vulnerabilities_changed` signal carries those IDs.

Callers own the transaction (one per file for offline import, one per page/file with its resume
marker for online sync); these functions must run inside `transaction.atomic()`.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kokuchi.vulnerabilities.models import (
    AffectedProduct,
    EpssScore,
    KnownExploited,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityCpe,
)
from kokuchi.vulnerabilities.signals import vulnerabilities_changed

from .records import EpssRecord, FeedError, KevRecord, VulnRecord

BATCH_SIZE = 1000
EPSS_BATCH_SIZE = 5000

_VULN_FIELDS = (
    "source",
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "cvss3_score",
    "cvss3_severity",
    "cvss3_vector",
    "cvss4_score",
    "cvss4_severity",
    "cvss4_vector",
    "cwe_ids",
    "published",
    "last_modified",
    "source_status",
    "withdrawn",
    "references",
    "configurations",
    "content_hash",
    "changed_at",
)


@dataclass
class ImportResult:
    """What one import/sync did. `changed_ids`: vulnerability IDs created or changed (and CVE IDs
    whose KEV entry was added, changed or removed); EPSS scores are counted but not listed,
    because every score moves every day."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    pages: int = 0
    changed_ids: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted

    def add(self, other: ImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.pages += other.pages
        self.changed_ids |= other.changed_ids
        self.messages.extend(other.messages)


def announce_changes_on_commit(changed_ids: set[str]) -> None:
    """Send `vulnerabilities_changed` when the current transaction commits (now if none is open)."""
    if not changed_ids:
        return
    ids = set(changed_ids)
    transaction.on_commit(lambda: vulnerabilities_changed.send(sender=Vulnerability, vuln_ids=set(ids)))


def batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_JSON_COLUMNS = frozenset({"cwe_ids", "references", "configurations", "ranges"})


def _insert_sql(model, columns: tuple[str, ...], *, conflict: str | None = None) -> str:
    """INSERT (optionally ON CONFLICT … DO UPDATE, which SQLite ≥ 3.24 and PostgreSQL share).

    Raw SQL because the ORM's per-field machinery costs more than the database on a full NVD load;
    JSON text is cast to jsonb on PostgreSQL and stored as text on SQLite, as JSONField does.
    """
    quote = connection.ops.quote_name
    cast = connection.vendor == "postgresql"
    values = ", ".join("CAST(%s AS jsonb)" if cast and column in _JSON_COLUMNS else "%s" for column in columns)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES ({values})"
    if conflict:
        updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c != conflict)
        sql += f" ON CONFLICT ({quote(conflict)}) DO UPDATE SET {updates}"
    return sql


def _id_map(column_table_sql: str, ids: list[str]) -> dict[str, tuple]:
    """{vuln_id: (rest of row)} for the given ids, in chunks that stay under SQLite's variable limit."""
    found: dict[str, tuple] = {}
    with connection.cursor() as cursor:
        for chunk in batched(ids, 900):
            cursor.execute(column_table_sql.format(", ".join(["%s"] * len(chunk))), chunk)
            for row in cursor.fetchall():
                found[row[0]] = row[1:]
    return found


def datetime_adapter() -> Callable:
    """Datetime → database value, as DateTimeField does it, without the per-call ORM overhead."""
    if connection.vendor == "sqlite":
        # SQLite stores naive text in the connection's time zone (UTC with USE_TZ).
        zone = connection.timezone

        def adapt(value):
            return None if value is None else str(value.astimezone(zone).replace(tzinfo=None))

        return adapt
    return connection.ops.adapt_datetimefield_value


def _json_text(value: list) -> str:
    """JSON text of cwe_ids / ranges (str, bool, None and lists/dicts of them) for the JSON columns;
    orjson is several times faster than the json module and gives the same JSON value."""
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, ensure_ascii=False)


# One vulnerability as the loader writes it, in plain values that are cheap to pickle from a parser
# process: (vuln_id, content_hash, Vulnerability column values in _VULN_COLUMNS order without the
# trailing changed_at, alias IDs, AffectedProduct rows and VulnerabilityCpe rows without their
# vulnerability_id). Built by row_builder()'s function where the record is parsed.
#
# On PostgreSQL the values, the aliases and the child rows are COPY text lines instead (bytes,
# without the vulnerability_id/changed_at columns and the newline): the writer streams them to the
# server as they are, so it neither unpickles each value nor formats it again (see copy_load_row).
# Which of the two a row holds depends on the connection's vendor, hence Any for the values.
LoadRow = tuple[str, str, Any, tuple, tuple, tuple]
_VULN_COLUMNS = ("vuln_id", *_VULN_FIELDS)


def _vuln_values(record: VulnRecord, adapt: Callable) -> tuple:
    return (
        record.vuln_id,
        record.source,
        record.title_ja,
        record.title_en,
        record.description_ja,
        record.description_en,
        record.cvss3_score,
        record.cvss3_severity,
        record.cvss3_vector,
        record.cvss4_score,
        record.cvss4_severity,
        record.cvss4_vector,
        _json_text(list(record.cwe_ids)),
        adapt(record.published),
        adapt(record.last_modified),
        record.source_status,
        record.withdrawn,
        record.references_json,
        record.configurations_json,
        record.content_hash,
    )


def _affected_values(record: VulnRecord) -> Iterator[tuple]:
    for a in record.affected:
        yield (
            a.vendor[:200],
            a.product[:300],
            a.cpe22[:300],
            a.cpe23[:300],
            a.version_text,
            _json_text(list(a.ranges)),
            a.ranges_parsed,
        )


def _cpe_values(record: VulnRecord) -> Iterator[tuple]:
    for part, vendor, product in dict.fromkeys(record.cpes):
        yield part, vendor[:200], product[:200]


def load_row(record: VulnRecord, adapt: Callable) -> LoadRow:
    """The LoadRow of a record as values; `adapt` is datetime_adapter() (database values for datetimes)."""
    return (
        record.vuln_id,
        record.content_hash,
        _vuln_values(record, adapt),
        tuple(dict.fromkeys(record.aliases)),
        tuple(_affected_values(record)),
        tuple(_cpe_values(record)),
    )


def copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format: \\N for NULL, t/f, ISO 8601 datetimes, and text with
    backslash, newline, carriage return and tab escaped (the only characters COPY treats specially)."""
    if value.__class__ is str:
        if "\\" in value:
            value = value.replace("\\", "\\\\")
        if "\n" in value:
            value = value.replace("\n", "\\n")
        if "\r" in value:
            value = value.replace("\r", "\\r")
        if "\t" in value:
            value = value.replace("\t", "\\t")
        return value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return copy_text(str(value))
    if isinstance(value, Decimal) and value.is_nan():
        return "NaN"  # as psycopg sends a signalling NaN too
    return str(value)  # int, Decimal (as psycopg sends them)


def copy_line(values: Iterable) -> bytes:
    """One COPY text row (without its newline)."""
    return "\t".join(map(copy_text, values)).encode("utf-8")


def copy_load_row(record: VulnRecord) -> LoadRow:
    """The LoadRow of a record as COPY text lines (PostgreSQL): datetimes stay aware, as
    connection.ops.adapt_datetimefield_value leaves them."""
    return (
        record.vuln_id,
        record.content_hash,
        copy_line(_vuln_values(record, _same)),
        tuple(copy_text(alias).encode("utf-8") for alias in dict.fromkeys(record.aliases)),
        tuple(map(copy_line, _affected_values(record))),
        tuple(map(copy_line, _cpe_values(record))),
    )


def _same(value):
    return value


def row_builder() -> Callable[[VulnRecord], LoadRow]:
    """The LoadRow builder for the current connection's vendor (COPY text on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return copy_load_row
    adapt = datetime_adapter()
    return lambda record: load_row(record, adapt)


def load_rows(records: Iterable[VulnRecord]) -> Iterator[LoadRow]:
    """LoadRows of records, for the current database connection's vendor."""
    return map(row_builder(), records)


_ALIAS_COLUMNS = ("vulnerability_id", "alias_id")
_AFFECTED_COLUMNS = (
    "vulnerability_id",
    "vendor",
    "product",
    "cpe22",
    "cpe23",
    "version_text",
    "ranges",
    "ranges_parsed",
)
_CPE_COLUMNS = ("vulnerability_id", "part", "vendor", "product")
# PostgreSQL: rows go in through COPY, not one INSERT each. With row-by-row INSERTs the server spent
# as much CPU as the whole import (parse, plan and execute per row); COPY streams a batch through one
# statement. The upsert of vulnerabilities goes through a temporary table (COPY cannot resolve
# conflicts): COPY into it, then one INSERT … SELECT … ON CONFLICT for the batch.
_PG_VULN_STAGE = "kokuchi_vulnerability_load"


def _pg_copy(cursor, table: str, columns: tuple[str, ...], data: bytes) -> None:
    """COPY `data` (COPY text lines, each ending in a newline) into table(columns)."""
    quote = connection.ops.quote_name
    with cursor.cursor.copy(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
        copy.write(data)


def _pg_upsert_vulnerabilities(data: bytes) -> None:
    """Insert or update Vulnerability rows given as COPY text lines (all columns of _VULN_COLUMNS)."""
    quote = connection.ops.quote_name
    table = quote(Vulnerability._meta.db_table)
    columns = _VULN_COLUMNS
    column_list = ", ".join(quote(c) for c in columns)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c != "vuln_id")
    # The staging table lives until the end of the transaction (one per imported file); atomic()
    # makes sure there is one even when the caller runs in autocommit.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_VULN_STAGE} ON COMMIT DROP AS "
            f"SELECT {column_list} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {_PG_VULN_STAGE}")
        _pg_copy(cursor, _PG_VULN_STAGE, columns, data)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {_PG_VULN_STAGE} "
            f"ON CONFLICT ({quote('vuln_id')}) DO UPDATE SET {updates}"
        )


def _pg_write(changed: list[LoadRow], stored: dict, now) -> None:
    """Write changed rows (COPY text LoadRows) on PostgreSQL: new ones straight into the table,
    stored ones through the staging upsert."""
    suffix = b"\t" + copy_text(now).encode() + b"\n"
    new = [row[2] for row in changed if row[0] not in stored]
    with connection.cursor() as cursor:
        if new:
            # Absent a moment ago in this transaction: a concurrent import of the same IDs fails here
            # on the unique vuln_id (and its file rolls back) rather than writing children twice.
            _pg_copy(cursor, Vulnerability._meta.db_table, _VULN_COLUMNS, suffix.join(new) + suffix)
    if len(new) < len(changed):
        old = [row[2] for row in changed if row[0] in stored]
        _pg_upsert_vulnerabilities(suffix.join(old) + suffix)


def upsert_vulnerabilities(
    records: Iterable[VulnRecord],
    *,
    batch_size: int | None = None,
    source: str = "",
    file: str = "",
    on_batch: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Create or update vulnerabilities (with aliases, affected products and the CPE index).

    Rows whose content_hash is unchanged are not written at all; see upsert_load_rows().
    """
    return upsert_load_rows(load_rows(records), batch_size=batch_size, source=source, file=file, on_batch=on_batch)


def upsert_load_rows(
    rows: Iterable[LoadRow],
    *,
    batch_size: int | None = None,
    source: str = "",
    file: str = "",
    on_batch: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Create or update vulnerabilities from LoadRows (see load_row()).

    Rows whose content_hash is unchanged are not written at all. Per batch: one query for the
    stored hashes, one multi-row upsert, one query for the ids, and bulk inserts of the children of
    changed rows (whose old children are deleted first). A value the database refuses raises a
    FeedError naming `file`, the batch's first and last IDs and the database's reason; the caller's
    transaction then rolls back.
    """
    result = ImportResult(source=source)
    for chunk in batched(rows, batch_size or BATCH_SIZE):
        try:
            batch = _upsert_batch(chunk, source)
        # Every backend's wrapper carries its driver module as Database; the stubs leave it out.
        except (DatabaseError, connection.Database.Error) as exc:  # type: ignore[attr-defined]
            reason = " ".join(str(exc).split())
            raise FeedError(
                f"the database refused a record: {reason}",
                file=file,
                position=f"records {chunk[0][0]} to {chunk[-1][0]}",
            ) from exc
        result.add(batch)
        if on_batch is not None:
            on_batch(batch)
    return result


def _upsert_batch(chunk: list[LoadRow], source: str) -> ImportResult:
    batch = ImportResult(source=source)
    table = connection.ops.quote_name(Vulnerability._meta.db_table)
    by_id = {row[0]: row for row in chunk}  # a later duplicate wins
    stored = {
        vuln_id: found[0]
        for vuln_id, found in _id_map(
            f"SELECT vuln_id, content_hash FROM {table} WHERE vuln_id IN ({{}})", list(by_id)
        ).items()
    }
    changed = [row for vuln_id, row in by_id.items() if stored.get(vuln_id) != row[1]]
    batch.unchanged = len(by_id) - len(changed)
    if not changed:
        return batch
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        _pg_write(changed, stored, timezone.now())
    else:
        now = (datetime_adapter()(timezone.now()),)
        with connection.cursor() as cursor:
            cursor.executemany(
                _insert_sql(Vulnerability, _VULN_COLUMNS, conflict="vuln_id"), [row[2] + now for row in changed]
            )
    pks = {
        vuln_id: found[0]
        for vuln_id, found in _id_map(
            f"SELECT vuln_id, id FROM {table} WHERE vuln_id IN ({{}})", [row[0] for row in changed]
        ).items()
    }
    existing_pks = [pks[row[0]] for row in changed if row[0] in stored]
    for pk_chunk in batched(existing_pks, 900):
        VulnerabilityAlias.objects.filter(vulnerability_id__in=pk_chunk)._raw_delete(connection.alias)
        AffectedProduct.objects.filter(vulnerability_id__in=pk_chunk)._raw_delete(connection.alias)
        VulnerabilityCpe.objects.filter(vulnerability_id__in=pk_chunk)._raw_delete(connection.alias)
    # COPY text lines on PostgreSQL, parameter tuples elsewhere.
    aliases: list[Any] = []
    affected: list[Any] = []
    cpes: list[Any] = []
    for vuln_id, _hash, _values, row_aliases, row_affected, row_cpes in changed:
        pk = pks[vuln_id]
        if postgresql:
            pk = b"%d\t" % pk
            aliases.extend(pk + alias + b"\n" for alias in row_aliases)
            affected.extend(pk + product + b"\n" for product in row_affected)
            cpes.extend(pk + cpe + b"\n" for cpe in row_cpes)
            continue
        if row_aliases:
            aliases.extend((pk, alias) for alias in row_aliases)
        if row_affected:
            affected.extend((pk, *product) for product in row_affected)
        if row_cpes:
            cpes.extend((pk, *cpe) for cpe in row_cpes)
    with connection.cursor() as cursor:
        for model, columns, child_rows in (
            (VulnerabilityAlias, _ALIAS_COLUMNS, aliases),
            (AffectedProduct, _AFFECTED_COLUMNS, affected),
            (VulnerabilityCpe, _CPE_COLUMNS, cpes),
        ):
            if not child_rows:
                continue
            if postgresql:
                _pg_copy(cursor, model._meta.db_table, columns, b"".join(child_rows))
            else:
                cursor.executemany(_insert_sql(model, columns), child_rows)
    batch.created = sum(1 for row in changed if row[0] not in stored)
    batch.updated = len(changed) - batch.created
    batch.changed_ids = {row[0] for row in changed}
    return batch


_KEV_FIELDS = (
    "vendor_project",
    "product",
    "name",
    "date_added",
    "due_date",
    "known_ransomware_use",
    "required_action",
    "notes",
)


def replace_known_exploited(records: Iterable[KevRecord]) -> ImportResult:
    """Make the KEV table equal to the catalog: add new entries, update changed ones, remove dropped ones."""
    result = ImportResult(source="kev")
    incoming = {record.cve_id: record for record in records}
    stored = {row.cve_id: row for row in KnownExploited.objects.all()}
    to_create, to_update = [], []
    for cve_id, record in incoming.items():
        values = {name: getattr(record, name) for name in _KEV_FIELDS}
        row = stored.get(cve_id)
        if row is None:
            to_create.append(KnownExploited(cve_id=cve_id, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            to_update.append(row)
        else:
            result.unchanged += 1
    removed = [cve_id for cve_id in stored if cve_id not in incoming]
    KnownExploited.objects.bulk_create(to_create, batch_size=1000)
    KnownExploited.objects.bulk_update(to_update, list(_KEV_FIELDS), batch_size=500)
    for chunk in batched(removed, 500):
        KnownExploited.objects.filter(cve_id__in=chunk).delete()
    result.created, result.updated, result.deleted = len(to_create), len(to_update), len(removed)
    result.changed_ids = {row.cve_id for row in to_create} | {row.cve_id for row in to_update} | set(removed)
    return result


def upsert_epss(
    records: Iterable[EpssRecord],
    *,
    batch_size: int | None = None,
    on_batch: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Store the latest EPSS score per CVE; rows already holding the same values are not written.

    An older file never overwrites a newer stored score (score_date decides)."""
    result = ImportResult(source="epss")
    for chunk in batched(records, batch_size or EPSS_BATCH_SIZE):
        batch = ImportResult(source="epss")
        by_id = {record.cve_id: record for record in chunk}
        stored = {
            cve_id: (score, percentile, day)
            for cve_id, score, percentile, day in EpssScore.objects.filter(cve_id__in=list(by_id)).values_list(
                "cve_id", "score", "percentile", "score_date"
            )
        }
        rows = []
        for cve_id, record in by_id.items():
            old = stored.get(cve_id)
            new = (record.score, record.percentile, record.score_date)
            if old == new or (old and old[2] and record.score_date and record.score_date < old[2]):
                batch.unchanged += 1
                continue
            rows.append(
                EpssScore(cve_id=cve_id, score=record.score, percentile=record.percentile, score_date=record.score_date)
            )
            if old is None:
                batch.created += 1
            else:
                batch.updated += 1
        if rows:
            EpssScore.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["cve_id"],
                update_fields=["score", "percentile", "score_date"],
            )
        result.add(batch)
        if on_batch is not None:
            on_batch(batch)
    return result
