"""GET /api/v1/registry/lookup/: results as JSON, and each failure with its status and message."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/registry/lookup/"
MODRA_VLNA = {
    "source": "ARES",
    "name": "Modrá Vlna s.r.o.",
    "registration_id": "27168352",
    "tax_id": "27168352",
    "vat_id": "CZ27168352",
    "address": {
        "street": "Kounicova 684/12a",
        "city": "Brno",
        "postal_code": "602 00",
        "region": "Jihomoravský kraj",
        "country": "CZ",
    },
    "kind": "company",
    "is_individual_entrepreneur": False,
    "legal_form": "112",
}


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_url_is_named_in_the_api_namespace():
    assert reverse("api:registry-lookup") == URL


def test_lookup_by_id_answers_a_list_of_one(alice, registry_server):
    response = api(alice).get(URL, {"country": "CZ", "id": "27168352"})

    assert response.status_code == 200
    assert response.json() == [MODRA_VLNA]


def test_lookup_by_name_answers_every_match(alice, registry_server):
    response = api(alice).get(URL, {"country": "CZ", "name": "Modrá"})

    assert response.status_code == 200
    assert [(row["name"], row["address"]["city"]) for row in response.json()] == [
        ("Modrá Vlna s.r.o.", "Brno"),
        ("Modrá Hora a.s.", "Praha 5"),
    ]


def test_a_name_nothing_matches_is_an_empty_list(alice, registry_server):
    response = api(alice).get(URL, {"country": "CZ", "name": "Nikdo takový"})

    assert response.status_code == 200
    assert response.json() == []


def test_vies_without_a_name_answers_empty_name_and_address(alice, registry_server):
    response = api(alice).get(URL, {"country": "ES", "id": "ESB65410011"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "source": "VIES",
            "name": "",
            "registration_id": "",
            "tax_id": "",
            "vat_id": "ESB65410011",
            "address": {"street": "", "city": "", "postal_code": "", "region": "", "country": "ES"},
            "kind": "",
            "is_individual_entrepreneur": False,
            "legal_form": "",
        }
    ]


def test_an_unknown_id_is_404_with_the_message(alice, registry_server):
    response = api(alice).get(URL, {"country": "CZ", "id": "25596641"})

    assert response.status_code == 404
    assert response.json() == {
        "detail": "The business registry ARES has no company with the id 25596641.",
        "code": "not_found",
    }


def test_bad_input_is_400_and_never_reaches_the_registry(alice, registry_server):
    response = api(alice).get(URL, {"country": "CZ", "id": "12345678"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "“12345678” is not a valid company registration id for CZ.",
        "code": "invalid",
    }
    assert registry_server.requests == []


def test_a_country_without_a_registry_is_400(alice, registry_server):
    response = api(alice).get(URL, {"country": "US", "id": "123456789"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "There is no business registry to look up company ids for the country US.",
        "code": "no_registry",
    }


def test_an_unreachable_registry_is_502_with_the_message(alice, registry_down):
    response = api(alice).get(URL, {"country": "CZ", "id": "27168352"})

    assert response.status_code == 502
    assert response.json() == {
        "detail": (
            "The business registry ARES cannot be reached right now. "
            "Try again in a while, or fill in the fields yourself."
        ),
        "code": "registry_unavailable",
    }


def test_an_anonymous_caller_is_refused_before_the_registry_is_asked(client, registry_server):
    response = APIClient().get(URL, {"country": "CZ", "id": "27168352"})

    assert response.status_code == 401
    assert registry_server.requests == []
