"""VIES, the EU's check of VAT numbers (REST API): by VAT id, for every EU country.

Several member states (Spain and Germany among them) never give the trader's name or address and
answer "---" instead: that means "not given", and such a result fills only the VAT id.
"""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from clientela.clients.validation import clean_vat_id
from clientela.core.countries import EU_COUNTRIES
from clientela.registry.errors import RegistryNotFound, RegistryUnavailable
from clientela.registry.http import request_json
from clientela.registry.providers.base import Provider, bad_input, text
from clientela.registry.results import RegistryResult

PATH = "/taxation_customs/vies/rest-api/check-vat-number"
# VIES answers these when the member state's own service is down or busy: no verdict on the number.
UNAVAILABLE = {"MS_UNAVAILABLE", "MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ", "SERVICE_UNAVAILABLE", "TIMEOUT"}
NOT_GIVEN = {"---", "--", "-", "N/A"}
_POSTAL_CITY = re.compile(r"^(?P<postal_code>[A-Z]{0,2}-?\d[\d\- ]{2,8}\d?)\s+(?P<city>\D.*)$")


def _given(value: Any) -> str:
    value = text(value)
    return "" if value.upper() in NOT_GIVEN else value


def _address(raw: Any) -> tuple[str, str, str]:
    """(street, postal code, city) from VIES's free-text address (lines: street, then "code city")."""
    lines = [_given(line) for line in str(raw or "").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "", "", ""
    last = _POSTAL_CITY.match(lines[-1]) if len(lines) > 1 else None
    if last:
        return ", ".join(lines[:-1]), last["postal_code"].strip(), last["city"].strip()
    return ", ".join(lines), "", ""


def to_result(answer: dict[str, Any]) -> RegistryResult:
    country = text(answer.get("countryCode")).upper()
    # Greece answers as EL, Northern Ireland as XI: store the ISO country codes.
    country = {"EL": "GR", "XI": "GB"}.get(country, country)
    street, postal_code, city = _address(answer.get("address"))
    return RegistryResult(
        source=ViesProvider.name,
        name=_given(answer.get("name")) or _given(answer.get("traderName")),
        vat_id=clean_vat_id(f"{text(answer.get('countryCode'))}{text(answer.get('vatNumber'))}", country),
        street=street or _given(answer.get("traderStreet")),
        city=city or _given(answer.get("traderCity")),
        postal_code=postal_code or _given(answer.get("traderPostalCode")),
        country=country,
    )


class ViesProvider(Provider):
    name = "VIES"
    countries = frozenset(EU_COUNTRIES | {"XI"})

    def clean_id(self, value: str, country: str) -> str:
        try:
            return clean_vat_id(value, country)
        except ValidationError as error:
            raise bad_input(error) from None

    def by_id(self, company_id: str, *, country: str) -> list[RegistryResult]:
        prefix = company_id[:2]
        status, body = request_json(
            "POST",
            f"{settings.REGISTRY_VIES_URL}{PATH}",
            source=self.name,
            body={"countryCode": "EL" if prefix == "GR" else prefix, "vatNumber": company_id[2:]},
        )
        if status != 200 or not isinstance(body, dict):
            raise RegistryUnavailable(source=self.name)
        if body.get("errorWrappers") or body.get("userError") in UNAVAILABLE:
            raise RegistryUnavailable(source=self.name)
        if not body.get("valid"):
            raise RegistryNotFound(source=self.name, company_id=company_id)
        try:
            return [to_result(body)]
        except ValidationError:
            raise RegistryUnavailable(source=self.name) from None
