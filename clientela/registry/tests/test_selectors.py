"""What a registry result would change on a client, and the web-search links of a client."""

from clientela.clients.tests.factories import make_client
from clientela.registry.results import FieldChange, RegistryResult
from clientela.registry.selectors import registry_changes, web_search_links

ANAF_RESULT = RegistryResult(
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
)


def test_changes_list_each_field_the_registry_would_change_with_now_and_new(bob_client):
    changes = registry_changes(result=ANAF_RESULT, client=bob_client)

    assert changes == [
        FieldChange(
            "name", "Name", "Țesătoria Argeș SRL", "ȚESĂTORIA ARGEȘ SRL", "Țesătoria Argeș SRL", "ȚESĂTORIA ARGEȘ SRL"
        ),
        FieldChange("registration_id", "Registration id", "", "18547290", "", "18547290"),
        FieldChange("vat_id", "VAT id", "", "RO18547290", "", "RO18547290"),
        FieldChange("billing_street", "Street (billing address)", "", ANAF_RESULT.street, "", ANAF_RESULT.street),
        FieldChange("billing_city", "City (billing address)", "", "Mun. Piteşti", "", "Mun. Piteşti"),
        FieldChange("billing_postal_code", "Postal code (billing address)", "", "110049", "", "110049"),
        FieldChange("billing_region", "Region (billing address)", "", "ARGEŞ", "", "ARGEŞ"),
    ]


def test_a_client_that_already_has_the_registry_data_has_no_changes(alice_client):
    result = RegistryResult(
        source="ARES",
        name="Modrá Vlna s.r.o.",
        registration_id="27168352",
        vat_id="CZ 27168352",
        street="Kounicova 684/12a",
        city="Brno",
        postal_code="60200",
        country="CZ",
        kind="company",
    )

    assert registry_changes(result=result, client=alice_client) == []


def test_changes_compare_with_the_forms_values_and_show_kinds_by_their_label():
    values = {"name": "Jan Novák", "kind": "company", "country": "CZ", "billing_country": "", "registration_id": "1 2"}
    result = RegistryResult(source="ARES", name="Jan Novák", registration_id="12", kind="individual", country="SK")

    assert registry_changes(result=result, values=values) == [
        FieldChange("kind", "Kind", "company", "individual", "Company", "Individual"),
        FieldChange("billing_country", "Country (billing address)", "", "SK", "", "SK"),
    ]


def test_the_registry_never_blanks_a_field_it_does_not_give(alice_client):
    result = RegistryResult(source="VIES", vat_id="CZ27168352", country="CZ")

    assert registry_changes(result=result, client=alice_client) == []


def test_web_search_links_for_a_czech_client_put_firmy_cz_before_the_general_engine(alice, settings):
    settings.WEB_SEARCH_SITES = [
        {"name": "Google", "url": "https://www.google.com/search?q={query}", "countries": []},
        {"name": "Firmy.cz", "url": "https://www.firmy.cz/?q={query}", "countries": ["CZ"]},
    ]
    client = make_client(user=alice, name="Modrá Vlna & syn s.r.o.", country="CZ")

    links = web_search_links(client=client)

    assert [(link.site, link.url) for link in links] == [
        ("Firmy.cz", "https://www.firmy.cz/?q=Modr%C3%A1+Vlna+%26+syn+s.r.o."),
        ("Google", "https://www.google.com/search?q=Modr%C3%A1+Vlna+%26+syn+s.r.o."),
    ]


def test_web_search_links_leave_out_other_countries_sites(bob_client, settings):
    settings.WEB_SEARCH_SITES = [
        {"name": "Firmy.cz", "url": "https://www.firmy.cz/?q={query}", "countries": ["CZ"]},
        {"name": "DuckDuckGo", "url": "https://duckduckgo.com/?q={query}", "countries": []},
    ]

    links = web_search_links(client=bob_client)

    assert [(link.site, link.url) for link in links] == [
        ("DuckDuckGo", "https://duckduckgo.com/?q=%C8%9Aes%C4%83toria+Arge%C8%99+SRL"),
    ]


def test_the_default_sites_are_firmy_cz_for_czech_clients_and_google_for_all():
    from django.conf import settings

    assert settings.WEB_SEARCH_SITES == [
        {"name": "Firmy.cz", "url": "https://www.firmy.cz/?q={query}", "countries": ["CZ"]},
        {"name": "Google", "url": "https://www.google.com/search?q={query}", "countries": []},
    ]
