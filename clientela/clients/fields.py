"""Field settings of clients and contacts: built-in and custom fields, their rules and dropdown options.

Models only (imported by clientela.clients.models, so they belong to the clients app). The writes
are in clientela.clients.field_services, the reads in clientela.clients.field_selectors and the
checking of custom values in clientela.clients.custom_values.
"""

from functools import cached_property
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.expressions import Func
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from clientela.core.languages import Language
from clientela.core.models import TimeStampedModel

# Original names of custom fields: lower-case ASCII, so they are safe as JSON keys, in SQL index
# expressions (inlined, see CustomValue) and in API field names.
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
validate_field_name = RegexValidator(
    FIELD_NAME_PATTERN,
    _("Use lower-case letters, digits and underscores, starting with a letter (at most 50)."),
    code="invalid",
)


class RecordType(models.TextChoices):
    CLIENT = "client", _("Client")
    CONTACT = "contact", _("Contact")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    CHOICE = "choice", _("Dropdown")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    URL = "url", _("Web address")


# Types whose values may be unique (one value per record, comparable as text).
UNIQUE_TYPES = {
    FieldType.TEXT,
    FieldType.INTEGER,
    FieldType.DECIMAL,
    FieldType.DATE,
    FieldType.EMAIL,
    FieldType.PHONE,
    FieldType.URL,
}
# Types a list can sort and filter by through an expression index (multi-selects and long texts cannot).
SORTABLE_TYPES = UNIQUE_TYPES | {FieldType.CHOICE, FieldType.BOOLEAN}
NUMBER_TYPES = {FieldType.INTEGER, FieldType.DECIMAL}
OPTION_TYPES = {FieldType.CHOICE, FieldType.MULTI_CHOICE}


class AppliesTo(models.TextChoices):
    BOTH = "both", _("Companies and individuals")
    COMPANY = "company", _("Companies only")
    INDIVIDUAL = "individual", _("Individuals only")


LANGUAGES = list(Language.values)


def translated(texts: dict[str, str] | None, language: str | None = None) -> str:
    """The text of ``texts`` (language code → text) in the active language; "" when it has none."""
    texts = texts or {}
    language = (language or get_language() or "en").lower()
    for code in (language, language.split("-")[0]):
        if texts.get(code):
            return texts[code]
    return ""


def first_text(texts: dict[str, str] | None) -> str:
    """English if given, else the first text in the order of the product's languages."""
    texts = texts or {}
    for code in LANGUAGES:
        if texts.get(code):
            return texts[code]
    return ""


class FieldDefinition(TimeStampedModel):
    """One field of clients or contacts: a built-in column or a custom value kept in ``custom_fields``."""

    record_type = models.CharField(_("record type"), max_length=10, choices=RecordType.choices)
    # The original name: the model field's name for a built-in, the key in ``custom_fields`` for a
    # custom field. Never changes once the field exists.
    name = models.CharField(_("original name"), max_length=50, validators=[validate_field_name])
    is_builtin = models.BooleanField(_("built-in"), default=False)
    field_type = models.CharField(_("input type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    # Language code → text; a language left out falls back (see ``label``).
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    help_texts = models.JSONField(_("help texts"), default=dict, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True, help_text=_("Hidden fields are not shown anywhere."))
    is_required = models.BooleanField(_("required"), default=False)
    is_unique = models.BooleanField(
        _("unique"), default=False, help_text=_("No two records may have the same value; empty values never clash.")
    )
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.BOTH)
    sort_order = models.IntegerField(_("sort order"), default=0, help_text=_("Smaller first."))
    subordinates_may_edit = models.BooleanField(
        _("subordinates may edit"),
        default=False,
        help_text=_("If not, only the owner's superiors and administrators may change the value."),
    )
    shown_on_mobile = models.BooleanField(
        _("shown on mobile"), default=False, help_text=_("The compact form shows required fields and these.")
    )

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["record_type", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "name"], name="clients_fielddef_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type}.{self.name}"

    @property
    def builtin_label(self) -> str:
        """A built-in field's own name in the active language ("" for custom fields)."""
        if not self.is_builtin:
            return ""
        from clientela.clients.field_services import builtin_model_field

        field = builtin_model_field(self.record_type, self.name)
        return str(field.verbose_name) if field is not None else ""

    @property
    def label(self) -> str:
        """The label in the active language, else the built-in name, else any label, else the original name."""
        return translated(self.labels) or self.builtin_label or first_text(self.labels) or self.name

    @property
    def help_text(self) -> str:
        return translated(self.help_texts) or first_text(self.help_texts)

    @property
    def has_options(self) -> bool:
        return self.field_type in OPTION_TYPES

    @cached_property
    def options_by_key(self) -> dict[str, "FieldOption"]:
        """The options by key, retired ones too, built once per loaded definition (a bulk create
        checks thousands of values against the same definitions)."""
        return {option.key: option for option in self.options.all()}

    @property
    def index_name(self) -> str:
        """The plain expression index that serves sorting and filtering by this custom field."""
        return f"clients_cf_{self.pk}_idx"

    @property
    def unique_index_name(self) -> str:
        return f"clients_cf_{self.pk}_uniq"

    def applies_to_kind(self, kind: str | None) -> bool:
        """Whether the field is shown for a client of this kind (contacts: always)."""
        return kind is None or self.applies_to == AppliesTo.BOTH or self.applies_to == kind


class FieldOption(TimeStampedModel):
    """One choice of a dropdown or multi-select field; records store its ``key``."""

    # CASCADE: options are part of their field's definition and go with it.
    field = models.ForeignKey(
        FieldDefinition, verbose_name=_("field"), on_delete=models.CASCADE, related_name="options"
    )
    key = models.CharField(_("key"), max_length=80)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_retired = models.BooleanField(
        _("retired"), default=False, help_text=_("Stays on the records that have it, but cannot be chosen anew.")
    )

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["field", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["field", "key"], name="clients_fieldoption_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return translated(self.labels) or first_text(self.labels) or self.key


class CustomValue(Func):
    """One custom field's value read from ``custom_fields`` in SQL, exactly as its indexes are built.

    ``as_number`` reads it as a number (PostgreSQL: ``::numeric``; SQLite's json_extract already
    gives numbers). The key is a validated original name, inlined (not a parameter) so that the
    database can match the expression against the field's expression index.
    """

    output_field: Any

    def __init__(
        self,
        name: str,
        *,
        as_number: bool = False,
        column: str = "custom_fields",
        for_sorting: bool = False,
        is_boolean: bool = False,
    ) -> None:
        validate_field_name(name)
        self.key = name
        self.as_number = as_number
        # Sorting reads "no value" as the lowest value (sort_sql), so a sorted list keeps every client.
        self.for_sorting = for_sorting
        self.is_boolean = is_boolean
        # FloatField, not DecimalField: Django wraps decimal expressions on SQLite in another CAST,
        # and the expression would no longer be the index's.
        output = models.FloatField() if as_number else models.TextField()
        super().__init__(models.F(column), output_field=output)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column_sql, params = compiler.compile(self.source_expressions[0])
        if self.for_sorting:
            sql = sort_sql(
                column_sql, self.key, connection.vendor, as_number=self.as_number, is_boolean=self.is_boolean
            )
            return sql, list(params)
        return value_sql(column_sql, self.key, connection.vendor, as_number=self.as_number), list(params)


def missing_value(vendor: str, *, as_number: bool = False, is_boolean: bool = False) -> str:
    """The SQL literal that stands for "no value" when sorting: below every real value."""
    if as_number:
        return "-1e308"
    if is_boolean and vendor != "postgresql":
        return "-1"  # SQLite's json_extract gives 0 and 1 for JSON false and true
    return "''"


def sort_sql(column_sql: str, key: str, vendor: str, *, as_number: bool = False, is_boolean: bool = False) -> str:
    """The SQL a sortable custom field is sorted, filtered and indexed by: its value, or the lowest
    value when the record has none, so sorting by the field keeps records without a value (first when
    ascending, last when descending) and keyset pages never meet a NULL."""
    value = value_sql(column_sql, key, vendor, as_number=as_number)
    return f"COALESCE({value}, {missing_value(vendor, as_number=as_number, is_boolean=is_boolean)})"


def value_sql(column_sql: str, key: str, vendor: str, *, as_number: bool = False) -> str:
    """The SQL of one key of a JSON column, the same in queries and in index definitions."""
    validate_field_name(key)
    if vendor == "postgresql":
        text = f"({column_sql} ->> '{key}')"
        return f"({text}::numeric)" if as_number else text
    text = f"json_extract({column_sql}, '$.{key}')"
    return f"CAST({text} AS REAL)" if as_number else text
