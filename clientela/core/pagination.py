"""Keyset ("seek") pagination: pages cost the same on row 10 and row 1,000,000.

A cursor holds the sort values of the last (or first) row shown; the next page asks for rows
after it in the same order, using the index instead of an OFFSET that reads every skipped row.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import Field, Model, Q, QuerySet

_QS = TypeVar("_QS", bound=QuerySet)


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class CostlyRows:
    """How to page and count a queryset whose every row is costly to reach, such as a substring search.

    ``count_cap`` lowers the cap of ``capped_count``; ``ids_first`` makes ``keyset_page`` sort just
    the matches' ids (no joined tables, no wide rows) and then fetch the page's rows by id.
    ``sqlite_index`` names a narrow index that holds the id and every column the sort of the ids
    reads: SQLite is told to read the matches there (``INDEXED BY``) rather than look each one up
    by rowid in the table, whose wide rows cost a page read apiece.
    """

    count_cap: int | None = None
    ids_first: bool = False
    sqlite_index: str | None = None


_HINT = "clientela_costly_rows"


def mark_costly(queryset: _QS, hints: CostlyRows) -> _QS:
    """``queryset`` with ``hints`` attached; every queryset derived from it keeps them."""
    queryset = queryset.all()
    # On the query rather than the queryset: Django copies a query's attributes to each clone.
    setattr(queryset.query, _HINT, hints)
    return queryset


def costly_rows(queryset: QuerySet) -> CostlyRows:
    return getattr(queryset.query, _HINT, None) or CostlyRows()


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    # ``capped_count``'s answer, when the page's own query could tell it (``keyset_page(count_cap=…)``).
    counted: tuple[int, bool] | None = None


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
        return [_to_python(model, key.lstrip("-"), value) for key, value in zip(ordering, raw, strict=True)]
    except Exception as error:  # a tampered cursor: any conversion error means "not ours"
        raise InvalidCursor(cursor) from error


def _to_python(model: type[Model], key: str, value: Any) -> Any:
    try:
        field = cast(Field, model._meta.get_field(key))
    except FieldDoesNotExist:
        # An annotation (a custom field's value, clientela.clients.custom_list): a JSON scalar as it is.
        if value is not None and not isinstance(value, str | int | float):
            raise InvalidCursor(key) from None
        return value
    return field.to_python(value)


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
    queryset: QuerySet,
    *,
    ordering: list[str],
    size: int,
    after: str | None = None,
    before: str | None = None,
    count_cap: int | None = None,
) -> KeysetPage:
    """One page of ``queryset`` sorted by ``ordering`` (which must end in a unique field).

    ``count_cap``: on a first page of costly rows sorted by their ids first, read as many ids as
    their capped count needs and set ``counted``, as ``capped_count(queryset, count_cap)`` would
    answer (the rows' own cap applies too; rows without one are not counted here). Sorting the matches
    reads every one of them anyway, so keeping the first ``count_cap + 1`` instead of the first
    page costs next to nothing, where a count of its own would read the matches again (for a
    user who sees few of them, all of them: docs/performance.md, finding 35).
    """
    model = queryset.model
    if before:
        values = _decode(before, model, ordering)
        rows, _counted = _rows(queryset.filter(_after(ordering, values, reverse=True)), _flip(ordering), size + 1)
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
    rows, counted = _rows(queryset, ordering, size + 1, count_cap=None if after else count_cap)
    has_more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        items=rows,
        next_cursor=_cursor(rows[-1], ordering) if rows and has_more else None,
        previous_cursor=_cursor(rows[0], ordering) if rows and after else None,
        counted=counted,
    )


def _rows(
    queryset: QuerySet, ordering: list[str], limit: int, *, count_cap: int | None = None
) -> tuple[list[Any], tuple[int, bool] | None]:
    """The first ``limit`` rows of ``queryset`` in ``ordering``, and with ``count_cap`` their capped count when the
    ids sorted first tell it (else None)."""
    hints = costly_rows(queryset)
    if not hints.ids_first or queryset.query.annotation_select:
        # Annotated rows (counts, …) would lose their annotations in the second step (aliases, which
        # only filter or sort, are no such loss).
        return list(queryset.order_by(*ordering)[:limit]), None
    # Sort only the ids, then fetch the page's rows (with the queryset's joins and prefetches) by
    # id: the sort then carries two columns per match instead of every column of two tables.
    cap = None if count_cap is None or hints.count_cap is None else min(count_cap, hints.count_cap)
    wanted = limit if cap is None else max(limit, cap + 1)
    ids = _ids(queryset.order_by(*ordering).values_list("pk", flat=True)[:wanted], hints.sqlite_index)
    counted = None if cap is None else (min(len(ids), cap), len(ids) > cap)
    ids = ids[:limit]
    by_id = {row.pk: row for row in _same_fetch(queryset).filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id], counted


def _ids(query: QuerySet, sqlite_index: str | None) -> list[Any]:
    """The ids ``query`` selects, read through ``sqlite_index`` on SQLite when one is named."""
    database = connections[query.db]
    if sqlite_index is None or database.vendor != "sqlite":
        return list(query)
    sql, params = query.query.sql_with_params()
    table = f"FROM {database.ops.quote_name(query.model._meta.db_table)} "
    if sql.count(table) != 1:  # a query that reads the table twice is left to the planner
        return list(query)
    hinted = sql.replace(table, f"{table}INDEXED BY {database.ops.quote_name(sqlite_index)} ")
    with database.cursor() as cursor:
        cursor.execute(hinted, params)
        return [row[0] for row in cursor.fetchall()]


def _same_fetch(queryset: QuerySet) -> QuerySet:
    """A queryset of the same model with ``queryset``'s joins and prefetches but none of its filters."""
    fetch = queryset.model._base_manager.all()  # the ids were chosen by the filtered queryset
    fetch.query.select_related = queryset.query.select_related
    fetch.query.deferred_loading = queryset.query.deferred_loading
    lookups = getattr(queryset, "_prefetch_related_lookups", ())  # Django keeps them there; not in the stubs
    return fetch.prefetch_related(*lookups)


def _cursor(row: Model, ordering: list[str]) -> str:
    return _encode([getattr(row, key.lstrip("-")) for key in ordering])


def capped_count(queryset: QuerySet, cap: int, *, parts: Sequence[QuerySet] = ()) -> tuple[int, bool]:
    """Count up to ``cap`` rows (fewer for costly rows); the flag says there are more (a million are never counted).

    ``parts``, disjoint querysets that add up to ``queryset``, are counted one after the other
    instead, each only as far as the cap leaves (a part may have an index the whole cannot use).
    """
    cap = min(cap, costly_rows(queryset).count_cap or cap)
    count = 0
    for part in parts or [queryset]:
        count += part.order_by()[: cap + 1 - count].count()
        if count > cap:
            break
    return min(count, cap), count > cap
