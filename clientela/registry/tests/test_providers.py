"""Look-ups in ARES, ANAF and VIES against the fake registries: mapping, errors, timeouts, caching."""

import pytest
from django.utils.functional import Promise
from django.utils.translation import override

from clientela.registry.errors import (
    RegistryBadInput,
    RegistryNotAvailable,
    RegistryNotFound,
    RegistryUnavailable,
)
from clientela.registry.providers import PROVIDERS, provider_for
from clientela.registry.results import RegistryResult
from clientela.registry.selectors import registry_lookup
from clientela.registry.tests.conftest import ANAF, ARES_SEARCH, VIES

MODRA_VLNA = RegistryResult(
    source="ARES",
    name="Modrá Vlna s.r.o.",
    registration_id="27168352",
    tax_id="27168352",
    vat_id="CZ27168352",
    street="Kounicova 684/12a",
    city="Brno",
    postal_code="602 00",
    region="Jihomoravský kraj",
    country="CZ",
    kind="company",
    legal_form="112",
)


def test_ares_by_ico_maps_name_ids_and_the_address_with_building_and_street_numbers(registry_server):
    results = registry_lookup(country="CZ", company_id="271 68 352")

    assert results == [MODRA_VLNA]
    assert registry_server.requests == [("GET", "/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/27168352", None)]


def test_ares_by_name_posts_the_search_and_returns_both_matches(registry_server):
    results = registry_lookup(country="CZ", name="  Modrá ")

    assert registry_server.requests == [("POST", ARES_SEARCH, {"obchodniJmeno": "Modrá", "start": 0, "pocet": 10})]
    assert results == [
        RegistryResult(
            source="ARES",
            name="Modrá Vlna s.r.o.",
            registration_id="27168352",
            tax_id="27168352",
            vat_id="CZ27168352",
            street="Kounicova 684/12a",
            city="Brno",
            postal_code="602 00",
            country="CZ",
        ),
        RegistryResult(
            source="ARES",
            name="Modrá Hora a.s.",
            registration_id="24082732",
            street="Radlická 3301/10",
            city="Praha 5",
            postal_code="150 00",
            country="CZ",
        ),
    ]


def test_ares_search_without_matches_is_an_empty_list(registry_server):
    assert registry_lookup(country="CZ", name="Nikdo takový") == []
    assert len(registry_server.requests) == 1


def test_ares_unknown_ico_is_not_found_with_a_translatable_message(registry_server):
    with pytest.raises(RegistryNotFound) as raised:
        registry_lookup(country="CZ", company_id="25596641")

    assert str(raised.value.message) == "The business registry ARES has no company with the id 25596641."
    assert isinstance(raised.value.message, Promise)
    assert raised.value.code == "not_found"
    assert registry_server.requests == [("GET", "/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/25596641", None)]


def test_anaf_by_cui_posts_todays_date_and_maps_the_address_parts(registry_server):
    from django.utils import timezone

    results = registry_lookup(country="RO", company_id="RO 18547290")

    assert registry_server.requests == [("POST", ANAF, [{"cui": 18547290, "data": timezone.localdate().isoformat()}])]
    assert results == [
        RegistryResult(
            source="ANAF",
            name="ȚESĂTORIA ARGEȘ SRL",
            registration_id="18547290",
            tax_id="18547290",
            vat_id="RO18547290",
            street="Str. Exercițiu 23, Bl. P4, Ap. 7",
            city="Mun. Piteşti",
            postal_code="110049",
            region="ARGEŞ",
            country="RO",
            kind="company",
            legal_form="SOCIETATE COMERCIALĂ CU RĂSPUNDERE LIMITATĂ",
        )
    ]


def test_anaf_unknown_cui_is_not_found(registry_server):
    with pytest.raises(RegistryNotFound) as raised:
        registry_lookup(country="RO", company_id="14399840")

    assert str(raised.value.message) == "The business registry ANAF has no company with the id 14399840."


def test_vies_dashes_for_name_and_address_mean_not_given(registry_server):
    results = registry_lookup(country="ES", company_id="B65410011")

    assert registry_server.requests == [("POST", VIES, {"countryCode": "ES", "vatNumber": "B65410011"})]
    assert results == [RegistryResult(source="VIES", vat_id="ESB65410011", country="ES")]
    assert results[0].name == ""


def test_vies_invalid_number_is_not_found(registry_server):
    with pytest.raises(RegistryNotFound) as raised:
        registry_lookup(country="ES", company_id="ESA28017895")

    assert str(raised.value.message) == "The business registry VIES has no company with the id ESA28017895."


@pytest.mark.parametrize(
    ("country", "company_id", "name", "message"),
    [
        ("CZ", "27168353", None, "“27168353” is not a valid company registration id for CZ."),
        ("RO", "18547291", None, "“18547291” is not a valid tax id for RO."),
        ("ES", "B65410012", None, "“B65410012” is not a valid VAT id."),
        ("CZ", None, "M", "Type at least two letters of the name."),
        ("CZ", None, None, "Type a company id or a name to look up."),
        ("CZ", "27168352", "Modrá", "Look up either a company id or a name, not both."),
        ("", "27168352", None, "Choose the client's country first."),
        ("CZ", "x" * 201, None, "That is too long to look up."),
    ],
)
def test_bad_input_is_refused_without_asking_the_registry(registry_server, country, company_id, name, message):
    with pytest.raises(RegistryBadInput) as raised:
        registry_lookup(country=country, company_id=company_id, name=name)

    assert str(raised.value.message) == message
    assert raised.value.code == "invalid"
    assert registry_server.requests == []


def test_a_romanian_personal_code_is_not_sent_to_anaf(registry_server):
    with pytest.raises(RegistryBadInput) as raised:
        registry_lookup(country="RO", company_id="1800101221144")

    assert str(raised.value.message) == "ANAF looks companies up by their CUI (up to ten digits)."
    assert registry_server.requests == []


def test_a_country_without_a_registry_says_so(registry_server):
    with pytest.raises(RegistryNotAvailable) as by_id:
        registry_lookup(country="CN", company_id="91110000600037341L")
    with pytest.raises(RegistryNotAvailable) as by_name:
        registry_lookup(country="ES", name="Modrá")

    assert str(by_id.value.message) == "There is no business registry to look up company ids for the country CN."
    assert str(by_name.value.message) == "There is no business registry to search by name for the country ES."
    assert by_id.value.code == "no_registry"
    assert registry_server.requests == []


def test_a_registry_slower_than_the_timeout_is_unreachable(registry_server, settings):
    settings.REGISTRY_TIMEOUT = 0.2
    registry_server.delay = 5

    with pytest.raises(RegistryUnavailable) as raised:
        registry_lookup(country="CZ", company_id="27168352")

    assert str(raised.value.message) == (
        "The business registry ARES cannot be reached right now. Try again in a while, or fill in the fields yourself."
    )
    assert raised.value.code == "registry_unavailable"
    assert len(registry_server.requests) == 1


def test_a_registry_that_is_down_is_unreachable(registry_down):
    with pytest.raises(RegistryUnavailable) as raised:
        registry_lookup(country="RO", company_id="18547290")

    assert str(raised.value.message).startswith("The business registry ANAF cannot be reached right now.")


def test_an_answer_is_cached_so_the_same_lookup_asks_once(registry_server):
    first = registry_lookup(country="CZ", company_id="27168352")
    second = registry_lookup(country="CZ", company_id="CZ 27168352")
    by_name = registry_lookup(country="CZ", name="Modrá")
    by_name_again = registry_lookup(country="CZ", name="Modrá")

    assert first == second == [MODRA_VLNA]
    assert by_name == by_name_again
    assert [method for method, _path, _body in registry_server.requests] == ["GET", "POST"]


def test_a_failed_lookup_is_not_cached(registry_server, settings):
    settings.REGISTRY_TIMEOUT = 0.2
    registry_server.delay = 5
    with pytest.raises(RegistryUnavailable):
        registry_lookup(country="CZ", company_id="27168352")
    registry_server.delay = 0
    settings.REGISTRY_TIMEOUT = 5

    assert registry_lookup(country="CZ", company_id="27168352") == [MODRA_VLNA]
    assert len(registry_server.requests) == 2


def test_error_messages_are_translated_when_shown_not_when_raised(registry_server):
    with pytest.raises(RegistryNotFound) as raised:
        registry_lookup(country="CZ", company_id="25596641")

    message = raised.value.message
    assert isinstance(message, Promise)
    assert str(message) == "The business registry ARES has no company with the id 25596641."
    with override("cs"):
        assert str(message) == "V registru ARES není firma s identifikačním číslem 25596641."


def test_each_country_finds_its_provider_national_registries_before_vies():
    assert [provider.name for provider in PROVIDERS] == ["ARES", "ANAF", "VIES"]
    assert provider_for("CZ", by_name=False).name == "ARES"
    assert provider_for("CZ", by_name=True).name == "ARES"
    assert provider_for("RO", by_name=False).name == "ANAF"
    assert provider_for("RO", by_name=True) is None
    assert provider_for("DE", by_name=False).name == "VIES"
    assert provider_for("US", by_name=False) is None


def test_vies_name_and_free_text_address_are_split_into_street_postal_code_and_city():
    from clientela.registry.providers.vies import to_result

    answer = {
        "countryCode": "CZ",
        "vatNumber": "27168352",
        "valid": True,
        "name": "Modrá Vlna s.r.o.",
        "address": "Kounicova 684/12a\n60200 Brno",
    }

    assert to_result(answer) == RegistryResult(
        source="VIES",
        name="Modrá Vlna s.r.o.",
        vat_id="CZ27168352",
        street="Kounicova 684/12a",
        city="Brno",
        postal_code="60200",
        country="CZ",
    )


def test_vies_reporting_the_member_state_unavailable_is_unreachable_not_unknown(registry_server, monkeypatch):
    from clientela.registry.providers import vies

    monkeypatch.setattr(
        vies, "request_json", lambda *args, **kwargs: (200, {"valid": False, "userError": "MS_UNAVAILABLE"})
    )

    with pytest.raises(RegistryUnavailable):
        registry_lookup(country="DE", company_id="DE136695976")
