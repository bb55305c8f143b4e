"""Money, numbers and dates formatted for the active language (Babel)."""

from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from clientela.core.countries import babel_locale


def format_money(amount: Decimal | int | float | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=babel_locale())


def format_number(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale())
