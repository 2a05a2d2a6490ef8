"""Deleting a record that evidence refers to is refused, with a message naming what refers to it.

Two sources of references: foreign keys with on_delete=PROTECT (the database enforces them; Django's
collector lists the protected rows) and references the database cannot see, such as an issued
告知書 whose frozen facts name a deal's lines and devices. Apps higher in the layering register a
check for the latter with `register_reference_check`, so that `core` imports none of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Reference:
    """`count` records of kind `label` (a plural verbose name) refer to the record."""

    label: str
    count: int

    def __str__(self) -> str:
        return _("%(label)s: %(count)d") % {"label": self.label, "count": self.count}


class DeletionRefused(Exception):
    """The record is referred to by evidence and stays; `message` says by what (Japanese in the UI)."""

    def __init__(self, *, record: models.Model, references: list[Reference]):
        self.record = record
        self.references = references
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _("%(kind)s “%(record)s” cannot be deleted: %(references)s refer to it and are kept as evidence.") % {
            "kind": self.record._meta.verbose_name,
            "record": self.record,
            "references": _(", ").join(str(reference) for reference in self.references),
        }


ReferenceCheck = Callable[[models.Model], list[Reference]]
_reference_checks: dict[type[models.Model], list[ReferenceCheck]] = {}


def register_reference_check(model: type[models.Model], check: ReferenceCheck) -> None:
    """Add a check listing references to a `model` row that no foreign key expresses."""
    checks = _reference_checks.setdefault(model, [])
    if check not in checks:
        checks.append(check)


def protected_references(error: ProtectedError | RestrictedError) -> list[Reference]:
    """The kinds and numbers of rows a failed delete named as protecting the record."""
    rows = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    counts = Counter(str(row._meta.verbose_name_plural) for row in rows)
    return [Reference(label=label, count=count) for label, count in sorted(counts.items())]


def unseen_references(record: models.Model) -> list[Reference]:
    """The references to `record` that no foreign key expresses (the registered checks)."""
    references: list[Reference] = []
    for check in _reference_checks.get(type(record), []):
        references += [reference for reference in check(record) if reference.count]
    return references


def references_to(record: models.Model) -> list[Reference]:
    """Everything that refers to `record` and would stop its deletion (empty: it may be deleted)."""
    references = unseen_references(record)
    collector = Collector(using=router.db_for_write(type(record), instance=record))
    try:
        collector.collect([record])
    except (ProtectedError, RestrictedError) as error:
        references += protected_references(error)
    return references


def delete_unless_referenced(*, record: models.Model) -> None:
    """Delete `record`, or raise DeletionRefused naming what refers to it; nothing is half-deleted."""
    references = references_to(record)
    if references:
        raise DeletionRefused(record=record, references=references)
    with transaction.atomic():
        try:
            record.delete()
        except (ProtectedError, RestrictedError) as error:
            # A reference added between the check and the delete.
            raise DeletionRefused(record=record, references=protected_references(error)) from None
