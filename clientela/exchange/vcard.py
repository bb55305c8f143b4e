"""A client as vCards: one card for the organisation and one per contact, in one file.

vobject writes the text: it escapes commas, semicolons, backslashes and line breaks, ends lines with
CRLF and folds them at 75 octets without splitting a UTF-8 character. Addresses: the billing address
is ``TYPE=work,postal``, a separate shipping address ``TYPE=work,parcel`` (RFC 2426's "delivery
address for parcels"; vCard 4.0 dropped both words, its readers keep them as unknown type tokens).
"""

import uuid
from collections.abc import Iterable, Iterator, Sequence

import vobject
from django.utils.translation import gettext as _

from clientela.clients import record_fields
from clientela.clients.fields import FieldDefinition, RecordType
from clientela.clients.models import Client, ClientKind, Contact
from clientela.core.countries import country_name

VERSIONS = ("3.0", "4.0")
DEFAULT_VERSION = "3.0"
CONTENT_TYPE = "text/vcard; charset=utf-8"
BILLING_TYPES = ["work", "postal"]
SHIPPING_TYPES = ["work", "parcel"]

# Stable card ids: an address book that imports the file twice updates the cards it already has.
_UID_NAMESPACE = uuid.UUID("5b8f0a0e-8d5c-4c4e-9f55-6d7c1e0a4c21")


def card_uid(kind: str, pk: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, f'clientela:{kind}:{pk}')}"


def client_vcard(client: Client, *, version: str = DEFAULT_VERSION) -> str:
    """The client's card followed by a card per contact, as one vCard file (CRLF, UTF-8 text)."""
    _check_version(version)
    return _client_cards(client, version, fields=None)


def clients_vcards(clients: Iterable[Client], *, version: str = DEFAULT_VERSION) -> Iterator[str]:
    """The cards of many clients, one client at a time (its card, then its contacts'): a file is their text joined.

    The caller loads the clients with their contacts (``prefetch_related``); the field settings are
    read once, when the first client with custom values comes.
    """
    _check_version(version)
    fields: list[FieldDefinition] | None = None
    for client in clients:
        if client.custom_fields and fields is None:
            fields = record_fields.definitions(RecordType.CLIENT)
        yield _client_cards(client, version, fields=fields)


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r} is not one of {VERSIONS}")


def _client_cards(client: Client, version: str, *, fields: Sequence[FieldDefinition] | None) -> str:
    contacts: Iterable[Contact] = client.contacts.all()
    cards = [_client_card(client, version, fields), *(_contact_card(contact, client, version) for contact in contacts)]
    return "".join(card.serialize() for card in cards)


def client_note(client: Client) -> str:
    """The ids a card has no property for, one per line, labelled in the active language."""
    lines = [
        f"{label}: {value}"
        for label, value in (
            (_("Tax id"), client.tax_id),
            (_("Registration id"), client.registration_id),
            (_("VAT id"), client.vat_id),
        )
        if value
    ]
    return "\n".join(lines)


def _client_card(client: Client, version: str, fields: Sequence[FieldDefinition] | None) -> vobject.base.Component:
    card = _card(version, card_uid("client", client.pk))
    is_person = client.kind == ClientKind.INDIVIDUAL
    if version == "4.0":
        card.add("kind").value = "individual" if is_person else "org"
    # 3.0 requires N; an organisation has no personal name, so its parts stay empty.
    if version == "3.0" or is_person:
        card.add("n").value = vobject.vcard.Name(family=client.name if is_person else "")
    card.add("fn").value = client.name
    card.add("org").value = [client.name]
    _add_address(card, client.address("billing"), BILLING_TYPES)
    if not client.shipping_same_as_billing:
        _add_address(card, client.address("shipping"), SHIPPING_TYPES)
    _add_phone(card, client.phone, version)
    _add_email(card, client.email, version)
    if client.website:
        card.add("url").value = client.website
    if note := client_note(client):
        card.add("note").value = note
    _add_custom_values(card, client, fields)
    return card


def _add_custom_values(card: vobject.base.Component, client: Client, fields: Sequence[FieldDefinition] | None) -> None:
    """Each custom value as X-CLIENTELA-<NAME>, as a reader sees it (option labels, local dates and numbers)."""
    if not client.custom_fields:
        return
    if fields is None:
        fields = record_fields.definitions(RecordType.CLIENT)
    for item in record_fields.displayed_values(client.custom_fields, fields, kind=client.kind):
        card.add(f"x-clientela-{item['name'].replace('_', '-')}").value = item["text"]


def _contact_card(contact: Contact, client: Client, version: str) -> vobject.base.Component:
    card = _card(version, card_uid("contact", contact.pk))
    if version == "4.0":
        card.add("kind").value = "individual"
    card.add("n").value = vobject.vcard.Name(family=contact.last_name, given=contact.first_name)
    card.add("fn").value = str(contact)
    card.add("org").value = [client.name]
    if contact.position:
        card.add("title").value = contact.position
    _add_phone(card, contact.phone, version)
    _add_email(card, contact.email, version)
    if contact.language:
        card.add("lang").value = contact.language
    return card


def _card(version: str, uid: str) -> vobject.base.Component:
    card = vobject.vCard()
    card.add("version").value = version
    card.add("uid").value = uid
    return card


def _add_address(card: vobject.base.Component, address: dict[str, str], types: list[str]) -> None:
    if not any(address.values()):
        return
    line = card.add("adr")
    line.value = vobject.vcard.Address(
        street=address["street"],
        city=address["city"],
        region=address["region"],
        code=address["postal_code"],
        country=country_name(address["country"]),
    )
    line.params["TYPE"] = list(types)


def _add_phone(card: vobject.base.Component, phone: str, version: str) -> None:
    if not phone:
        return
    line = card.add("tel")
    if version == "4.0":  # a tel: URI (RFC 3966), as RFC 6350 recommends
        line.value = f"tel:{phone}"
        line.params["VALUE"] = ["uri"]
    else:
        line.value = phone
    line.params["TYPE"] = ["work", "voice"]


def _add_email(card: vobject.base.Component, email: str, version: str) -> None:
    if not email:
        return
    line = card.add("email")
    line.value = email
    line.params["TYPE"] = ["work"] if version == "4.0" else ["internet", "work"]
