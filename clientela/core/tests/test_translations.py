"""Every language ships complete: each catalogue translates every message, and pages speak it."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


def _catalogue(code: str):
    path = LOCALE_DIR / translation.to_locale(code) / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    catalogue = _catalogue(code)
    messages = [message for message in catalogue if message.id]

    untranslated = [
        message.id
        for message in messages
        if not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]
    fuzzy = [message.id for message in messages if message.fuzzy]

    assert len(messages) > 250
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_every_placeholder(code):
    for message in _catalogue(code):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(sources[-1]))
        for target in targets:
            # A singular form may leave out the number ("one client" instead of "1 client").
            assert set(PLACEHOLDER.findall(target)) <= expected | set(PLACEHOLDER.findall(sources[0])), message.id
            assert expected - {"%(count)d", "%(counter)s"} <= set(PLACEHOLDER.findall(target)), message.id


@pytest.mark.parametrize(
    ("code", "clients", "new_client"),
    [
        ("cs", "Klienti", "Nový klient"),
        ("es", "Clientes", "Nuevo cliente"),
        ("ca", "Clients", "Afegeix un client"),
        ("ro", "Clienți", "Client nou"),
        ("zh-hans", "客户", "新建客户"),
    ],
)
def test_the_client_list_speaks_the_users_language(client, alice, code, clients, new_client):
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code

    page = client.get(reverse("clients:list")).content.decode()

    assert f'<html lang="{code}"' in page
    assert clients in page
    assert new_client in page
    assert "New client" not in page
