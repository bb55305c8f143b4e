"""The registry providers, by country and capability.

Another country's registry is one new module here and one line in PROVIDERS. The first provider
that covers a country wins, so national registries come before VIES, which covers all of the EU.
"""

from clientela.registry.providers.anaf import AnafProvider
from clientela.registry.providers.ares import AresProvider
from clientela.registry.providers.base import Provider
from clientela.registry.providers.vies import ViesProvider

PROVIDERS: tuple[Provider, ...] = (
    AresProvider(),
    AnafProvider(),
    ViesProvider(),
)


def provider_for(country: str, *, by_name: bool) -> Provider | None:
    """The provider that looks up companies of ``country`` by id (or by name), if any."""
    for provider in PROVIDERS:
        if country in provider.countries and (provider.searches_by_name or not by_name):
            return provider
    return None


__all__ = ["PROVIDERS", "Provider", "provider_for"]
