"""Keyset ("seek") pagination: pages cost the same on row 10 and row 1,000,000.

A cursor holds the sort values of the last (or first) row shown; the next page asks for rows
after it in the same order, using the index instead of an OFFSET that reads every skipped row.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Field, Model, Q, QuerySet


class InvalidCursor(ValueError):
    pass


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, cls=DjangoJSONEncoder).encode()).decode().rstrip("=")


def _decode(cursor: str, model: type[Model], ordering: list[str]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor(cursor) from None
    if not isinstance(raw, list) or len(raw) != len(ordering):
        raise InvalidCursor(cursor)
    try:
        fields = [cast(Field, model._meta.get_field(key.lstrip("-"))) for key in ordering]
        return [field.to_python(value) for field, value in zip(fields, raw, strict=True)]
    except Exception as error:  # a tampered cursor: any conversion error means "not ours"
        raise InvalidCursor(cursor) from error


def _after(ordering: list[str], values: list[Any], *, reverse: bool) -> Q:
    """Rows strictly after ``values`` in ``ordering`` (or before it when ``reverse``).

    Written as ``first >= v AND NOT (first = v AND NOT <rest after>)`` rather than the textbook
    ``first > v OR (first = v AND ...)``: the same rows, but with no OR at the top the database
    seeks the sort index to the cursor instead of collecting every later row and sorting them.
    """
    field = ordering[0].lstrip("-")
    descending = ordering[0].startswith("-") != reverse
    if len(ordering) == 1:
        return Q(**{f"{field}__{'lt' if descending else 'gt'}": values[0]})
    rest = _after(ordering[1:], values[1:], reverse=reverse)
    return Q(**{f"{field}__{'lte' if descending else 'gte'}": values[0]}) & ~(Q(**{field: values[0]}) & ~rest)


def _flip(ordering: list[str]) -> list[str]:
    return [key[1:] if key.startswith("-") else f"-{key}" for key in ordering]


def keyset_page(
    queryset: QuerySet, *, ordering: list[str], size: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """One page of ``queryset`` sorted by ``ordering`` (which must end in a unique field)."""
    model = queryset.model
    if before:
        values = _decode(before, model, ordering)
        rows = list(queryset.filter(_after(ordering, values, reverse=True)).order_by(*_flip(ordering))[: size + 1])
        has_more = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            items=rows,
            next_cursor=_cursor(rows[-1], ordering) if rows else None,
            previous_cursor=_cursor(rows[0], ordering) if rows and has_more else None,
        )
    if after:
        values = _decode(after, model, ordering)
        queryset = queryset.filter(_after(ordering, values, reverse=False))
    rows = list(queryset.order_by(*ordering)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        items=rows,
        next_cursor=_cursor(rows[-1], ordering) if rows and has_more else None,
        previous_cursor=_cursor(rows[0], ordering) if rows and after else None,
    )


def _cursor(row: Model, ordering: list[str]) -> str:
    return _encode([getattr(row, key.lstrip("-")) for key in ordering])


def capped_count(queryset: QuerySet, cap: int) -> tuple[int, bool]:
    """Count up to ``cap`` rows; the flag says there are more (a million rows are never counted)."""
    count = queryset.order_by()[: cap + 1].count()
    return min(count, cap), count > cap
