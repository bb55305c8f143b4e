"""The columns of a client file: what an export writes and what an import can fill, one list for both.

A column has a stable ``key`` (what a saved mapping and the API name), a label in the active
language (an export's header; the mapping step recognises it in all six languages), and two
conversions: ``format_cell`` writes a stored value as text, ``parse_cell`` reads that text back into
what the services take. They are each other's inverse, so an exported file imported again over the
same clients changes nothing (``test_columns.py`` holds them to it):

- ids, e-mails, phones (E.164), websites, countries and currencies as stored; a date as ISO 8601; a
  decimal with a dot — machine-readable, and the same in every language;
- kinds, languages, yes/no and custom options as words in the reader's language; read back in any
  of the six languages (or as the stored code);
- the owner by user name (read back by user name or e-mail), groups by name, ``; `` between several.

Cells a spreadsheet would run as a formula are neutralised on the way out (``neutralise``) and
restored on the way in (``restore_neutralised``).
"""

import functools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.clients.fields import FieldDefinition, FieldType, RecordType
from clientela.clients.models import ClientKind
from clientela.clients.record_fields import definitions
from clientela.core.countries import country_codes
from clientela.core.languages import Language

# Several values in one cell (groups, multi-select options) are separated by this; a newline too on import.
LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Part:
    """What a column belongs to: the client itself, its contact person, or a relation."""

    CLIENT = "client"
    CUSTOM = "custom"
    CONTACT = "contact"
    RELATION = "relation"  # owner and groups
    RECORD = "record"  # the id and status: read to match and to show, never written by an import


@dataclass(frozen=True)
class Column:
    key: str
    title: Any  # a lazy string, or the custom field's label
    part: str
    definition: FieldDefinition | None = None

    @property
    def label(self) -> str:
        return str(self.title)

    @property
    def importable(self) -> bool:
        return self.part != Part.RECORD or self.key == "id"

    @property
    def custom_name(self) -> str:
        return self.definition.name if self.definition is not None else ""


CUSTOM_PREFIX = "cf:"
CONTACT_PREFIX = "contact_"

_BUILTIN: tuple[tuple[str, Promise, str], ...] = (
    ("id", gettext_lazy("Clientela id"), Part.RECORD),
    ("kind", gettext_lazy("Kind"), Part.CLIENT),
    ("name", gettext_lazy("Name"), Part.CLIENT),
    ("tax_id", gettext_lazy("Tax id"), Part.CLIENT),
    ("registration_id", gettext_lazy("Registration id"), Part.CLIENT),
    ("vat_id", gettext_lazy("VAT id"), Part.CLIENT),
    ("email", gettext_lazy("E-mail"), Part.CLIENT),
    ("phone", gettext_lazy("Phone"), Part.CLIENT),
    ("website", gettext_lazy("Website"), Part.CLIENT),
    ("billing_street", gettext_lazy("Billing street"), Part.CLIENT),
    ("billing_city", gettext_lazy("Billing city"), Part.CLIENT),
    ("billing_postal_code", gettext_lazy("Billing postal code"), Part.CLIENT),
    ("billing_region", gettext_lazy("Billing region"), Part.CLIENT),
    ("billing_country", gettext_lazy("Billing country"), Part.CLIENT),
    ("shipping_same_as_billing", gettext_lazy("Shipping same as billing"), Part.CLIENT),
    ("shipping_street", gettext_lazy("Shipping street"), Part.CLIENT),
    ("shipping_city", gettext_lazy("Shipping city"), Part.CLIENT),
    ("shipping_postal_code", gettext_lazy("Shipping postal code"), Part.CLIENT),
    ("shipping_region", gettext_lazy("Shipping region"), Part.CLIENT),
    ("shipping_country", gettext_lazy("Shipping country"), Part.CLIENT),
    ("country", gettext_lazy("Country"), Part.CLIENT),
    ("currency", gettext_lazy("Currency"), Part.CLIENT),
    ("language", gettext_lazy("Language"), Part.CLIENT),
    ("owner", gettext_lazy("Owner"), Part.RELATION),
    ("groups", gettext_lazy("Groups"), Part.RELATION),
    ("status", gettext_lazy("Status"), Part.RECORD),
)
_CONTACT: tuple[tuple[str, Promise], ...] = (
    ("contact_name", gettext_lazy("Contact: full name")),
    ("contact_first_name", gettext_lazy("Contact: first name")),
    ("contact_last_name", gettext_lazy("Contact: last name")),
    ("contact_position", gettext_lazy("Contact: position")),
    ("contact_email", gettext_lazy("Contact: e-mail")),
    ("contact_phone", gettext_lazy("Contact: phone")),
    ("contact_language", gettext_lazy("Contact: language")),
)
# What an export writes for the primary contact: the parts, not the whole name (that is for reading files).
EXPORTED_CONTACT_KEYS = (
    "contact_first_name",
    "contact_last_name",
    "contact_position",
    "contact_email",
    "contact_phone",
)
BOOLEAN_KEYS = {"shipping_same_as_billing"}
COUNTRY_KEYS = {"country", "billing_country", "shipping_country"}
LANGUAGE_KEYS = {"language", "contact_language"}


def client_columns(fields: Sequence[FieldDefinition] | None = None) -> list[Column]:
    """Every column of a client file: built-in fields, then enabled custom fields in sort order, then the contact."""
    if fields is None:
        fields = definitions(RecordType.CLIENT)
    hidden = {d.name for d in fields if d.is_builtin and not d.is_enabled}
    columns = [Column(key, title, part) for key, title, part in _BUILTIN if key not in hidden]
    columns += [
        Column(f"{CUSTOM_PREFIX}{d.name}", d.label, Part.CUSTOM, d) for d in fields if not d.is_builtin and d.is_enabled
    ]
    columns += [Column(key, title, Part.CONTACT) for key, title in _CONTACT]
    return columns


def export_columns(columns: Sequence[Column]) -> list[Column]:
    """The columns an export writes by default (the contact as its parts)."""
    return [c for c in columns if c.part != Part.CONTACT or c.key in EXPORTED_CONTACT_KEYS]


# Formulas ----------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) made plain text with a leading '.

    A text that already starts with ' before such a character ("'=x") gets one more, so that
    ``restore_neutralised`` gives it back as it was instead of taking its own ' away.
    """
    return f"'{text}" if text.lstrip("'").startswith(FORMULA_STARTS) else text


def restore_neutralised(text: str) -> str:
    """``neutralise`` undone: one ' before a formula character (after any other ') goes, any other ' stays."""
    return text[1:] if text[:1] == "'" and text.lstrip("'").startswith(FORMULA_STARTS) else text


# Words in six languages ----------------------------------------------------------------------------


def fold(text: str) -> str:
    """Text for comparing words: no accents, no case, single spaces ("Česká republika" ~ "ceska  REPUBLIKA")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _in_every_language(texts: Iterable[tuple[str, Promise]]) -> dict[str, str]:
    """folded word → code, from each label as every one of the six languages says it."""
    words: dict[str, str] = {}
    for code, label in texts:
        words[fold(code)] = code
        for language in Language.values:
            with translation.override(language):
                words.setdefault(fold(str(label)), code)
    return words


@functools.cache
def _kinds() -> dict[str, str]:
    words = _in_every_language(ClientKind.choices)
    # vCard's KIND and the words other systems use for a company or a person.
    for word in ("org", "organization", "organisation", "business", "account", "empresa", "společnost",
                 "persoană juridică", "企业", "公司", "法人"):  # fmt: skip
        words.setdefault(fold(word), ClientKind.COMPANY)
    for word in ("person", "private", "persona", "persona física", "fyzická osoba", "osoba", "persoană fizică",
                 "particular", "个人", "自然人"):  # fmt: skip
        words.setdefault(fold(word), ClientKind.INDIVIDUAL)
    return words


@functools.cache
def _languages() -> dict[str, str]:
    words = _in_every_language(Language.choices)
    # Files from elsewhere say "zh", "zh-CN", "Chinese", "cs-CZ", ...
    words.update({"zh": Language.CHINESE, "zh-cn": Language.CHINESE, "zh_cn": Language.CHINESE})
    for code in Language.values:
        words.setdefault(fold(code.split("-")[0]), code)
    return words


_YES = gettext_lazy("Yes")
_NO = gettext_lazy("No")


@functools.cache
def _booleans() -> dict[str, bool]:
    words = dict.fromkeys(("true", "1", "y", "x", "yes", "si", "da", "ano", "是", "对"), True)
    words.update(dict.fromkeys(("false", "0", "n", "no", "nu", "ne", "否", "不"), False))
    for language in Language.values:
        with translation.override(language):
            words.setdefault(fold(str(_YES)), True)
            words.setdefault(fold(str(_NO)), False)
    return words


# Names people still write that Babel's current short names are not.
_COUNTRY_ALIASES = (
    ("Czech Republic", "CZ"), ("Česká republika", "CZ"), ("República Checa", "CZ"), ("República Txeca", "CZ"),
    ("Republica Cehă", "CZ"), ("捷克共和国", "CZ"), ("中华人民共和国", "CN"), ("PRC", "CN"), ("UK", "GB"),
    ("Great Britain", "GB"), ("England", "GB"), ("USA", "US"), ("Slovak Republic", "SK"), ("Slovenská republika", "SK"),
)  # fmt: skip


@functools.cache
def _countries() -> dict[str, str]:
    from babel import Locale

    names: dict[str, str] = {}
    codes = set(country_codes())
    for code in codes:
        names[fold(code)] = code
    for country in pycountry.countries:  # alpha-3 codes and the English official names ("Czech Republic" is gone)
        names.setdefault(fold(country.alpha_3), country.alpha_2)
        for attribute in ("name", "official_name", "common_name"):
            if hasattr(country, attribute):
                names.setdefault(fold(getattr(country, attribute)), country.alpha_2)
    names.update({fold(alias): code for alias, code in _COUNTRY_ALIASES})
    for language in ("en", *Language.values):
        territories = Locale.parse(translation.to_locale(language)).territories
        for code in codes:
            if code in territories:
                names.setdefault(fold(territories[code]), code)
    return names


def _option_words(definition: FieldDefinition) -> dict[str, str]:
    """folded key or label (any language) → option key, built once per loaded definition."""
    cached = getattr(definition, "_import_option_words", None)
    if cached is None:
        cached = {}
        for option in definition.options_by_key.values():
            cached.setdefault(fold(option.key), option.key)
            for label in (option.labels or {}).values():
                if label:
                    cached.setdefault(fold(label), option.key)
        definition._import_option_words = cached  # type: ignore[attr-defined]
    return cached


def _word(words: Mapping[str, Any], text: str, message: str) -> Any:
    try:
        return words[fold(text)]
    except KeyError:
        raise ValidationError(message % {"value": text}, code="invalid") from None


# Export: stored value → text ---------------------------------------------------------------------


def format_cell(column: Column, value: Any) -> str:
    """A stored value as the text a file holds (see the module's docstring)."""
    if value is None or value == "" or value == []:
        return ""
    key = column.key
    if column.part == Part.CUSTOM:
        return _format_custom(column.definition, value)
    if key in BOOLEAN_KEYS:
        return str(_YES if value else _NO)
    if key == "kind":
        return str(ClientKind(value).label) if value in ClientKind.values else str(value)
    if key in LANGUAGE_KEYS:
        return str(Language(value).label) if value in Language.values else str(value)
    if key == "status":
        from clientela.clients.models import ClientStatus

        return str(ClientStatus(value).label) if value in ClientStatus.values else str(value)
    if key == "groups":
        return LIST_SEPARATOR.join(value) if isinstance(value, list | tuple) else str(value)
    return str(value)


def _format_custom(definition: FieldDefinition | None, value: Any) -> str:
    if definition is None:
        return str(value)
    field_type = definition.field_type
    if field_type == FieldType.BOOLEAN:
        return str(_YES if value is True or str(value).lower() == "true" else _NO)
    if field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        keys = value if isinstance(value, list) else [value]
        options = definition.options_by_key
        return LIST_SEPARATOR.join(options[str(k)].label if str(k) in options else str(k) for k in keys)
    return str(value)


# Import: text → what the services take -------------------------------------------------------------


def split_list(text: str) -> list[str]:
    """Several names in one cell: separated by ';' or new lines (commas belong to names)."""
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]


def parse_cell(column: Column, text: str) -> Any:
    """A cell's text as the value the services take; "" stays "" (the caller decides what empty means).

    Raises a ValidationError naming what is wrong; ids, e-mails and phones are checked by the
    services themselves, with the rest of the record.
    """
    text = restore_neutralised(text.strip())
    if not text:
        return ""
    key = column.key
    if column.part == Part.CUSTOM:
        return _parse_custom(column.definition, text)
    if key == "id":
        if not text.isdigit():
            raise ValidationError(_("“%(value)s” is not a Clientela id.") % {"value": text}, code="invalid")
        return int(text)
    if key in BOOLEAN_KEYS:
        return _word(_booleans(), text, _("“%(value)s” is not yes or no."))
    if key == "kind":
        return _word(_kinds(), text, _("“%(value)s” is not a kind of client (company or individual)."))
    if key in LANGUAGE_KEYS:
        return _word(_languages(), text, _("“%(value)s” is not one of Clientela's languages."))
    if key in COUNTRY_KEYS:
        return _word(_countries(), text, _("“%(value)s” is not a country name or ISO code."))
    if key == "currency":
        return text.upper()
    if key == "groups":
        return split_list(text)
    return text


def _parse_custom(definition: FieldDefinition | None, text: str) -> Any:
    if definition is None:
        return text
    field_type = definition.field_type
    if field_type == FieldType.BOOLEAN:
        return _word(_booleans(), text, _("“%(value)s” is not yes or no."))
    if field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        words = _option_words(definition)
        message = _("“%(value)s” is not one of the choices of “%(label)s”.")
        keys = []
        for part in split_list(text) if field_type == FieldType.MULTI_CHOICE else [text]:
            key = words.get(fold(part))
            if key is None:
                raise ValidationError(message % {"value": part, "label": definition.label}, code="invalid_choice")
            keys.append(key)
        return keys if field_type == FieldType.MULTI_CHOICE else keys[0]
    return text
