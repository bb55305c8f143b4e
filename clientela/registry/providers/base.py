"""The interface every registry provider implements."""

from abc import ABC, abstractmethod

from django.core.exceptions import ValidationError

from clientela.registry.errors import RegistryBadInput, RegistryNotAvailable
from clientela.registry.results import RegistryResult


class Provider(ABC):
    """A business registry: which countries it covers and how it looks companies up.

    A provider turns the registry's own response into ``RegistryResult`` objects. It is only
    handed input that ``clean_id`` accepted, so bad input never reaches the registry.
    """

    name: str = ""
    countries: frozenset[str] = frozenset()
    searches_by_name = False

    @abstractmethod
    def clean_id(self, value: str, country: str) -> str:
        """The id in the form the registry wants; raise RegistryBadInput when it cannot be one."""

    @abstractmethod
    def by_id(self, company_id: str, *, country: str) -> list[RegistryResult]:
        """The company with this (cleaned) id; raise RegistryNotFound when there is none."""

    def by_name(self, name: str, *, country: str) -> list[RegistryResult]:
        """Companies whose name matches; an empty list when none does.

        Only called on providers with ``searches_by_name`` (``provider_for`` picks by it).
        """
        raise RegistryNotAvailable(country=country, by_name=True)


def bad_input(error: ValidationError) -> RegistryBadInput:
    """The validator's own message (already in the user's language) as a look-up error."""
    return RegistryBadInput(" ".join(error.messages))


def text(value: object) -> str:
    """A registry value as one line of text ("" for null)."""
    return " ".join(str(value).split()) if value is not None else ""
