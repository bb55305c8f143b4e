"""Why a registry look-up gave no answer: domain errors whose messages are translated when shown.

The messages are lazy: a look-up's error may be shown in a later request (or a cached page part),
and is then rendered in the language active there, not the one active when it was raised.
"""

from typing import Any, cast

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from clientela.core.errors import DomainError


def _interpolate(message: str, params: dict[str, Any]) -> str:
    return gettext(message) % params


_lazy_interpolate = lazy(_interpolate, str)


def lazy_message(message: str, **params: Any) -> str:
    """``gettext(message) % params``, evaluated each time it is shown (in that moment's language)."""
    return cast(str, _lazy_interpolate(message, params))


class RegistryError(DomainError):
    """A look-up in a business registry gave no result to show."""


class RegistryUnavailable(RegistryError):
    """The registry did not answer in time, refused the connection or answered with garbage."""

    def __init__(self, *, source: str) -> None:
        super().__init__(
            lazy_message(
                gettext_noop(
                    "The business registry %(registry)s cannot be reached right now. "
                    "Try again in a while, or fill in the fields yourself."
                ),
                registry=source,
            ),
            code="registry_unavailable",
        )
        self.source = source


class RegistryNotFound(RegistryError):
    """The registry knows no company with this id."""

    def __init__(self, *, source: str, company_id: str) -> None:
        super().__init__(
            lazy_message(
                gettext_noop("The business registry %(registry)s has no company with the id %(id)s."),
                registry=source,
                id=company_id,
            ),
            code="not_found",
        )
        self.source = source


class RegistryBadInput(RegistryError):
    """The id or name cannot be looked up; nothing was sent to the registry."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="invalid")


class RegistryNotAvailable(RegistryError):
    """No registry is configured for this country and kind of look-up."""

    def __init__(self, *, country: str, by_name: bool) -> None:
        message = (
            gettext_noop("There is no business registry to search by name for the country %(country)s.")
            if by_name
            else gettext_noop("There is no business registry to look up company ids for the country %(country)s.")
        )
        super().__init__(lazy_message(message, country=country or "—"), code="no_registry")
