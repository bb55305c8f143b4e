"""ISO 3166 countries and ISO 4217 currencies, with names in the user's language (Babel)."""

from functools import cache

import pycountry
from babel import Locale
from django.utils.translation import get_language, to_locale


def babel_locale() -> Locale:
    """The Babel locale of the active Django language."""
    return _locale(get_language() or "en")


@cache
def _locale(language: str) -> Locale:
    # Parsing a locale costs ~50 µs, and a list page names a country on each of its rows.
    return Locale.parse(to_locale(language))


@cache
def country_codes() -> tuple[str, ...]:
    return tuple(sorted(country.alpha_2 for country in pycountry.countries))


@cache
def currency_codes() -> tuple[str, ...]:
    return tuple(sorted(currency.alpha_3 for currency in pycountry.currencies))


def country_name(code: str) -> str:
    if not code:
        return ""
    return babel_locale().territories.get(code, code)


def currency_name(code: str) -> str:
    if not code:
        return ""
    return babel_locale().currencies.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in the active language."""
    return list(_country_choices(get_language() or "en"))


@cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    # Built once per language: every list page and client form offers all ~250 countries.
    names = _locale(language).territories
    return tuple(sorted(((code, names.get(code, code)) for code in country_codes()), key=lambda item: item[1]))


def currency_choices() -> list[tuple[str, str]]:
    names = babel_locale().currencies
    return [(code, f"{code} · {names.get(code, code)}") for code in currency_codes()]


# The currency a new client gets by default, by country (the user can change it).
_CURRENCY_BY_COUNTRY = {
    "CZ": "CZK", "RO": "RON", "ES": "EUR", "CN": "CNY", "SK": "EUR", "PL": "PLN", "HU": "HUF",
    "GB": "GBP", "US": "USD", "CH": "CHF", "SE": "SEK", "DK": "DKK", "NO": "NOK", "BG": "BGN",
}  # fmt: skip


def default_currency(country: str) -> str:
    if country in _CURRENCY_BY_COUNTRY:
        return _CURRENCY_BY_COUNTRY[country]
    return "EUR" if country in EU_COUNTRIES else "USD"


EU_COUNTRIES = frozenset(("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK").split())
