"""Clients, groups and contacts made through the services, so tests see what users would."""

import itertools
from typing import Any

from clientela.accounts.models import User
from clientela.clients.models import Client, ClientGroup, Contact
from clientela.clients.services import client_create, contact_create, group_create

_sequence = itertools.count(1)

# Real identifiers that pass their national checks (fictional companies).
CZ_ICO = "27168352"  # Modrá Vlna s.r.o.
RO_CUI = "18547290"
ES_CIF = "B65410011"
CN_USCC = "91110000600037341L"


def make_client(
    *,
    user: User,
    owner: User | None = None,
    groups: list[ClientGroup] | None = None,
    custom_fields: dict[str, Any] | None = None,
    **values: Any,
) -> Client:
    values.setdefault("name", f"Client {next(_sequence)} s.r.o.")
    values.setdefault("country", "CZ")
    return client_create(user=user, owner=owner, values=values, groups=groups or [], custom_fields=custom_fields)


def make_group(*, user: User, name: str | None = None, description: str = "") -> ClientGroup:
    return group_create(user=user, name=name or f"Group {next(_sequence)}", description=description)


def make_contact(*, client: Client, user: User, **values: Any) -> Contact:
    values.setdefault("last_name", f"Contact{next(_sequence)}")
    return contact_create(client=client, user=user, values=values)
