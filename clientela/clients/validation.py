"""Normalise and check client and contact input with domain libraries (python-stdnum, phonenumbers).

Each cleaner takes what the user typed and returns the stored form, or raises a ValidationError
whose message names what is wrong in the user's language. Forms, the API and importers all reach
these through the services.
"""

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _
from stdnum.cn import ric as cn_ric
from stdnum.cn import uscc as cn_uscc
from stdnum.cz import dic as cz_dic
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ro import cf as ro_cf
from stdnum.ro import onrc as ro_onrc
from stdnum.sk import dph as sk_dph
from stdnum.util import get_cc_module

from clientela.core.countries import EU_COUNTRIES, country_codes, currency_codes
from clientela.core.languages import Language

_SPACES = re.compile(r"[\s\-./]+")


def compact(value: str) -> str:
    """Strip spaces, dashes, dots and slashes and upper-case: how ids are stored."""
    return _SPACES.sub("", value or "").upper()


def _cz_ico(number: str) -> str:
    # IČO: eight digits with a mod-11 check digit (older ones are zero-padded); the same rule as a
    # legal person's DIČ, so stdnum's cz.dic checks it.
    number = number.zfill(8) if number.isdigit() and len(number) < 8 else number
    if len(number) != 8:
        raise StdnumError("IČO has eight digits")
    return cz_dic.validate(number)


def _cn_tax(number: str) -> str:
    # A company's unified social credit code, or an individual's resident identity number.
    try:
        return cn_uscc.validate(number)
    except StdnumError:
        return cn_ric.validate(number)


def _vat_for(country: str) -> Callable[[str], str] | None:
    module = get_cc_module(country.lower(), "vat")
    return module.validate if module else None


# Per country: the validator of each id field. A country not listed here gets its stdnum VAT
# module (if any) for the VAT id and free text elsewhere, compacted.
_TAX_ID = {
    "CZ": cz_dic.validate,
    "SK": sk_dph.validate,
    "RO": ro_cf.validate,
    "ES": es_nif.validate,
    "CN": _cn_tax,
}
_REGISTRATION_ID = {
    "CZ": _cz_ico,
    "SK": _cz_ico,  # Slovak IČO uses the Czech rule
    "RO": lambda n: ro_onrc.validate(n) if n[:1] in "JFC" else ro_cf.validate(n),
    "ES": es_nif.validate,
    "CN": cn_uscc.validate,
}


def clean_tax_id(value: str, country: str) -> str:
    number = compact(value)
    if not number:
        return ""
    if number.startswith(country) and country in ("CZ", "SK", "RO", "ES"):
        number = number[len(country) :]
    validator = _TAX_ID.get(country)
    if validator is None:
        return number
    try:
        return validator(number)
    except StdnumError:
        raise ValidationError(
            _("“%(value)s” is not a valid tax id for %(country)s.") % {"value": value, "country": country},
            code="invalid",
        ) from None


def clean_registration_id(value: str, country: str) -> str:
    # Romanian trade-register numbers keep their slashes (J03/1234/2006); stdnum reads both forms.
    number = " ".join((value or "").upper().split()) if country == "RO" else compact(value)
    if not number:
        return ""
    if number.startswith(country) and country in ("CZ", "SK", "ES"):
        number = number[len(country) :]
    validator = _REGISTRATION_ID.get(country)
    if validator is None:
        return number
    try:
        return validator(number)
    except StdnumError:
        raise ValidationError(
            _("“%(value)s” is not a valid company registration id for %(country)s.")
            % {"value": value, "country": country},
            code="invalid",
        ) from None


def clean_vat_id(value: str, country: str) -> str:
    """A VAT id is stored with its country prefix; a number typed without one gets the client's."""
    number = compact(value)
    if not number:
        return ""
    if number[:2].isalpha():
        prefix = "GR" if number[:2] == "EL" else number[:2]
    else:
        prefix = country
        number = ("EL" if country == "GR" else country) + number
    try:
        if prefix in EU_COUNTRIES or prefix == "XI":
            return eu_vat.validate(number)
        validator = _vat_for(prefix)
        if validator is None:
            return number
        return prefix + validator(number[2:]).removeprefix(prefix)
    except StdnumError:
        raise ValidationError(_("“%(value)s” is not a valid VAT id.") % {"value": value}, code="invalid") from None


def clean_phone(value: str, country: str) -> str:
    """Store E.164 (+420601123456); a number without a prefix is read as the client's country."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("“%(value)s” is not a valid phone number.") % {"value": value}, code="invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def format_phone(value: str) -> str:
    """An E.164 number shown in international format (+420 601 123 456).

    Cached: parsing takes some 40 µs, and a list page shows dozens of numbers, the same ones
    again and again (the output depends on nothing but the number).
    """
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# The everyday shapes of an e-mail address and a web address, ASCII only: what matches is accepted by
# Django's validators too (their patterns allow a superset), so it skips them; anything else, idna
# and quoted names included, goes through them. A tenth of their cost on an import's many rows.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_PLAIN_URL = re.compile(r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:/[!-~]*)?")
_PLAIN_MAX = 250  # below both validators' limits (320 and 2,048) and the 253 of a host name


def clean_email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    local, _at, domain = value.rpartition("@")
    value = f"{local}@{domain.lower()}" if local else value
    if len(value) <= _PLAIN_MAX and _PLAIN_EMAIL.fullmatch(value):
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a valid e-mail address.") % {"value": value}, code="invalid"
        ) from None
    return value


_validate_url = URLValidator(schemes=["http", "https"])  # built once: its patterns are shared


def clean_website(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = f"https://{value}"
    if len(value) <= _PLAIN_MAX and _PLAIN_URL.fullmatch(value):
        return value
    try:
        _validate_url(value)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not a valid web address.") % {"value": value}, code="invalid") from None
    return value


def clean_country(value: str, *, required: bool) -> str:
    code = (value or "").strip().upper()
    if not code:
        if required:
            raise ValidationError(_("Choose a country."), code="required")
        return ""
    if code not in country_codes():
        raise ValidationError(_("“%(value)s” is not an ISO country code.") % {"value": value}, code="invalid")
    return code


def clean_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if not code:
        raise ValidationError(_("Choose a currency."), code="required")
    if code not in currency_codes():
        raise ValidationError(_("“%(value)s” is not an ISO 4217 currency code.") % {"value": value}, code="invalid")
    return code


def clean_language(value: str) -> str:
    code = (value or "").strip().lower()
    if code not in Language.values:
        raise ValidationError(
            _("“%(value)s” is not one of the supported languages.") % {"value": value}, code="invalid"
        )
    return code


def _strip(value: Any) -> str:
    return " ".join(str(value or "").split())


def _collect(
    values: dict[str, Any], errors: dict[str, list[ValidationError]], field: str, clean: Callable[[], Any]
) -> None:
    try:
        values[field] = clean()
    except ValidationError as error:
        errors.setdefault(field, []).append(error)


def clean_client_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise and check the editable fields of a client; raise one error naming every bad field."""
    from clientela.clients.models import ADDRESS_PARTS, ClientKind

    values: dict[str, Any] = dict(raw)
    errors: dict[str, list[ValidationError]] = {}

    for field in (
        "name",
        *(f"{kind}_{part}" for kind in ("billing", "shipping") for part in ADDRESS_PARTS if part != "country"),
    ):
        if field in values:
            values[field] = _strip(values[field])
    if "name" in values and not values["name"]:
        errors["name"] = [ValidationError(_("Enter the client's name."), code="required")]
    if "kind" in values and values["kind"] not in ClientKind.values:
        errors["kind"] = [ValidationError(_("Choose company or individual."), code="invalid")]

    _collect(values, errors, "country", lambda: clean_country(values.get("country", ""), required=True))
    country = values.get("country", "") if "country" not in errors else ""
    for kind in ("billing", "shipping"):
        field = f"{kind}_country"
        if field in values:
            _collect(values, errors, field, lambda f=field: clean_country(values[f], required=False))  # type: ignore[misc]
    if "currency" in values:
        _collect(values, errors, "currency", lambda: clean_currency(values["currency"]))
    if "language" in values:
        _collect(values, errors, "language", lambda: clean_language(values["language"]))

    id_country = values.get("billing_country") or country
    if "tax_id" in values:
        _collect(values, errors, "tax_id", lambda: clean_tax_id(values["tax_id"], id_country))
    if "registration_id" in values:
        _collect(
            values, errors, "registration_id", lambda: clean_registration_id(values["registration_id"], id_country)
        )
    if "vat_id" in values:
        _collect(values, errors, "vat_id", lambda: clean_vat_id(values["vat_id"], id_country))
    if "phone" in values:
        _collect(values, errors, "phone", lambda: clean_phone(values["phone"], id_country))
    if "email" in values:
        _collect(values, errors, "email", lambda: clean_email(values["email"]))
    if "website" in values:
        _collect(values, errors, "website", lambda: clean_website(values["website"]))

    if values.get("shipping_same_as_billing", True):
        for part in ADDRESS_PARTS:
            values[f"shipping_{part}"] = ""

    if errors:
        raise ValidationError(errors)
    return values


def clean_contact_values(raw: Mapping[str, Any], *, country: str) -> dict[str, Any]:
    """Normalise and check a contact's fields; phones without a prefix are read as the client's country."""
    values: dict[str, Any] = dict(raw)
    errors: dict[str, list[ValidationError]] = {}
    for field in ("first_name", "last_name", "position"):
        if field in values:
            values[field] = _strip(values[field])
    if "last_name" in values and not values["last_name"]:
        errors["last_name"] = [ValidationError(_("Enter the contact's last name."), code="required")]
    if "email" in values:
        _collect(values, errors, "email", lambda: clean_email(values["email"]))
    if "phone" in values:
        _collect(values, errors, "phone", lambda: clean_phone(values["phone"], country))
    if "language" in values:
        _collect(values, errors, "language", lambda: clean_language(values["language"]))
    if errors:
        raise ValidationError(errors)
    return values
