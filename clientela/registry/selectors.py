"""Reads of the registry app: look companies up, compare a result with a client, web-search links."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote_plus

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from clientela.clients.models import Client, ClientKind
from clientela.clients.validation import compact
from clientela.registry.errors import RegistryBadInput, RegistryNotAvailable
from clientela.registry.providers import provider_for
from clientela.registry.results import FieldChange, RegistryResult

MIN_NAME_LENGTH = 2
MAX_QUERY_LENGTH = 200

# The client fields a registry result fills, in the order the preview lists them.
FILLED_FIELDS = (
    "name",
    "kind",
    "registration_id",
    "tax_id",
    "vat_id",
    "billing_street",
    "billing_city",
    "billing_postal_code",
    "billing_region",
    "billing_country",
)
_COMPACT_FIELDS = {"registration_id", "tax_id", "vat_id", "billing_postal_code"}


def _cache_key(provider: str, capability: str, country: str, query: str) -> str:
    digest = hashlib.sha256(f"{provider}|{capability}|{country}|{query}".encode()).hexdigest()
    return f"registry:{provider}:{capability}:{digest}"


def registry_lookup(*, country: str, company_id: str | None = None, name: str | None = None) -> list[RegistryResult]:
    """Companies of ``country`` with this id (one) or whose name matches (any number), cached.

    Raises RegistryBadInput before any request when the input cannot be looked up,
    RegistryNotAvailable when no registry covers the country, RegistryNotFound for an unknown id
    and RegistryUnavailable when the registry does not answer.
    """
    country = (country or "").strip().upper()
    company_id = (company_id or "").strip()
    name = " ".join((name or "").split())
    if not country:
        raise RegistryBadInput(_("Choose the client's country first."))
    if company_id and name:
        raise RegistryBadInput(_("Look up either a company id or a name, not both."))
    if not company_id and not name:
        raise RegistryBadInput(_("Type a company id or a name to look up."))
    if len(company_id) > MAX_QUERY_LENGTH or len(name) > MAX_QUERY_LENGTH:
        raise RegistryBadInput(_("That is too long to look up."))
    if name and len(name) < MIN_NAME_LENGTH:
        raise RegistryBadInput(_("Type at least two letters of the name."))

    by_name = bool(name)
    provider = provider_for(country, by_name=by_name)
    if provider is None:
        raise RegistryNotAvailable(country=country, by_name=by_name)
    query = name if by_name else provider.clean_id(company_id, country)
    key = _cache_key(provider.name, "name" if by_name else "id", country, query)
    cached = cache.get(key)
    if cached is not None:
        return [RegistryResult.from_dict(row) for row in cached]
    results = provider.by_name(query, country=country) if by_name else provider.by_id(query, country=country)
    cache.set(key, [result.as_dict() for result in results], settings.REGISTRY_CACHE_SECONDS)
    return results


def looks_like_company_id(query: str) -> bool:
    """True for what reads as an id (27168352, CZ 271 68 352, B65410011), not as a name."""
    number = compact(query)
    digits = sum(character.isdigit() for character in number)
    return digits >= 2 and digits >= len(number) - 3


def registry_values(result: RegistryResult) -> dict[str, str]:
    """The client fields the result gives a value for (a value the registry does not give is left out)."""
    values = {
        "name": result.name,
        "kind": result.kind,
        "registration_id": result.registration_id,
        "tax_id": result.tax_id,
        "vat_id": result.vat_id,
        "billing_street": result.street,
        "billing_city": result.city,
        "billing_postal_code": result.postal_code,
        "billing_region": result.region,
        "billing_country": result.country,
    }
    return {field: value for field, value in values.items() if value}


def _same(field: str, current: str, new: str) -> bool:
    if field in _COMPACT_FIELDS:
        return compact(current) == compact(new)
    return " ".join(current.split()) == " ".join(new.split())


def _label(field: str) -> str:
    verbose_name = capfirst(str(cast(models.Field, Client._meta.get_field(field)).verbose_name))
    if field.startswith("billing_"):
        return _("%(part)s (billing address)") % {"part": verbose_name}
    return verbose_name


def _shown(field: str, value: str) -> str:
    if field == "kind" and value in ClientKind.values:
        return str(ClientKind(value).label)
    return value


def registry_changes(
    *, result: RegistryResult, client: Client | None = None, values: Mapping[str, Any] | None = None
) -> list[FieldChange]:
    """What applying ``result`` would change on ``client``, or on a form's current ``values``."""
    if client is not None:
        current = {field: str(getattr(client, field) or "") for field in (*FILLED_FIELDS, "country")}
    else:
        current = {field: str((values or {}).get(field) or "") for field in (*FILLED_FIELDS, "country")}
    changes = []
    for field, new in registry_values(result).items():
        now = current[field]
        if field == "billing_country" and not now:
            now_effective = current["country"].upper()  # empty means "the client's country"
            if now_effective == new:
                continue
        if _same(field, now, new):
            continue
        changes.append(
            FieldChange(
                field=field,
                label=_label(field),
                current=now,
                registry=new,
                current_text=_shown(field, now),
                registry_text=_shown(field, new),
            )
        )
    return changes


@dataclass(frozen=True)
class WebSearchLink:
    site: str
    url: str


def web_search_links(*, client: Client) -> list[WebSearchLink]:
    """Links that search the configured sites for the client's name: the country's own sites first."""
    query = quote_plus(client.name)
    own, general = [], []
    for site in settings.WEB_SEARCH_SITES:
        countries = site.get("countries") or []
        link = WebSearchLink(site=site["name"], url=site["url"].replace("{query}", query))
        if not countries:
            general.append(link)
        elif client.country in countries:
            own.append(link)
    return own + general
