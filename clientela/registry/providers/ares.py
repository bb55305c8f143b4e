"""ARES, the Czech register of economic subjects (REST API v3): by IČO and by name."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from clientela.clients.validation import clean_registration_id, clean_tax_id, clean_vat_id
from clientela.registry.errors import RegistryNotFound, RegistryUnavailable
from clientela.registry.http import request_json
from clientela.registry.providers.base import Provider, bad_input, text
from clientela.registry.results import RegistryResult

PATH = "/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty"
SEARCH_SIZE = 10

# Legal-form codes (číselník ARES "PravniForma") of natural persons in business: sole traders
# under the Trade Licensing Act (101), other acts (102, 105, 107), farmers (103, 108) and others.
INDIVIDUAL_FORMS = frozenset({"100", "101", "102", "103", "104", "105", "106", "107", "108"})


def _postal_code(value: Any) -> str:
    digits = text(value).replace(" ", "")
    return f"{digits[:3]} {digits[3:]}" if len(digits) == 5 and digits.isdigit() else digits


def _house_number(seat: dict[str, Any]) -> str:
    """684/12a: the building number, then the street number with its letter."""
    number = text(seat.get("cisloDomovni"))
    orientation = text(seat.get("cisloOrientacni")) + text(seat.get("cisloOrientacniPismeno"))
    return f"{number}/{orientation}" if number and orientation else number or orientation


def _street(seat: dict[str, Any]) -> str:
    # Villages without street names are addressed by the part of the municipality.
    place = text(seat.get("nazevUlice")) or text(seat.get("nazevCastiObce")) or text(seat.get("nazevObce"))
    return " ".join(part for part in (place, _house_number(seat)) if part)


def _city(seat: dict[str, Any]) -> str:
    city = text(seat.get("nazevObce"))
    district = text(seat.get("nazevMestskehoObvodu"))
    # Prague's post uses the numbered district ("Praha 5"); Brno's "Brno-střed" is not part of the address.
    if city == "Praha" and district.startswith("Praha "):
        return district
    return city


def _clean(clean: Any, value: str, country: str) -> str:
    if not value:
        return ""
    try:
        return str(clean(value, country))
    except ValidationError:
        return value


def to_result(subject: dict[str, Any]) -> RegistryResult:
    """One ARES "ekonomický subjekt" as a result."""
    seat = subject.get("sidlo") or {}
    dic = text(subject.get("dic"))
    registrations = subject.get("seznamRegistraci") or {}
    # The DIČ is a VAT id only while the VAT register lists the subject (unknown in search results).
    is_vat_payer = registrations.get("stavZdrojeDph", "AKTIVNI") == "AKTIVNI"
    legal_form = text(subject.get("pravniForma"))
    kind = ("individual" if legal_form in INDIVIDUAL_FORMS else "company") if legal_form else ""
    return RegistryResult(
        source=AresProvider.name,
        name=text(subject.get("obchodniJmeno")),
        registration_id=_clean(clean_registration_id, text(subject.get("ico")), "CZ"),
        tax_id=_clean(clean_tax_id, dic, "CZ"),
        vat_id=_clean(clean_vat_id, dic, "CZ") if is_vat_payer else "",
        street=_street(seat),
        city=_city(seat),
        postal_code=_postal_code(seat.get("psc")),
        region=text(seat.get("nazevKraje")),
        country=text(seat.get("kodStatu")) or "CZ",
        kind=kind,
        legal_form=legal_form,
    )


class AresProvider(Provider):
    name = "ARES"
    countries = frozenset({"CZ"})
    searches_by_name = True

    def clean_id(self, value: str, country: str) -> str:
        try:
            number = clean_registration_id(value, "CZ")
        except ValidationError as error:
            raise bad_input(error) from None
        return number

    def by_id(self, company_id: str, *, country: str) -> list[RegistryResult]:
        status, body = request_json("GET", f"{settings.REGISTRY_ARES_URL}{PATH}/{company_id}", source=self.name)
        if status == 404:
            raise RegistryNotFound(source=self.name, company_id=company_id)
        if status != 200 or not isinstance(body, dict):
            raise RegistryUnavailable(source=self.name)
        return [to_result(body)]

    def by_name(self, name: str, *, country: str) -> list[RegistryResult]:
        status, body = request_json(
            "POST",
            f"{settings.REGISTRY_ARES_URL}{PATH}/vyhledat",
            source=self.name,
            body={"obchodniJmeno": name, "start": 0, "pocet": SEARCH_SIZE},
        )
        if status == 404:
            return []
        if status != 200 or not isinstance(body, dict):
            raise RegistryUnavailable(source=self.name)
        return [to_result(subject) for subject in body.get("ekonomickeSubjekty") or []]
