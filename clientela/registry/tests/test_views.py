"""The "Fill from registry" panel of the client form and the web-search links of the client page."""

import json
import re

import pytest
from django.core import signing
from django.urls import reverse

from clientela.clients.models import Client
from clientela.clients.services import CLIENT_FIELDS
from clientela.clients.tests.factories import make_client
from clientela.registry.results import RegistryResult
from clientela.registry.views import RESULT_SALT, sign_result

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"""hx-vals='\{"result": "([^"]+)"\}'""")


def form_data(client: Client, **changes) -> dict:
    """What the client's edit form posts, with ``changes`` typed in."""
    data = {field: getattr(client, field) for field in CLIENT_FIELDS}
    data.update(owner=client.owner_id, version=client.version, groups=[group.pk for group in client.groups.all()])
    data.update(changes)
    if data.pop("shipping_same_as_billing"):
        data["shipping_same_as_billing"] = "on"
    return data


def tokens(response) -> list[str]:
    return [json.loads(f'"{raw}"') for raw in TOKEN.findall(response.content.decode())]


@pytest.fixture
def plain_client(alice):
    """A Czech client typed in by hand: a short name, no ids, no address."""
    return make_client(user=alice, name="Modra vlna", country="CZ", email="info@modravlna.cz")


def test_the_client_forms_show_the_registry_panel(client, alice, plain_client):
    client.force_login(alice)

    for url in (reverse("clients:create"), reverse("clients:edit", args=[plain_client.pk])):
        page = client.get(url).content.decode()
        assert 'id="registry-panel"' in page
        assert f'hx-get="{reverse("registry:search")}"' in page
        assert "hx-include=\"form.client-form [name='country']\"" in page


def test_searching_by_name_lists_the_matches_to_choose_from(client, alice, registry_server):
    client.force_login(alice)

    response = client.get(reverse("registry:search"), {"country": "CZ", "registry_query": "Modrá"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 matches in ARES." in page
    assert "Modrá Vlna s.r.o." in page
    assert "Modrá Hora a.s." in page
    assert "Radlická 3301/10, 150 00 Praha 5" in page
    chosen = [signing.loads(token, salt=RESULT_SALT)["name"] for token in tokens(response)]
    assert chosen == ["Modrá Vlna s.r.o.", "Modrá Hora a.s."]


def test_a_query_that_reads_as_an_id_looks_the_id_up(client, alice, registry_server):
    client.force_login(alice)

    response = client.get(reverse("registry:search"), {"country": "CZ", "registry_query": "271 68 352"})

    assert "1 match in ARES." in response.content.decode()
    assert registry_server.requests == [("GET", "/ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/27168352", None)]


def test_the_panel_shows_registry_errors_in_place(client, alice, registry_down):
    client.force_login(alice)

    response = client.get(reverse("registry:search"), {"country": "CZ", "registry_query": "27168352"})

    assert response.status_code == 200
    assert "The business registry ARES cannot be reached right now." in response.content.decode()


def test_the_panel_asks_for_the_country_before_looking_up(client, alice, registry_server):
    client.force_login(alice)

    response = client.get(reverse("registry:search"), {"country": "", "registry_query": "Modrá"})

    assert "Choose the client&#x27;s country first." in response.content.decode()
    assert registry_server.requests == []


def test_choosing_a_match_previews_each_change_from_now_to_the_registry(client, alice, plain_client, registry_server):
    client.force_login(alice)
    search = client.get(reverse("registry:search"), {"country": "CZ", "registry_query": "27168352"})
    [token] = tokens(search)

    response = client.post(reverse("registry:preview"), {**form_data(plain_client), "result": token})

    page = response.content.decode()
    rows = re.findall(
        r'<tr data-field="(\w+)">\s*<th scope="row">([^<]+)</th>\s*<td>(.*?)</td>\s*<td class="strong">([^<]*)</td>',
        page,
    )
    assert rows == [
        ("name", "Name", "Modra vlna", "Modrá Vlna s.r.o."),
        ("registration_id", "Registration id", '<span class="muted">(empty)</span>', "27168352"),
        ("tax_id", "Tax id", '<span class="muted">(empty)</span>', "27168352"),
        ("vat_id", "VAT id", '<span class="muted">(empty)</span>', "CZ27168352"),
        ("billing_street", "Street (billing address)", '<span class="muted">(empty)</span>', "Kounicova 684/12a"),
        ("billing_city", "City (billing address)", '<span class="muted">(empty)</span>', "Brno"),
        ("billing_postal_code", "Postal code (billing address)", '<span class="muted">(empty)</span>', "602 00"),
        ("billing_region", "Region (billing address)", '<span class="muted">(empty)</span>', "Jihomoravský kraj"),
    ]
    assert 'id="registry-apply"' in page
    assert Client.objects.get(pk=plain_client.pk).name == "Modra vlna"


def test_applying_fills_the_form_inputs_and_saves_nothing(client, alice, plain_client, registry_server):
    client.force_login(alice)
    search = client.get(reverse("registry:search"), {"country": "CZ", "registry_query": "27168352"})
    [token] = tokens(search)
    versions_before = plain_client.history_entries.count()

    response = client.post(reverse("registry:apply"), {**form_data(plain_client), "result": token})

    page = response.content.decode()
    assert "8 fields were filled from ARES. Check them and press Save to keep them." in page
    swapped = dict(re.findall(r'<input type="text" name="(\w+)" value="([^"]*)"[^>]*hx-swap-oob="true"', page))
    assert swapped == {
        "name": "Modrá Vlna s.r.o.",
        "registration_id": "27168352",
        "tax_id": "27168352",
        "vat_id": "CZ27168352",
        "billing_street": "Kounicova 684/12a",
        "billing_city": "Brno",
        "billing_postal_code": "602 00",
        "billing_region": "Jihomoravský kraj",
    }
    assert 'id="id_billing_city"' in page
    stored = Client.objects.get(pk=plain_client.pk)
    assert (stored.name, stored.registration_id, stored.billing_city, stored.version) == ("Modra vlna", "", "", 1)
    assert plain_client.history_entries.count() == versions_before

    # Save posts the filled form; the client form's own validation runs and the values are kept.
    saved = client.post(reverse("clients:edit", args=[plain_client.pk]), form_data(plain_client, **swapped))

    assert saved.status_code == 302
    stored = Client.objects.get(pk=plain_client.pk)
    assert (stored.name, stored.registration_id, stored.vat_id, stored.billing_street, stored.billing_city) == (
        "Modrá Vlna s.r.o.",
        "27168352",
        "CZ27168352",
        "Kounicova 684/12a",
        "Brno",
    )


def test_applying_an_individual_entrepreneur_switches_the_kind_radio(client, alice, plain_client):
    client.force_login(alice)
    result = RegistryResult(source="ARES", name="Jan Novák", registration_id="27168352", kind="individual")

    response = client.post(reverse("registry:apply"), {**form_data(plain_client), "result": sign_result(result)})

    page = response.content.decode()
    assert re.search(r'<input type="radio" name="kind" value="individual"[^>]*id="id_kind_1"[^>]*checked', page)
    assert re.search(r'<input type="radio" name="kind" value="company"[^>]*id="id_kind_0"[^>]*hx-swap-oob="true"', page)
    assert 'value="company" id="id_kind_0" hx-swap-oob="true" checked' not in page


def test_a_tampered_choice_is_refused(client, alice, plain_client):
    client.force_login(alice)
    token = sign_result(RegistryResult(source="ARES", name="Modrá Vlna s.r.o."))

    response = client.post(reverse("registry:apply"), {**form_data(plain_client), "result": token[:-2] + "xx"})

    assert "That choice is no longer valid. Look the company up again." in response.content.decode()
    assert "hx-swap-oob" not in response.content.decode()


def test_the_panel_needs_a_signed_in_user(client, registry_server):
    response = client.get(reverse("registry:search"), {"country": "CZ", "registry_query": "Modrá"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert registry_server.requests == []


def test_the_client_page_links_to_web_searches_in_a_new_tab(client, alice, alice_client, settings):
    settings.WEB_SEARCH_SITES = [
        {"name": "Firmy.cz", "url": "https://www.firmy.cz/?q={query}", "countries": ["CZ"]},
        {"name": "Google", "url": "https://www.google.com/search?q={query}", "countries": []},
    ]
    client.force_login(alice)

    page = client.get(reverse("clients:detail", args=[alice_client.pk])).content.decode()

    link = r'<a class="button ghost web-search" href="([^"]+)" target="_blank" rel="noopener noreferrer">([^<]+)</a>'
    assert re.findall(link, page) == [
        ("https://www.firmy.cz/?q=Modr%C3%A1+Vlna+s.r.o.", "Search on Firmy.cz"),
        ("https://www.google.com/search?q=Modr%C3%A1+Vlna+s.r.o.", "Search on Google"),
    ]
