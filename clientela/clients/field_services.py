"""Every write to the field settings: one function per action, one transaction each, administrators only.

Unique fields are enforced by the database: making a field unique creates a unique partial index
(an expression index on the JSON key for a custom field), built and dropped here inside the
service's transaction. Custom fields of a sortable type also get a plain expression index, so that
lists can filter and sort by them at any size (``CustomValue`` in queries matches it exactly).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.accounts.models import User
from clientela.accounts.permissions import require_admin
from clientela.clients import cities
from clientela.clients.custom_values import clean_value
from clientela.clients.fields import (
    LANGUAGES,
    OPTION_TYPES,
    SORTABLE_TYPES,
    UNIQUE_TYPES,
    AppliesTo,
    CustomValue,
    FieldDefinition,
    FieldOption,
    FieldType,
    RecordType,
    first_text,
    sort_sql,
    validate_field_name,
    value_sql,
)
from clientela.core.errors import DomainError

# Columns of clients and contacts that are not data a user enters: never listed as fields.
SYSTEM_FIELDS = {
    RecordType.CLIENT: {
        "id", "created_at", "updated_at", "created_by", "updated_by", "version", "locked_by", "locked_at",
        "merged_into", "status", "search_text", "custom_fields",
    },
    RecordType.CONTACT: {"id", "created_at", "updated_at", "client", "custom_fields"},
}  # fmt: skip
# Built-in fields that cannot be hidden, and why:
# - a client's ``name`` is the legal name that identifies it on every page, document and search;
# - ``kind`` decides which fields apply (company or individual);
# - ``country`` is required by the data model: ids and phones are checked and the currency chosen by it;
# - a contact's ``last_name`` is what names the contact.
# The same fields are always required. Everything else may be hidden: hidden fields keep their
# stored values, and ``currency`` and ``owner`` get defaults (the country's, the creating user).
ALWAYS_SHOWN = {
    RecordType.CLIENT: {"name", "kind", "country"},
    RecordType.CONTACT: {"last_name"},
}
ALWAYS_REQUIRED = ALWAYS_SHOWN
# Built-in types that can be unique (single text columns); empty values never clash.
BUILTIN_UNIQUE_TYPES = {FieldType.TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL}

# What an admin may set on a field; ``name``, ``record_type`` and ``is_builtin`` never change.
SETTINGS = (
    "labels", "help_texts", "field_type", "is_enabled", "is_required", "is_unique", "applies_to",
    "sort_order", "subordinates_may_edit", "shown_on_mobile",
)  # fmt: skip


def record_model(record_type: str) -> type[models.Model]:
    from clientela.clients.models import Client, Contact

    return Client if record_type == RecordType.CLIENT else Contact


def builtin_model_field(record_type: str, name: str) -> Any:
    """The model field behind a built-in field definition (None once the column is gone)."""
    try:
        return record_model(record_type)._meta.get_field(name)
    except Exception:
        return None


# Built-in fields ---------------------------------------------------------------------------------


def _builtin_type(field: Any) -> str:
    if field.many_to_many:
        return FieldType.MULTI_CHOICE
    if field.is_relation or field.choices or field.name.endswith("country") or field.name == "currency":
        return FieldType.CHOICE
    if isinstance(field, models.EmailField):
        return FieldType.EMAIL
    if isinstance(field, models.URLField):
        return FieldType.URL
    if isinstance(field, models.BooleanField):
        return FieldType.BOOLEAN
    if isinstance(field, models.TextField):
        return FieldType.LONG_TEXT
    if field.name == "phone":
        return FieldType.PHONE
    return FieldType.TEXT


def builtin_fields(record_type: str, model: Any = None) -> list[Any]:
    """The model fields of a record type that users enter, in the model's order."""
    model = model or record_model(record_type)
    skip = SYSTEM_FIELDS[RecordType(record_type)]
    return [
        field
        for field in model._meta.get_fields()
        if not field.auto_created and getattr(field, "concrete", False) and field.name not in skip
    ]


def sync_builtin_definitions(definition_model: Any, models_by_type: Mapping[str, Any]) -> int:
    """Create the definitions of built-in fields that have none yet; used by migration 0011 and at startup."""
    created = 0
    for record_type, model in models_by_type.items():
        existing = set(definition_model.objects.filter(record_type=record_type).values_list("name", flat=True))
        top = definition_model.objects.filter(record_type=record_type).aggregate(top=Max("sort_order"))["top"] or 0
        seen: set[str] = set()
        for position, field in enumerate(builtin_fields(record_type, model), start=1):
            if field.name in existing or field.name in seen:
                continue
            seen.add(field.name)
            definition_model.objects.create(
                record_type=record_type,
                name=field.name,
                is_builtin=True,
                field_type=_builtin_type(field),
                is_required=field.name in ALWAYS_REQUIRED[RecordType(record_type)],
                # Existing built-ins stay editable by everyone who may edit the record, as before.
                subordinates_may_edit=True,
                sort_order=(position * 10) if not existing else top + position * 10,
            )
            created += 1
    return created


def field_sync_builtins() -> int:
    """Give every built-in field of clients and contacts a definition (a field added later appears)."""
    with transaction.atomic():
        return sync_builtin_definitions(
            FieldDefinition, {record_type: record_model(record_type) for record_type in RecordType.values}
        )


# Indexes -----------------------------------------------------------------------------------------


def _table(definition: FieldDefinition) -> str:
    return str(record_model(definition.record_type)._meta.db_table)


def _quote(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _drop_index(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {_quote(name)}")


def _merged_condition(definition: FieldDefinition) -> str:
    # Merged clients live on in their survivor, whose value they share: they never clash.
    return f" AND {_quote('status')} <> 'merged'" if definition.record_type == RecordType.CLIENT else ""


def _create_unique_index(definition: FieldDefinition) -> None:
    table = _quote(_table(definition))
    if definition.is_builtin:
        column = _quote(definition.name)
        condition = f"{column} <> ''"
        expression = column
    else:
        expression = value_sql(_quote("custom_fields"), definition.name, connection.vendor)
        condition = f"coalesce({expression}, '') <> ''"
    sql = (
        f"CREATE UNIQUE INDEX {_quote(definition.unique_index_name)} ON {table} ({expression}) "
        f"WHERE {condition}{_merged_condition(definition)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
    _analyze(definition, definition.unique_index_name)


def _create_sort_index(definition: FieldDefinition) -> None:
    as_number = definition.field_type in (FieldType.INTEGER, FieldType.DECIMAL)
    expression = sort_sql(
        _quote("custom_fields"),
        definition.name,
        connection.vendor,
        as_number=as_number,
        is_boolean=definition.field_type == FieldType.BOOLEAN,
    )
    columns = sort_index_columns(definition.record_type, expression, _quote)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX {_quote(definition.index_name)} ON {_quote(_table(definition))} ({', '.join(columns)})"
        )
    _analyze(definition, definition.index_name)


def _analyze(definition: FieldDefinition, index: str) -> None:
    """Give the query planner the statistics of a new index.

    Without them SQLite takes an equality on a never-analysed index to match a handful of rows: a
    custom field's index, led by the status like the name index, then looked better than the name
    index for the list's ``status = 'active' … ORDER BY name`` and every list page and export sorted
    the whole register (docs/performance.md, finding 28). SQLite reads just the index; PostgreSQL
    samples the table (it keeps statistics of an index's expressions with the table's).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"ANALYZE {_quote(index)}")
        else:
            cursor.execute(f"ANALYZE {_quote(_table(definition))}")


def sort_index_columns(record_type: str, expression: str, quote: Any) -> list[str]:
    """The columns of a custom field's sort index (migration 0015 rebuilds older ones in this shape).

    Lists filter by status first (clients) and page by (value, id): one index serves both. After
    the unique id, where they change no order, a client's name and owner: a list filtered by the
    field and sorted by name, or a user's visibility, is then read from the index alone.
    """
    if record_type == RecordType.CLIENT:
        return [quote("status"), expression, quote("id"), quote("name"), quote("owner_id")]
    return [expression, quote("id")]


def sort_expression(definition: FieldDefinition) -> CustomValue:
    """The expression to filter and sort by a custom field with, matching its index."""
    return CustomValue(
        definition.name,
        as_number=definition.field_type in (FieldType.INTEGER, FieldType.DECIMAL),
        for_sorting=True,
        is_boolean=definition.field_type == FieldType.BOOLEAN,
    )


def _sync_indexes(definition: FieldDefinition, *, before: tuple[str, bool] | None) -> None:
    """Rebuild the field's indexes where its type or uniqueness changed (before = (type, unique))."""
    if connection.vendor == "postgresql":
        # PostgreSQL builds no index on a table with deferred foreign-key checks pending from rows
        # written earlier in the transaction: run those checks now.
        connection.check_constraints()
    field_type, unique = before or (None, False)
    if not definition.is_builtin and field_type != definition.field_type:
        _drop_index(definition.index_name)
        if definition.field_type in SORTABLE_TYPES:
            _create_sort_index(definition)
    if unique and (not definition.is_unique or field_type != definition.field_type):
        _drop_index(definition.unique_index_name)
        unique = False
    if definition.is_unique and not unique:
        _create_unique_index(definition)


# Checks ------------------------------------------------------------------------------------------


def _clean_texts(texts: Mapping[str, Any] | None, *, limit: int, what: str) -> dict[str, str]:
    cleaned = {}
    for code, text in (texts or {}).items():
        if code not in LANGUAGES:
            raise ValidationError({what: _("“%(code)s” is not one of the languages.") % {"code": code}})
        text = " ".join(str(text or "").split()) if what != "help_texts" else str(text or "").strip()
        if len(text) > limit:
            raise ValidationError({what: _("Enter at most %(limit)d characters.") % {"limit": limit}})
        if text:
            cleaned[code] = text
    return cleaned


def _stored_values(definition: FieldDefinition) -> Iterable[tuple[int, dict[str, Any]]]:
    """(id, custom_fields) of each record that has a value for the custom field."""
    model = record_model(definition.record_type)
    records = model._base_manager.annotate(_value=CustomValue(definition.name)).filter(_value__isnull=False)
    return records.values_list("pk", "custom_fields").order_by("pk").iterator(chunk_size=2000)


def value_count(definition: FieldDefinition) -> int:
    """How many records have a value for a custom field (0 for built-ins: their column is always there)."""
    if definition.is_builtin:
        return 0
    model = record_model(definition.record_type)
    return model._base_manager.annotate(_value=CustomValue(definition.name)).filter(_value__isnull=False).count()


def _converted(definition: FieldDefinition, new_type: str) -> dict[int, Any]:
    """Each stored value converted to ``new_type``; refused, with how many do not fit, when some do not."""
    probe = FieldDefinition(pk=definition.pk, name=definition.name, field_type=new_type, labels=definition.labels)
    options = {option.key: option for option in definition.options.all()}
    # Options carry over between dropdown and multi-select; otherwise an option's key becomes its label.
    if new_type in OPTION_TYPES:
        probe._prefetched_objects_cache = {"options": definition.options.all()}  # type: ignore[attr-defined]
    converted: dict[int, Any] = {}
    misfits = 0
    for pk, values in _stored_values(definition):
        value = values.get(definition.name)
        if definition.field_type in OPTION_TYPES and new_type not in OPTION_TYPES:
            keys = value if isinstance(value, list) else [value]
            if new_type != FieldType.LONG_TEXT and len(keys) > 1:
                misfits += 1
                continue
            value = ", ".join(options[key].label if key in options else str(key) for key in keys)
        elif isinstance(value, list):
            if new_type != FieldType.MULTI_CHOICE and len(value) > 1:
                misfits += 1
                continue
            value = value[0] if value and new_type != FieldType.MULTI_CHOICE else value
        elif isinstance(value, bool) and new_type not in (FieldType.BOOLEAN,):
            misfits += 1  # yes/no is never text or a number
            continue
        try:
            converted[pk] = clean_value(probe, value, current=value)
        except ValidationError:
            misfits += 1
    if misfits:
        raise ValidationError(
            {
                "field_type": ngettext(
                    "%(count)d stored value does not fit the type %(type)s; change or clear it first.",
                    "%(count)d stored values do not fit the type %(type)s; change or clear them first.",
                    misfits,
                )
                % {"count": misfits, "type": FieldType(new_type).label}
            }
        )
    return converted


def unique_clashes(definition: FieldDefinition, *, limit: int = 20) -> list[tuple[str, list[Any]]]:
    """The values more than one record has, each with those records (at most ``limit`` values)."""
    model = record_model(definition.record_type)
    records = model._base_manager.all()
    if definition.record_type == RecordType.CLIENT:
        records = records.exclude(status="merged")
    if definition.is_builtin:
        value: Any = models.F(definition.name)
    else:
        value = CustomValue(definition.name)
    records = records.annotate(_value=value).exclude(_value__isnull=True).exclude(_value="")
    repeated = list(
        records.values("_value")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("_value")
        .values_list("_value", flat=True)[:limit]
    )
    clashes = []
    for repeated_value in repeated:
        holders = list(records.filter(_value=repeated_value).order_by("pk")[:10])
        clashes.append((str(repeated_value), holders))
    return clashes


def _ensure_can_be_unique(definition: FieldDefinition) -> None:
    allowed = BUILTIN_UNIQUE_TYPES if definition.is_builtin else UNIQUE_TYPES
    if definition.field_type not in allowed:
        raise ValidationError(
            {
                "is_unique": _("A field of type %(type)s cannot be unique.")
                % {"type": definition.get_field_type_display()}
            }
        )
    clashes = unique_clashes(definition)
    if clashes:
        listed = "; ".join(
            f"“{value}”: " + ", ".join(f"{record} (#{record.pk})" for record in holders) for value, holders in clashes
        )
        raise ValidationError(
            {
                "is_unique": _("These values are used more than once, so the field cannot be unique yet: %(clashes)s")
                % {"clashes": listed}
            }
        )


def _check_rules(definition: FieldDefinition) -> None:
    if definition.applies_to not in AppliesTo.values:
        raise ValidationError({"applies_to": _("Choose who the field applies to.")})
    if definition.field_type not in FieldType.values:
        raise ValidationError({"field_type": _("Choose an input type.")})
    if definition.is_builtin:
        fixed = ALWAYS_SHOWN[RecordType(definition.record_type)]
        if definition.name in fixed and not definition.is_enabled:
            raise ValidationError({"is_enabled": _("“%(label)s” cannot be hidden.") % {"label": definition.label}})
        if definition.name in fixed and (not definition.is_required or definition.applies_to != AppliesTo.BOTH):
            raise ValidationError({"is_required": _("“%(label)s” is always required.") % {"label": definition.label}})
    if definition.is_required and definition.field_type == FieldType.BOOLEAN:
        raise ValidationError({"is_required": _("A yes/no field always has an answer, so it cannot be required.")})
    if definition.record_type == RecordType.CONTACT and definition.applies_to != AppliesTo.BOTH:
        raise ValidationError({"applies_to": _("Contacts are not companies or individuals.")})


# Fields ------------------------------------------------------------------------------------------


def _next_sort_order(record_type: str) -> int:
    top = FieldDefinition.objects.filter(record_type=record_type).aggregate(top=Max("sort_order"))["top"]
    return (top or 0) + 10


@transaction.atomic
def field_create(
    *,
    actor: User,
    record_type: str,
    name: str,
    field_type: str,
    labels: Mapping[str, str],
    help_texts: Mapping[str, str] | None = None,
    is_enabled: bool = True,
    is_required: bool = False,
    is_unique: bool = False,
    applies_to: str = AppliesTo.BOTH,
    sort_order: int | None = None,
    subordinates_may_edit: bool = False,
    shown_on_mobile: bool = False,
    options: Sequence[Mapping[str, Any]] = (),
) -> FieldDefinition:
    """Add a custom field (with its dropdown options); its values are kept in the records' ``custom_fields``."""
    require_admin(actor)
    if record_type not in RecordType.values:
        raise ValidationError({"record_type": _("Choose clients or contacts.")})
    name = (name or "").strip()
    try:
        validate_field_name(name)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from None
    taken = (
        FieldDefinition.objects.filter(record_type=record_type, name=name).exists()
        or name in {field.name for field in builtin_fields(record_type)} | SYSTEM_FIELDS[RecordType(record_type)]
    )
    if taken:
        raise ValidationError({"name": _("A field named “%(name)s” already exists.") % {"name": name}})
    definition = FieldDefinition(
        record_type=record_type,
        name=name,
        is_builtin=False,
        field_type=field_type,
        labels=_clean_texts(labels, limit=100, what="labels"),
        help_texts=_clean_texts(help_texts, limit=500, what="help_texts"),
        is_enabled=is_enabled,
        is_required=is_required,
        is_unique=False,
        applies_to=applies_to,
        sort_order=_next_sort_order(record_type) if sort_order is None else sort_order,
        subordinates_may_edit=subordinates_may_edit,
        shown_on_mobile=shown_on_mobile,
    )
    if not definition.labels:
        raise ValidationError({"labels": _("Give the field a label in at least one language.")})
    _check_rules(definition)
    definition.save()
    for option in options:
        if definition.field_type not in OPTION_TYPES:
            raise ValidationError({"options": _("Only dropdown and multiple-choice fields have options.")})
        field_option_add(actor=actor, field=definition, labels=option.get("labels", {}), key=option.get("key"))
    _sync_indexes(definition, before=None)
    if is_unique:
        return field_update(actor=actor, field=definition, is_unique=True)
    return definition


@transaction.atomic
def field_update(*, actor: User, field: FieldDefinition, **changes: Any) -> FieldDefinition:
    """Change a field's settings (any of ``SETTINGS``); a type change converts the stored values or is refused."""
    require_admin(actor)
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise ValidationError(_("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))})
    definition = FieldDefinition.objects.select_for_update().get(pk=field.pk)
    before = (definition.field_type, definition.is_unique)
    if "labels" in changes:
        changes["labels"] = _clean_texts(changes["labels"], limit=100, what="labels")
        if not changes["labels"] and not definition.is_builtin:
            raise ValidationError({"labels": _("Give the field a label in at least one language.")})
    if "help_texts" in changes:
        changes["help_texts"] = _clean_texts(changes["help_texts"], limit=500, what="help_texts")
    new_type = changes.get("field_type", definition.field_type)
    if new_type != definition.field_type:
        if definition.is_builtin:
            raise ValidationError({"field_type": _("The type of a built-in field cannot change.")})
        if new_type not in FieldType.values:
            raise ValidationError({"field_type": _("Choose an input type.")})
        converted = _converted(definition, new_type)
    for setting, value in changes.items():
        setattr(definition, setting, value)
    _check_rules(definition)
    if new_type != before[0]:
        _rewrite_values(definition, converted)
        if new_type not in OPTION_TYPES:
            definition.options.all().delete()
    if definition.is_unique and (not before[1] or new_type != before[0]):
        _ensure_can_be_unique(definition)
    definition.save()
    _sync_indexes(definition, before=before)
    return definition


def _rewrite_values(definition: FieldDefinition, converted: Mapping[int, Any]) -> None:
    # A change of representation (text "12" → number 12), not a change of data: no history entries.
    model = record_model(definition.record_type)
    batch = []
    for record in model._base_manager.filter(pk__in=list(converted)).only("pk", "custom_fields").iterator(2000):
        value = converted[record.pk]
        if value is None:
            record.custom_fields.pop(definition.name, None)  # type: ignore[attr-defined]
        else:
            record.custom_fields[definition.name] = value  # type: ignore[attr-defined]
        batch.append(record)
    model._base_manager.bulk_update(batch, ["custom_fields"], batch_size=1000)


@transaction.atomic
def field_delete(*, actor: User, field: FieldDefinition) -> int:
    """Remove a custom field and its values from every record; returns how many records had a value.

    The values stay in the records' earlier history entries.
    """
    require_admin(actor)
    definition = FieldDefinition.objects.select_for_update().get(pk=field.pk)
    if definition.is_builtin:
        raise DomainError(_("Built-in fields cannot be deleted; hide them instead."), code="builtin")
    count = value_count(definition)
    _drop_index(definition.unique_index_name)
    _drop_index(definition.index_name)
    table = _quote(_table(definition))
    column = _quote("custom_fields")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET {column} = {column} - %s WHERE {column} ? %s", [definition.name] * 2)
        else:
            path = f"$.{definition.name}"
            cursor.execute(
                f"UPDATE {table} SET {column} = json_remove({column}, %s) WHERE json_type({column}, %s) IS NOT NULL",
                [path, path],
            )
    definition.delete()
    return count


@transaction.atomic
def field_reorder(*, actor: User, record_type: str, ordered_ids: Sequence[int]) -> None:
    """Put the fields of a record type in the given order (drag and drop); fields not named keep theirs, after."""
    require_admin(actor)
    definitions = list(FieldDefinition.objects.select_for_update().filter(record_type=record_type))
    by_id = {definition.pk: definition for definition in definitions}
    stray = [pk for pk in ordered_ids if pk not in by_id]
    if stray:
        raise ValidationError(_("These fields do not exist: %(ids)s") % {"ids": ", ".join(map(str, stray))})
    named = [by_id[pk] for pk in dict.fromkeys(ordered_ids)]
    rest = sorted((d for d in definitions if d.pk not in set(ordered_ids)), key=lambda d: (d.sort_order, d.pk))
    for position, definition in enumerate([*named, *rest], start=1):
        definition.sort_order = position * 10
    FieldDefinition.objects.bulk_update(definitions, ["sort_order"])


# Options -----------------------------------------------------------------------------------------


def _ensure_options(definition: FieldDefinition) -> None:
    if definition.field_type not in OPTION_TYPES:
        raise ValidationError(_("Only dropdown and multiple-choice fields have options."))
    if definition.is_builtin:
        raise ValidationError(_("The choices of a built-in field come with the product and cannot be edited."))


def _option_key(labels: Mapping[str, str], taken: set[str]) -> str:
    base = slugify(first_text(dict(labels)))[:60] or "option"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


@transaction.atomic
def field_option_add(
    *, actor: User, field: FieldDefinition, labels: Mapping[str, str], key: str | None = None
) -> FieldOption:
    """Add a choice at the end of a dropdown or multi-select field."""
    require_admin(actor)
    _ensure_options(field)
    labels = _clean_texts(labels, limit=200, what="labels")
    if not labels:
        raise ValidationError({"labels": _("Give the option a label in at least one language.")})
    taken = set(field.options.values_list("key", flat=True))
    if key:
        key = str(key).strip()
        if not re.fullmatch(r"[\w.-]{1,80}", key):
            raise ValidationError({"key": _("Use letters, digits, dots, dashes and underscores (at most 80).")})
        if key in taken:
            raise ValidationError({"key": _("The option “%(key)s” already exists.") % {"key": key}})
    else:
        key = _option_key(labels, taken)
    top = field.options.aggregate(top=Max("sort_order"))["top"] or 0
    return FieldOption.objects.create(field=field, key=key, labels=labels, sort_order=top + 10)


@transaction.atomic
def field_option_update(
    *, actor: User, option: FieldOption, labels: Mapping[str, str] | None = None, is_retired: bool | None = None
) -> FieldOption:
    """Rename an option (per language), or retire it (kept on records, no longer offered) or bring it back."""
    require_admin(actor)
    _ensure_options(option.field)
    if labels is not None:
        cleaned = _clean_texts(labels, limit=200, what="labels")
        if not cleaned:
            raise ValidationError({"labels": _("Give the option a label in at least one language.")})
        option.labels = cleaned
    if is_retired is not None:
        option.is_retired = is_retired
    option.save()
    return option


def option_use_count(option: FieldOption) -> int:
    """How many records have chosen an option."""
    definition = option.field
    model = record_model(definition.record_type)
    if definition.field_type == FieldType.MULTI_CHOICE:
        return (
            model._base_manager.filter(**{f"custom_fields__{definition.name}__contains": [option.key]}).count()
            if (connection.features.supports_json_field_contains)
            else sum(
                1 for _pk, values in _stored_values(definition) if option.key in (values.get(definition.name) or [])
            )
        )
    return model._base_manager.annotate(_value=CustomValue(definition.name)).filter(_value=option.key).count()


@transaction.atomic
def field_option_delete(*, actor: User, option: FieldOption) -> None:
    """Delete an option no record has chosen; one in use can only be retired."""
    require_admin(actor)
    _ensure_options(option.field)
    used = option_use_count(option)
    if used:
        raise DomainError(
            ngettext(
                "%(count)d record has chosen “%(label)s”; retire it instead.",
                "%(count)d records have chosen “%(label)s”; retire it instead.",
                used,
            )
            % {"count": used, "label": option.label},
            code="in_use",
        )
    option.delete()


@transaction.atomic
def field_option_reorder(*, actor: User, field: FieldDefinition, ordered_ids: Sequence[int]) -> None:
    """Put a field's options in the given order; options not named keep theirs, after."""
    require_admin(actor)
    _ensure_options(field)
    options = list(field.options.select_for_update())
    by_id = {option.pk: option for option in options}
    stray = [pk for pk in ordered_ids if pk not in by_id]
    if stray:
        raise ValidationError(_("These options do not exist: %(ids)s") % {"ids": ", ".join(map(str, stray))})
    rest = sorted((o for o in options if o.pk not in set(ordered_ids)), key=lambda o: (o.sort_order, o.pk))
    for position, option in enumerate([*(by_id[pk] for pk in dict.fromkeys(ordered_ids)), *rest], start=1):
        option.sort_order = position * 10
    FieldOption.objects.bulk_update(options, ["sort_order"])


@transaction.atomic
def field_import_cities(*, actor: User, field: FieldDefinition, country: str) -> int:
    """Fill a dropdown with the country's cities, named in the country's language; returns how many were added.

    Cities already there (the same city, or an option of the same name) are skipped, so importing
    twice adds nothing the second time.
    """
    require_admin(actor)
    _ensure_options(field)
    country = (country or "").strip().upper()
    if country not in cities.country_codes():
        raise ValidationError({"country": _("There is no city list for “%(country)s”.") % {"country": country}})
    existing = list(field.options.all())
    keys = {option.key for option in existing}
    names = {label.casefold() for option in existing for label in option.labels.values()}
    top = max((option.sort_order for option in existing), default=0)
    added = []
    for city in cities.country_cities(country):
        key = f"geonames-{city.geonameid}"
        if key in keys or city.name.casefold() in names:
            continue
        slot = cities.PRODUCT_LANGUAGES.get(city.language, "en")
        labels = {slot: city.name}
        if slot != "en" and city.english != city.name:
            labels["en"] = city.english
        top += 10
        added.append(FieldOption(field=field, key=key, labels=labels, sort_order=top))
        keys.add(key)
        names.add(city.name.casefold())
    FieldOption.objects.bulk_create(added, batch_size=1000)
    return len(added)
