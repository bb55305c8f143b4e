"""Checking and normalising custom field values, and who may change which field.

``clean_custom_values`` is what every path (forms, API, import, bulk edit) runs through before a
client's or contact's ``custom_fields`` is saved; ``unique_values_guard`` turns the database's
refusal of a duplicate unique value (two users saving at the same moment) into the same message.
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_date
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from clientela.accounts.models import User
from clientela.accounts.selectors import user_superiors
from clientela.clients.fields import FieldDefinition, FieldType, RecordType
from clientela.clients.validation import clean_email, clean_phone, clean_website

MAX_TEXT = 500
MAX_LONG_TEXT = 20000
_BIGINT = 2**63 - 1


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return value == []


def may_change_restricted(*, user: User, owner: User | None) -> bool:
    """Whether a user may change fields that subordinates may not edit on a record of ``owner``.

    Administrators and the owner's superiors (at any depth) may; so may an owner who is nobody's
    subordinate (the top of the hierarchy). The owner's own subordinates and the owner may not.
    """
    if user.is_admin:
        return True
    if owner is None:
        return False
    if owner.pk == user.pk:
        return owner.manager_id is None
    return any(superior.pk == user.pk for superior in user_superiors(user=owner))


def ensure_may_change_fields(
    *, record_type: str, names: Iterable[str], user: User, owner: User | None, definitions: Any = None
) -> None:
    """Refuse changes to built-in or custom fields that only the owner's superiors and admins may change."""
    from clientela.clients.field_selectors import field_definitions

    names = set(names)
    if not names:
        return
    if definitions is None:
        definitions = field_definitions(record_type=record_type, enabled_only=False)
    restricted = [d for d in definitions if d.name in names and not d.subordinates_may_edit]
    if restricted and not may_change_restricted(user=user, owner=owner):
        raise ValidationError(
            {
                d.name: ValidationError(
                    _("Only the owner's superiors or an administrator can change “%(label)s”.") % {"label": d.label},
                    code="restricted",
                )
                for d in restricted
            }
        )


# One cleaner per type: the value as typed or sent (JSON) → the stored JSON value, or ValidationError.


def _text(value: Any, limit: int, *, collapse: bool) -> str:
    if not isinstance(value, str | int | float | Decimal) or isinstance(value, bool):
        raise ValidationError(_("Enter text."), code="invalid")
    text = " ".join(str(value).split()) if collapse else str(value).strip()
    if len(text) > limit:
        raise ValidationError(
            _("Enter at most %(limit)d characters (this has %(count)d).") % {"limit": limit, "count": len(text)},
            code="max_length",
        )
    return text


def _number_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(_("Enter a number."), code="invalid")
    text = re.sub(r"[\s\u00a0\u202f']", "", str(value))
    # A decimal comma (1,5) where there is no point; thousands separators otherwise go.
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    return text.replace(",", "")


def clean_integer(value: Any) -> int:
    text = _number_text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": value}, code="invalid") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": value}, code="invalid")
    if abs(number) > _BIGINT:
        raise ValidationError(_("“%(value)s” is too large.") % {"value": value}, code="invalid")
    return int(number)


def clean_decimal(value: Any) -> str:
    text = _number_text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": value}, code="invalid") from None
    if not number.is_finite() or len(number.as_tuple().digits) > 30:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": value}, code="invalid")
    # Stored as a string: exact, and read as a number by the index (::numeric, CAST … AS REAL).
    normal = format(number.normalize(), "f")
    return "0" if normal in ("-0", "") else normal


def clean_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise ValidationError(_("Enter a date."), code="invalid")
    text = value.strip()
    parsed = None
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        from datetime import datetime

        for pattern in get_format("DATE_INPUT_FORMATS"):
            try:
                parsed = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValidationError(_("“%(value)s” is not a date.") % {"value": value}, code="invalid")
    return parsed.isoformat()


_TRUE = {"true", "1", "yes", "on", "y"}
_FALSE = {"false", "0", "no", "off", "n"}


def clean_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(_("Choose yes or no."), code="invalid")


def _choice(definition: FieldDefinition, key: Any, current: Iterable[str]) -> str:
    is_key = isinstance(key, str | int) and not isinstance(key, bool)
    option = definition.options_by_key.get(str(key)) if is_key else None
    if option is None:
        raise ValidationError(
            _("“%(value)s” is not one of the choices of “%(label)s”.") % {"value": key, "label": definition.label},
            code="invalid_choice",
        )
    if option.is_retired and option.key not in current:
        raise ValidationError(
            _("“%(value)s” is no longer offered for “%(label)s”.") % {"value": option.label, "label": definition.label},
            code="retired_choice",
        )
    return option.key


def clean_value(definition: FieldDefinition, value: Any, *, current: Any = None, country: str = "") -> Any:
    """One custom value checked and normalised by its field's type; None when empty."""
    if is_empty(value):
        return None
    field_type = definition.field_type
    if field_type == FieldType.TEXT:
        return _text(value, MAX_TEXT, collapse=True) or None
    if field_type == FieldType.LONG_TEXT:
        return _text(value, MAX_LONG_TEXT, collapse=False) or None
    if field_type == FieldType.INTEGER:
        return clean_integer(value)
    if field_type == FieldType.DECIMAL:
        return clean_decimal(value)
    if field_type == FieldType.DATE:
        return clean_date(value)
    if field_type == FieldType.BOOLEAN:
        return clean_boolean(value)
    if field_type == FieldType.EMAIL:
        return clean_email(_text(value, MAX_TEXT, collapse=True)) or None
    if field_type == FieldType.PHONE:
        return clean_phone(_text(value, MAX_TEXT, collapse=True), country) or None
    if field_type == FieldType.URL:
        return clean_website(_text(value, MAX_TEXT, collapse=True)) or None
    had = current if isinstance(current, list) else ([current] if isinstance(current, str) else [])
    if field_type == FieldType.CHOICE:
        return _choice(definition, value, had)
    if field_type == FieldType.MULTI_CHOICE:
        keys = value if isinstance(value, list | tuple) else [value]
        chosen: list[str] = []
        for key in keys:
            if is_empty(key):
                continue
            cleaned = _choice(definition, key, had)
            if cleaned not in chosen:
                chosen.append(cleaned)
        return chosen or None
    raise ValidationError(_("Unknown input type."), code="invalid")  # pragma: no cover


def _record_model(record_type: str) -> Any:
    from clientela.clients.models import Client, Contact

    return Client if record_type == RecordType.CLIENT else Contact


def clean_custom_values(
    *,
    record_type: str,
    kind: str | None,
    values: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    user: User,
    owner: User | None,
    country: str = "",
    record_id: int | None = None,
    definitions: Any = None,
) -> dict[str, Any]:
    """The record's custom values after applying ``values`` to ``current``, checked; raise one error for all.

    ``values`` holds the fields being set (an empty value clears one); keys that are no field are
    refused; values of hidden fields and of fields that do not apply to the client's ``kind`` are
    ignored (and stay as they were). ``current`` is None for a new record: then the rule that only
    superiors may change a field does not apply (entering a record is not editing it). ``country``
    reads phone numbers without a prefix; ``record_id`` lets the uniqueness check skip the record
    itself. Returns JSON-safe values (dates as ISO strings, decimals as strings), empty ones left out.
    """
    from clientela.clients.field_selectors import field_definitions

    if definitions is None:
        definitions = field_definitions(record_type=record_type, enabled_only=False)
    custom = {d.name: d for d in definitions if not d.is_builtin}
    unknown = sorted(set(values) - set(custom))
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)}, code="unknown")
    stored = dict(current or {})
    result = dict(stored.items())
    errors: dict[str, list[ValidationError]] = {}
    changed: list[str] = []
    for name, raw in values.items():
        definition = custom[name]
        if not definition.is_enabled or not definition.applies_to_kind(kind):
            continue
        try:
            cleaned = clean_value(definition, raw, current=stored.get(name), country=country)
        except ValidationError as error:
            errors.setdefault(name, []).append(error)
            continue
        if cleaned is None:
            result.pop(name, None)
        else:
            result[name] = cleaned
        if result.get(name) != stored.get(name):
            changed.append(name)
    for definition in custom.values():
        if (
            definition.is_required
            and definition.is_enabled
            and definition.applies_to_kind(kind)
            and name_missing(result, definition.name)
            and definition.name not in errors
        ):
            errors.setdefault(definition.name, []).append(
                ValidationError(_("Fill in “%(label)s”.") % {"label": definition.label}, code="required")
            )
    for name in changed:
        definition = custom[name]
        if definition.is_unique and name not in errors and _taken(record_type, definition, result[name], record_id):
            errors.setdefault(name, []).append(_unique_error(record_type, definition, result[name]))
    if errors:
        raise ValidationError(errors)
    if current is not None and changed:
        ensure_may_change_fields(
            record_type=record_type, names=changed, user=user, owner=owner, definitions=definitions
        )
    return result


def name_missing(values: Mapping[str, Any], name: str) -> bool:
    return is_empty(values.get(name))


def _taken(record_type: str, definition: FieldDefinition, value: Any, record_id: int | None) -> bool:
    from clientela.clients.fields import CustomValue

    # Whole numbers are compared as numbers (SQLite keeps them as integers in JSON), the rest as text.
    as_number = definition.field_type == FieldType.INTEGER
    records = _record_model(record_type)._base_manager.annotate(
        _value=CustomValue(definition.name, as_number=as_number)
    )
    if record_type == RecordType.CLIENT:
        records = records.exclude(status="merged")
    if record_id is not None:
        records = records.exclude(pk=record_id)
    return bool(records.filter(_value=Decimal(value) if as_number else str(value)).exists())


def _unique_error(record_type: str, definition: FieldDefinition, value: Any) -> ValidationError:
    if record_type == RecordType.CLIENT:
        message = _("Another client already has this %(label)s: %(value)s.")
    else:
        message = _("Another contact already has this %(label)s: %(value)s.")
    return ValidationError(message % {"label": definition.label, "value": value}, code="unique")


_INDEX_NAME = re.compile(r"clients_cf_(\d+)_uniq")


@contextmanager
def unique_values_guard(*, record_type: str, values: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Turn the database's refusal of a duplicate unique value into a ValidationError naming the field.

    Wrap the save of a client or contact in it: two users saving the same value at the same moment
    both pass the check in ``clean_custom_values``, and the unique index lets only one of them in.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        definition = _violated(record_type, str(error))
        if definition is None:
            raise
        value = (values or {}).get(definition.name, "")
        raise ValidationError({definition.name: [_unique_error(record_type, definition, value)]}) from None


def _violated(record_type: str, message: str) -> FieldDefinition | None:
    found = _INDEX_NAME.search(message)
    if found:
        return FieldDefinition.objects.filter(pk=int(found.group(1)), record_type=record_type).first()
    # SQLite names the column of a plain unique index: "UNIQUE constraint failed: clients_client.tax_id".
    table = _record_model(record_type)._meta.db_table
    column = re.search(rf"{table}\.(\w+)", message)
    if column:
        return FieldDefinition.objects.filter(
            record_type=record_type, name=column.group(1), is_builtin=True, is_unique=True
        ).first()
    return None
