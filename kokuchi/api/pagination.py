"""Cursor pagination by keyset: (ordering field, id) positions, so that every row is listed once
whatever the ordering, ties and missing values included, and a deep page costs no OFFSET."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

# The range of a 64-bit integer column: larger numbers in a cursor cannot name a row.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class SortKey:
    """The list's order: one field, then the id in the same direction to break ties (so that one
    index on (field, id) serves both directions); or the id alone. Missing values of a nullable
    field come last in both directions, on every database."""

    field: str
    descending: bool
    nullable: bool = False

    @property
    def by_id(self) -> bool:
        return self.field == "pk"

    def order_by(self, *, backwards: bool) -> list[OrderBy]:
        """The list's order, or its exact reverse to read the rows before a position."""
        down = self.descending != backwards
        pk = F("pk").desc() if down else F("pk").asc()
        if self.by_id:
            return [pk]
        value = F(self.field)
        if not self.nullable:
            return [value.desc() if down else value.asc(), pk]
        if backwards:
            return [value.desc(nulls_first=True) if down else value.asc(nulls_first=True), pk]
        return [value.desc(nulls_last=True) if down else value.asc(nulls_last=True), pk]

    def _beyond(self, value: Any, pk: int, *, down: bool) -> Q:
        """Rows past (value, pk) walking the field and the id downwards (`down`) or upwards; the
        leading range on the field lets the database seek in the (field, id) index."""
        further, bound, pk_further = ("lt", "lte", "pk__lt") if down else ("gt", "gte", "pk__gt")
        return Q(**{f"{self.field}__{bound}": value}) & (
            Q(**{f"{self.field}__{further}": value}) | Q(**{pk_further: pk})
        )

    def after(self, value: Any, pk: int) -> Q:
        """Rows after (value, pk) in the list's order."""
        pk_later = "pk__lt" if self.descending else "pk__gt"
        if self.by_id:
            return Q(**{pk_later: pk})
        missing = f"{self.field}__isnull"
        if value is None:
            return Q(**{missing: True}, **{pk_later: pk})
        later = self._beyond(value, pk, down=self.descending)
        return later | Q(**{missing: True}) if self.nullable else later

    def before(self, value: Any, pk: int) -> Q:
        """Rows before (value, pk) in the list's order."""
        pk_earlier = "pk__gt" if self.descending else "pk__lt"
        if self.by_id:
            return Q(**{pk_earlier: pk})
        missing = f"{self.field}__isnull"
        if value is None:
            return Q(**{missing: False}) | Q(**{missing: True}, **{pk_earlier: pk})
        return self._beyond(value, pk, down=not self.descending)


@dataclass(frozen=True)
class Position:
    backwards: bool
    value: Any
    pk: int


class IdCursorPagination(CursorPagination):
    """Cursor pagination in id order by default: stable under inserts and fast on large tables.
    An ``ordering`` parameter sorts by its first field, then by id."""

    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.key = self._sort_key(request, queryset, view)
        position = self._decode(request, queryset)
        backwards = position is not None and position.backwards
        queryset = queryset.order_by(*self.key.order_by(backwards=backwards))
        if position is not None:
            bound = self.key.before if backwards else self.key.after
            queryset = queryset.filter(bound(position.value, position.pk))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if backwards:
            self.page.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_previous, self.has_next = position is not None, more
        return self.page

    def get_next_link(self) -> str | None:
        if not (self.has_next and self.page):
            return None
        return self._link(self.page[-1], backwards=False)

    def get_previous_link(self) -> str | None:
        if not (self.has_previous and self.page):
            return None
        return self._link(self.page[0], backwards=True)

    def _sort_key(self, request, queryset: QuerySet, view) -> SortKey:
        ordering = self.get_ordering(request, queryset, view)[0]
        field = ordering.lstrip("-")
        descending = ordering.startswith("-")
        if field in ("pk", "id"):
            return SortKey(field="pk", descending=descending)
        nullable = queryset.model._meta.get_field(field).null
        return SortKey(field=field, descending=descending, nullable=nullable)

    def _link(self, row: Any, *, backwards: bool) -> str:
        value = None if self.key.by_id else getattr(row, self.key.field)
        if isinstance(value, (datetime.date, datetime.time)):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (int, str)):
            value = str(value)
        token = json.dumps({"b": backwards, "v": value, "k": row.pk}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(token.encode()).decode()
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def _decode(self, request, queryset: QuerySet) -> Position | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            token = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")))
            backwards, value, pk = token["b"], token["v"], token["k"]
            if not isinstance(backwards, bool) or type(pk) is not int or not MIN_INT <= pk <= MAX_INT:
                raise ValueError(pk)
            if not self.key.by_id and value is not None:
                value = queryset.model._meta.get_field(self.key.field).to_python(value)
                if isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
                    raise ValueError(value)
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, ValidationError, FieldDoesNotExist):
            raise NotFound(self.invalid_cursor_message) from None
        return Position(backwards=backwards, value=value, pk=pk)
