"""The shortcuts of the hot checks give exactly what the full checks give.

``clean_email`` and ``clean_website`` accept the everyday shapes of an address without Django's
validators, and ``fold`` lower-cases ASCII text without decomposing it: each is compared here with
the path it skips, on hand-picked edge cases and on generated text.
"""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.clients.search import fold
from clientela.clients.validation import clean_email, clean_website

_URL = URLValidator(schemes=["http", "https"])


def _django_accepts(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _outcome(clean, value: str) -> str | None:
    try:
        return clean(value)
    except ValidationError:
        return None


def _slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


EMAILS = [
    "jana.novakova@firma.cz", "ion+crm@Exemplu.RO", "a@b.co", "a_b-c@x-y.example.com",
    ".jana@firma.cz", "jana.@firma.cz", "ja..na@firma.cz", "jana@-firma.cz", "jana@firma-.cz", "jana@firma.c",
    "jana@firma.123", "jana@firma", "jana@@firma.cz", "jana@firma..cz", "jana@ firma.cz", "jana@firma.cz\n",
    "jana@xn--fiqs8s.cn", "jana@ﬁrma.cz", "K@firma.cz", "\u212a@firma.cz", "ſ@firma.cz", "jana@[127.0.0.1]",
    '"jana novakova"@firma.cz', "jana@localhost", "x" * 64 + "@" + "a" * 63 + ".com",
    "x@" + ("a" * 63 + ".") * 4 + "cz",
]  # fmt: skip
URLS = [
    "https://firma.cz", "http://www.firma.cz/o-nas?x=1#k", "firma.cz", "HTTPS://FIRMA.CZ", "https://-firma.cz",
    "https://firma-.cz", "https://firma.c", "https://firma.cz:8080/", "https://user:pw@firma.cz", "https://[::1]/",
    "https://firma.cz/a b", "https://firma.cz/\t", "ftp://firma.cz", "https://firma", "https://localhost",
    "https://ﬁrma.cz", "https://xn--fiqs8s.cn/路径", "https://firma.cz/\\x", "https://" + "a" * 64 + ".cz",
    "https://" + ("a" * 60 + ".") * 5 + "cz", "https://firma.cz.", "https://1.2.3.4/",
]  # fmt: skip


@pytest.mark.parametrize("value", EMAILS)
def test_an_email_is_accepted_exactly_when_djangos_validator_accepts_it(value):
    local, _at, domain = value.strip().rpartition("@")
    expected = f"{local}@{domain.lower()}" if local else value.strip()
    assert _outcome(clean_email, value) == (expected if _django_accepts(validate_email, expected) else None)


@pytest.mark.parametrize("value", URLS)
def test_a_web_address_is_accepted_exactly_when_djangos_validator_accepts_it(value):
    expected = value.strip() if "://" in value else f"https://{value.strip()}"
    assert _outcome(clean_website, value) == (expected if _django_accepts(_URL, expected) else None)


_ADDRESS_CHARS = st.sampled_from([*"abcxyzKQ09._+-@:/?#%~ \u212aſéﬁ-", "..", "@@", "xn--"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ADDRESS_CHARS, min_size=1, max_size=30).map("".join))
def test_generated_emails_and_web_addresses_agree_with_django(text):
    email = text if "@" in text else f"{text}@firma.cz"
    local, _at, domain = email.strip().rpartition("@")
    expected = f"{local}@{domain.lower()}" if local else email.strip()
    assert _outcome(clean_email, email) == (expected if _django_accepts(validate_email, expected) else None)
    address = f"https://{text.strip()}" if text.strip() else "https://firma.cz"
    assert _outcome(clean_website, address) == (address if _django_accepts(_URL, address) else None)


@pytest.mark.parametrize(
    "text", ["Modrá Vlna s.r.o.", "  ACME\tGmbH \n", "Şerban\x1f Ţuţu", "FIRMA\x1c\x1dNOVA", "ﬁrma", "北京华兴", ""]
)
def test_fold_gives_the_same_text_with_or_without_its_ascii_shortcut(text):
    assert fold(text) == _slow_fold(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40))
def test_fold_of_any_ascii_text_matches_the_full_folding(text):
    assert fold(text) == _slow_fold(text)
