"""Filtering and sorting client lists by custom fields (the web list and the API share this).

Query parameters, the same on both:

- ``cf_<name>=<value>``: equal to (a dropdown's option key; ``yes``/``no``; a number or date, or a
  range ``low..high`` with either end left open); a multi-select has the option among its choices.
- ``cf_<name>__contains=<text>``: a text-like field contains the text (ignoring case).
- sort ``cf_<name>`` / ``-cf_<name>``: by the field's value through its expression index
  (``field_services.sort_expression``); clients without a value come first when ascending, last
  when descending.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DecimalField, QuerySet, Value
from django.utils.translation import gettext as _

from clientela.clients.custom_values import clean_date
from clientela.clients.field_services import sort_expression
from clientela.clients.fields import NUMBER_TYPES, SORTABLE_TYPES, CustomValue, FieldDefinition, FieldType
from clientela.core.pagination import CostlyRows, mark_costly

_QS = TypeVar("_QS", bound=QuerySet)
PREFIX = "cf_"
CONTAINS = "__contains"
SORT_ANNOTATION = "cf_sort_value"
TEXT_TYPES = {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL}
FILTERABLE_TYPES = SORTABLE_TYPES | {FieldType.MULTI_CHOICE, FieldType.LONG_TEXT}


@dataclass(frozen=True)
class CustomFilter:
    definition: FieldDefinition
    operation: str  # "eq", "contains" or "range"
    value: Any  # for a range: (low, high), either may be None


def filterable(definitions: Sequence[FieldDefinition]) -> list[FieldDefinition]:
    return [d for d in definitions if not d.is_builtin and d.is_enabled and d.field_type in FILTERABLE_TYPES]


def sortable(definitions: Sequence[FieldDefinition]) -> list[FieldDefinition]:
    return [d for d in definitions if not d.is_builtin and d.is_enabled and d.field_type in SORTABLE_TYPES]


def sort_choices(definitions: Sequence[FieldDefinition]) -> list[tuple[str, str]]:
    """The list's sort choices by custom fields: ascending and descending per sortable field."""
    choices = []
    for d in sortable(definitions):
        choices.append((f"{PREFIX}{d.name}", _("%(label)s (ascending)") % {"label": d.label}))
        choices.append((f"-{PREFIX}{d.name}", _("%(label)s (descending)") % {"label": d.label}))
    return choices


def sort_definition(sort: str, definitions: Sequence[FieldDefinition]) -> FieldDefinition | None:
    name = sort.lstrip("-")
    if not name.startswith(PREFIX):
        return None
    return next((d for d in sortable(definitions) if d.name == name[len(PREFIX) :]), None)


def ordering(sort: str) -> list[str]:
    return [f"-{SORT_ANNOTATION}", "-id"] if sort.startswith("-") else [SORT_ANNOTATION, "id"]


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(str(text).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None


def _bound(definition: FieldDefinition, text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if definition.field_type in NUMBER_TYPES:
        return _number(text)
    try:
        return clean_date(text)
    except Exception:
        return None


def parse_filters(params: Mapping[str, Any], definitions: Sequence[FieldDefinition]) -> list[CustomFilter]:
    """The custom filters named in query parameters; a value that cannot match anything is ignored."""
    found = []
    for d in filterable(definitions):
        key = f"{PREFIX}{d.name}"
        contains = str(params.get(key + CONTAINS) or "").strip()
        if contains and d.field_type in TEXT_TYPES:
            found.append(CustomFilter(d, "contains", contains))
        raw = str(params.get(key) or "").strip()
        if not raw:
            continue
        if d.field_type in NUMBER_TYPES or d.field_type == FieldType.DATE:
            if ".." in raw:
                low, _sep, high = raw.partition("..")
                bounds = (_bound(d, low), _bound(d, high))
                if bounds != (None, None):
                    found.append(CustomFilter(d, "range", bounds))
            elif (value := _bound(d, raw)) is not None:
                found.append(CustomFilter(d, "eq", value))
        elif d.field_type == FieldType.BOOLEAN:
            if raw.lower() in ("yes", "true", "1", "no", "false", "0"):
                found.append(CustomFilter(d, "eq", raw.lower() in ("yes", "true", "1")))
        else:
            found.append(CustomFilter(d, "eq", raw))
    return found


def _param(definition: FieldDefinition, value: Any) -> Any:
    if value is None or definition.field_type not in NUMBER_TYPES:
        return value
    if connection.vendor == "postgresql":
        # numeric, like the index's expression (a float would make PostgreSQL cast the column instead).
        return Value(value, output_field=DecimalField())
    return float(value)


# A list filtered by custom fields pages by sorting the matches' ids first, then fetching the page's
# rows (clientela.core.pagination.CostlyRows): the field's sort index holds the status, the value,
# the id, the name and the owner, so the sort of a filter's thousands of matches reads no table row.
FILTERED_ROWS = CostlyRows(ids_first=True)


def apply_filters(queryset: _QS, filters: Sequence[CustomFilter]) -> _QS:
    if filters:
        queryset = mark_costly(queryset, FILTERED_ROWS)
    for index, item in enumerate(filters):
        d = item.definition
        alias = f"cf_filter_{index}"
        if d.field_type == FieldType.BOOLEAN:
            queryset = queryset.filter(**{f"custom_fields__{d.name}": item.value})
        elif d.field_type == FieldType.MULTI_CHOICE:
            # The stored list read as JSON text: the key, quoted, is one of its items.
            queryset = queryset.alias(**{alias: CustomValue(d.name)}).filter(
                **{f"{alias}__contains": f'"{item.value}"'}
            )
        elif item.operation == "contains":
            queryset = queryset.alias(**{alias: CustomValue(d.name)}).filter(**{f"{alias}__icontains": item.value})
        else:
            # The field's own expression: the filter is served by its index (status, value, id).
            queryset = queryset.alias(**{alias: sort_expression(d)})
            if item.operation == "range":
                low, high = item.value
                if low is not None:
                    queryset = queryset.filter(**{f"{alias}__gte": _param(d, low)})
                else:
                    # "Up to high" must not bring in the records without a value (read as the lowest).
                    queryset = queryset.exclude(**{alias: _param(d, _missing(d))})
                if high is not None:
                    queryset = queryset.filter(**{f"{alias}__lte": _param(d, high)})
            else:
                queryset = queryset.filter(**{alias: _param(d, item.value)})
    return queryset


def apply_sort(queryset: _QS, definition: FieldDefinition) -> _QS:
    """The clients annotated with the field's sort value (the lowest where they have none) for keyset pages."""
    return queryset.annotate(**{SORT_ANNOTATION: sort_expression(definition)})


def _missing(definition: FieldDefinition) -> Any:
    """The Python value the sort expression gives a record without a value."""
    if definition.field_type in NUMBER_TYPES:
        return Decimal("-1e308")
    return ""
