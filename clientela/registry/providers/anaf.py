"""ANAF, the Romanian tax authority's register of VAT payers (PlatitorTvaRest v9): by CUI."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.clients.validation import clean_tax_id
from clientela.registry.errors import RegistryBadInput, RegistryNotFound, RegistryUnavailable
from clientela.registry.http import request_json
from clientela.registry.providers.base import Provider, bad_input, text
from clientela.registry.results import RegistryResult

PATH = "/api/PlatitorTvaRest/v9/tva"

# Legal forms of natural persons in business: PFA, individual and family enterprises.
INDIVIDUAL_FORMS = ("PERSOANA FIZICA", "PERSOANĂ FIZICĂ", "INTREPRINDERE", "ÎNTREPRINDERE")


def to_result(found: dict[str, Any]) -> RegistryResult:
    """One entry of ANAF's "found" list as a result."""
    general = found.get("date_generale") or {}
    seat = found.get("adresa_sediu_social") or {}
    vat = found.get("inregistrare_scop_Tva") or {}
    cui = text(general.get("cui"))
    street = " ".join(part for part in (text(seat.get("sdenumire_Strada")), text(seat.get("snumar_Strada"))) if part)
    street = ", ".join(part for part in (street, text(seat.get("sdetalii_Adresa"))) if part)
    legal_form = text(general.get("forma_juridica"))
    is_individual = legal_form.upper().startswith(INDIVIDUAL_FORMS)
    return RegistryResult(
        source=AnafProvider.name,
        name=text(general.get("denumire")),
        registration_id=cui,
        tax_id=cui,
        vat_id=f"RO{cui}" if cui and vat.get("scpTVA") else "",
        street=street,
        city=text(seat.get("sdenumire_Localitate")),
        postal_code=text(seat.get("scod_Postal")) or text(general.get("codPostal")),
        region=text(seat.get("sdenumire_Judet")),
        country="RO",
        kind=("individual" if is_individual else "company") if legal_form else "",
        legal_form=legal_form,
    )


class AnafProvider(Provider):
    name = "ANAF"
    countries = frozenset({"RO"})

    def clean_id(self, value: str, country: str) -> str:
        try:
            number = clean_tax_id(value, "RO")
        except ValidationError as error:
            raise bad_input(error) from None
        # ANAF knows companies by CUI; a personal numeric code (13 digits) is not looked up.
        if not number.isdigit() or len(number) > 10:
            raise RegistryBadInput(_("ANAF looks companies up by their CUI (up to ten digits)."))
        return number

    def by_id(self, company_id: str, *, country: str) -> list[RegistryResult]:
        status, body = request_json(
            "POST",
            f"{settings.REGISTRY_ANAF_URL}{PATH}",
            source=self.name,
            body=[{"cui": int(company_id), "data": timezone.localdate().isoformat()}],
        )
        if status != 200 or not isinstance(body, dict):
            raise RegistryUnavailable(source=self.name)
        found = [to_result(entry) for entry in body.get("found") or []]
        if not found:
            raise RegistryNotFound(source=self.name, company_id=company_id)
        return found
