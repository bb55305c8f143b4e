"""The field settings applied to a client or contact being saved: custom values and built-in rules.

The services call these on every path (forms, API, bulk create and import, bulk edit, restore): custom
values are checked by ``clean_custom_values``; built-in fields honour "required" and "subordinates may
not edit"; errors are keyed ``cf_<name>`` for a custom field (the form's field name; the API nests
them under ``custom_fields``). Also here: the text of custom values that search covers, the display
of custom values (history, detail panel, exports) and the merge screen's custom fields.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from clientela.accounts.models import User
from clientela.clients.custom_values import (
    clean_custom_values,
    ensure_may_change_fields,
    is_empty,
    unique_values_guard,
)
from clientela.clients.fields import FieldDefinition, FieldType, RecordType

PREFIX = "cf_"
# Custom values that search covers (folded into the client's search_text).
SEARCHED_TYPES = {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL}
_SEARCHED_LENGTH = 300  # of a long text: enough to find it by its start


_PINNED: ContextVar[dict[str, list[FieldDefinition]] | None] = ContextVar("pinned_field_definitions", default=None)


def definitions(record_type: str) -> list[FieldDefinition]:
    """Every field of the record type, hidden ones too (two queries): what the checks below need."""
    from clientela.clients.field_selectors import field_definitions

    pinned = _PINNED.get()
    if pinned is None:
        return field_definitions(record_type=record_type, enabled_only=False)
    if record_type not in pinned:
        pinned[record_type] = field_definitions(record_type=record_type, enabled_only=False)
    return pinned[record_type]


@contextmanager
def pinned_definitions() -> Iterator[None]:
    """Read each record type's field settings once for the block instead of once per record.

    For work on many records in one go (a batch of an import): a field changed meanwhile applies
    from the next block on.
    """
    token = _PINNED.set({})
    try:
        yield
    finally:
        _PINNED.reset(token)


def _keyed(error: ValidationError, custom_names: Iterable[str]) -> ValidationError:
    """The error with custom fields' keys as ``cf_<name>``."""
    names = set(custom_names)
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {(f"{PREFIX}{key}" if key in names else key): messages for key, messages in error.error_dict.items()}
    )


def clean_custom(
    *,
    record_type: str,
    kind: str | None,
    values: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None,
    user: User,
    owner: User | None,
    country: str = "",
    record_id: int | None = None,
    fields: Sequence[FieldDefinition],
) -> dict[str, Any]:
    """The record's custom values after applying ``values`` (partial), checked; errors keyed ``cf_<name>``."""
    values = dict(values or {})
    custom = {d.name for d in fields if not d.is_builtin}
    unknown = sorted(set(values) - custom)
    errors: dict[str, Any] = {f"{PREFIX}{name}": [_("There is no field with this name.")] for name in unknown}
    for name in unknown:
        values.pop(name)
    try:
        cleaned = clean_custom_values(
            record_type=record_type,
            kind=kind,
            values=values,
            current=current,
            user=user,
            owner=owner,
            country=country,
            record_id=record_id,
            definitions=fields,
        )
    except ValidationError as error:
        errors.update(_keyed(error, custom).error_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_builtins(
    *,
    record_type: str,
    kind: str | None,
    given: Iterable[str],
    values: Mapping[str, Any],
    current: Any,
    user: User,
    owner: User | None,
    fields: Sequence[FieldDefinition],
    extra_changed: Iterable[str] = (),
) -> None:
    """Required built-ins refuse empty values; fields subordinates may not edit refuse their changes.

    ``given`` names the fields the caller sent (a required field is checked when sent, and on
    create); ``values`` are the cleaned values; ``current`` the record before the change (None on
    create); ``extra_changed`` names changed relations (owner, groups).
    """
    given = set(given)
    builtin = {d.name: d for d in fields if d.is_builtin}
    errors: dict[str, list[ValidationError]] = {}
    for name, definition in builtin.items():
        if not (definition.is_enabled and definition.is_required and definition.applies_to_kind(kind)):
            continue
        if name in ("owner", "groups") or (current is not None and name not in given):
            continue  # the owner is always set; groups are checked by the service that has them
        value = values.get(name)
        if name not in values and current is None:
            from clientela.clients.field_services import builtin_model_field

            model_field = builtin_model_field(record_type, name)
            value = model_field.get_default() if model_field is not None else None  # what the record gets
        if is_empty(value):
            errors[name] = [ValidationError(_("Fill in “%(label)s”.") % {"label": definition.label}, code="required")]
    if errors:
        raise ValidationError(errors)
    if current is None:
        return
    changed = [name for name in values if name in builtin and getattr(current, name, None) != values[name]]
    changed += [name for name in extra_changed if name in builtin]
    ensure_may_change_fields(record_type=record_type, names=changed, user=user, owner=owner, definitions=fields)


@contextmanager
def guard(record_type: str, values: Mapping[str, Any], fields: Sequence[FieldDefinition]) -> Iterator[None]:
    """``unique_values_guard`` with its error keyed like the others."""
    try:
        with unique_values_guard(record_type=record_type, values=values):
            yield
    except ValidationError as error:
        raise _keyed(error, [d.name for d in fields if not d.is_builtin]) from None


def searched_texts(custom_fields: Mapping[str, Any], fields: Sequence[FieldDefinition] | None) -> list[str]:
    """The text-like custom values of a client, for its search_text."""
    if not custom_fields:
        return []
    if fields is None:
        fields = definitions(RecordType.CLIENT)
    texts = []
    for definition in fields:
        value = custom_fields.get(definition.name)
        if isinstance(value, str) and not definition.is_builtin and definition.field_type in SEARCHED_TYPES:
            texts.append(value.lstrip("+")[:_SEARCHED_LENGTH])
    return texts


# Display -------------------------------------------------------------------------------------------


def display_value(definition: FieldDefinition | None, value: Any) -> str:
    """A stored custom value as a reader sees it: option labels, yes/no, local numbers and dates."""
    if is_empty(value):
        return ""
    if definition is None:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    field_type = definition.field_type
    if field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        options = {option.key: option.label for option in definition.options.all()}
        keys = value if isinstance(value, list) else [value]
        return ", ".join(options.get(str(key), str(key)) for key in keys)
    if field_type == FieldType.BOOLEAN:
        return _("Yes") if value is True or str(value).lower() == "true" else _("No")
    if field_type == FieldType.DATE:
        try:
            return date_format(date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    if field_type in (FieldType.INTEGER, FieldType.DECIMAL):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        places = max(0, -int(number.as_tuple().exponent)) if field_type == FieldType.DECIMAL else 0
        return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)
    if field_type == FieldType.PHONE:
        from clientela.clients.validation import format_phone

        return format_phone(str(value))
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def displayed_values(
    custom_fields: Mapping[str, Any], fields: Sequence[FieldDefinition], *, kind: str | None = None
) -> list[dict[str, Any]]:
    """The record's custom values that are shown (enabled fields that apply), in sort order, for reading."""
    shown = []
    for definition in fields:
        if definition.is_builtin or not definition.is_enabled or not definition.applies_to_kind(kind):
            continue
        value = custom_fields.get(definition.name)
        if is_empty(value):
            continue
        shown.append(
            {
                "name": definition.name,
                "label": definition.label,
                "value": value,
                "text": display_value(definition, value),
                "type": definition.field_type,
            }
        )
    return shown


# Merge -----------------------------------------------------------------------------------------


def merge_field_provider() -> list[Any]:
    """The custom fields of clients as merge fields (registered in MERGE_FIELD_PROVIDERS)."""
    from clientela.clients.field_selectors import custom_field_definitions
    from clientela.clients.merge import MergeField

    def reader(name: str) -> Any:
        return lambda client: client.custom_fields.get(name)

    def writer(name: str) -> Any:
        def write(client: Any, value: Any) -> None:
            values = dict(client.custom_fields or {})
            if is_empty(value):
                values.pop(name, None)
            else:
                values[name] = value
            client.custom_fields = values

        return write

    return [
        MergeField(f"{PREFIX}{d.name}", d.label, (), read=reader(d.name), write=writer(d.name))
        for d in custom_field_definitions(record_type=RecordType.CLIENT)
    ]


def readable_custom_changes(history: list[dict[str, Any]]) -> None:
    """Custom values in a change log (``client_history``) replaced by what a reader sees."""
    if not any(c["field"].startswith("custom_fields.") for entry in history for c in entry["changes"]):
        return
    by_name = {d.name: d for d in definitions(RecordType.CLIENT) if not d.is_builtin}
    for entry in history:
        for change in entry["changes"]:
            if change["field"].startswith("custom_fields."):
                definition = by_name.get(change["field"].partition(".")[2])
                change["old"] = display_value(definition, change["old"])
                change["new"] = display_value(definition, change["new"])
