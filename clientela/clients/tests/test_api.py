"""The REST API of clients, groups and contacts: JSON, services, visibility, concurrency, paging."""

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clientela.clients.models import Client, ClientGroup, ClientStatus, Contact
from clientela.clients.services import client_invalidate
from clientela.clients.tests.factories import CZ_ICO, RO_CUI, make_client, make_contact, make_group
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

CLIENT_FIELDS = {
    "id", "kind", "name", "tax_id", "registration_id", "vat_id", "email", "phone", "website",
    "billing_address", "shipping_address", "shipping_same_as_billing", "country", "currency", "language",
    "owner", "groups", "status", "version", "created_at", "created_by", "updated_at", "updated_by",
    "locked_by", "locked_at", "custom_fields",
}  # fmt: skip
ADDRESS_FIELDS = {"street", "city", "postal_code", "region", "country"}


def api(user) -> APIClient:
    """A client authenticated the way integrations are: ``Authorization: Token ...``."""
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def clients_url(**params) -> str:
    url = reverse("api:client-list")
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def client_url(client, action: str = "") -> str:
    if action:
        return reverse(f"api:client-{action}", args=[client.pk])
    return reverse("api:client-detail", args=[client.pk])


def listed_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def snapshot(client: Client) -> dict:
    """Every stored value of a client, to show a refused write changed nothing."""
    stored = Client.objects.get(pk=client.pk)
    values = {field.attname: getattr(stored, field.attname) for field in Client._meta.concrete_fields}
    values["groups"] = sorted(stored.groups.values_list("id", flat=True))
    return values


# Reading ------------------------------------------------------------------------------------------


def test_a_client_reads_as_exactly_the_documented_json(alice, alice_client, group):
    response = api(alice).get(client_url(alice_client))

    assert response.status_code == 200
    data = response.json()
    assert set(data) == CLIENT_FIELDS
    billing = {
        "street": "Kounicova 684/12a",
        "city": "Brno",
        "postal_code": "602 00",
        "region": "",
        "country": "CZ",
    }
    assert {key: value for key, value in data.items() if key not in ("created_at", "updated_at")} == {
        "id": alice_client.pk,
        "kind": "company",
        "name": "Modrá Vlna s.r.o.",
        "tax_id": "",
        "registration_id": CZ_ICO,
        "vat_id": "CZ27168352",
        "email": "info@modravlna.cz",
        "phone": "+420601123456",
        "website": "",
        "billing_address": billing,
        # Shipping "same as billing" shows the address goods are shipped to: the billing one.
        "shipping_address": billing,
        "shipping_same_as_billing": True,
        "country": "CZ",
        "currency": "CZK",
        "language": "en",
        "owner": alice.pk,
        "groups": [group.pk],
        "custom_fields": {},
        "status": "active",
        "version": 1,
        "created_by": alice.pk,
        "updated_by": alice.pk,
        "locked_by": None,
        "locked_at": None,
    }
    stored = Client.objects.get(pk=alice_client.pk)
    assert datetime.fromisoformat(data["created_at"]) == stored.created_at
    assert datetime.fromisoformat(data["updated_at"]) == stored.updated_at


def test_a_separate_shipping_address_reads_as_stored(alice):
    client = make_client(
        user=alice,
        billing_city="Brno",
        shipping_same_as_billing=False,
        shipping_street="Skladová 1",
        shipping_city="Praha",
        shipping_country="CZ",
    )

    data = api(alice).get(client_url(client)).json()

    assert data["billing_address"]["city"] == "Brno"
    assert data["shipping_address"] == {
        "street": "Skladová 1",
        "city": "Praha",
        "postal_code": "",
        "region": "",
        "country": "CZ",
    }


# Creating -----------------------------------------------------------------------------------------


def test_creating_a_client_normalises_its_values_through_the_service(alice, group):
    response = api(alice).post(
        clients_url(),
        {
            "name": "  Modrá   Vlna s.r.o. ",
            "country": "cz",
            "registration_id": "271 683 52",
            "vat_id": "27168352",
            "phone": "601 123 456",
            "email": "Info@ModraVlna.CZ",
            "website": "modravlna.cz",
            "billing_address": {"street": "Kounicova 684/12a", "city": "Brno", "country": "cz"},
            "groups": [group.pk],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == CLIENT_FIELDS
    client = Client.objects.get()
    assert data["id"] == client.pk
    assert (data["name"], client.name) == ("Modrá Vlna s.r.o.", "Modrá Vlna s.r.o.")
    assert (data["vat_id"], client.vat_id) == ("CZ27168352", "CZ27168352")
    assert (data["phone"], client.phone) == ("+420601123456", "+420601123456")
    assert data["registration_id"] == CZ_ICO
    assert data["email"] == "Info@modravlna.cz"
    assert data["website"] == "https://modravlna.cz"
    assert data["country"] == "CZ"
    assert data["currency"] == "CZK"
    assert data["billing_address"] == {
        "street": "Kounicova 684/12a",
        "city": "Brno",
        "postal_code": "",
        "region": "",
        "country": "CZ",
    }
    assert (client.billing_street, client.billing_city, client.billing_country) == ("Kounicova 684/12a", "Brno", "CZ")
    assert data["groups"] == [group.pk]
    assert (data["owner"], data["created_by"], data["updated_by"]) == (alice.pk, alice.pk, alice.pk)
    assert (data["status"], data["version"]) == ("active", 1)
    assert client.history_entries.count() == 1


def test_read_only_fields_sent_on_create_are_ignored(alice, bob):
    response = api(alice).post(
        clients_url(),
        {"name": "Nová a.s.", "country": "CZ", "status": "invalid", "version": 7, "created_by": bob.pk},
        format="json",
    )

    assert response.status_code == 201
    client = Client.objects.get()
    assert (client.status, client.version, client.created_by) == (ClientStatus.ACTIVE, 1, alice)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registration_id", "27168353"),
        ("vat_id", "CZ12345678"),
        ("phone", "12"),
        ("email", "not-an-address"),
        ("website", "not a site"),
        ("currency", "XYZ"),
        ("country", "XX"),
        ("language", "de"),
        ("kind", "robot"),
    ],
)
def test_creating_a_client_with_a_bad_value_is_refused_naming_the_field_and_stores_nothing(alice, field, value):
    response = api(alice).post(clients_url(), {"name": "Špatná a.s.", "country": "CZ", field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Client.objects.count() == 0


def test_a_bad_address_part_is_refused_under_its_address(alice):
    response = api(alice).post(
        clients_url(),
        {"name": "Adresa s.r.o.", "country": "CZ", "billing_address": {"city": "Brno", "country": "XX"}},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["billing_address"]
    assert list(response.json()["billing_address"]) == ["country"]
    assert Client.objects.count() == 0


def test_a_client_needs_a_name_and_a_country(alice):
    response = api(alice).post(clients_url(), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "country"}

    response = api(alice).post(clients_url(), {"name": "   ", "country": "CZ"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert Client.objects.count() == 0


def test_a_client_can_be_created_for_a_subordinate_but_not_for_a_stranger(alice, bob, dave):
    created = api(alice).post(clients_url(), {"name": "Bobova a.s.", "country": "CZ", "owner": bob.pk}, format="json")

    assert created.status_code == 201
    assert created.json()["owner"] == bob.pk

    for owner in (dave.pk, 987654):
        refused = api(alice).post(clients_url(), {"name": "Cizí a.s.", "country": "CZ", "owner": owner}, format="json")
        assert refused.status_code == 400
        # A stranger and a user who does not exist get the same answer: user ids are not revealed.
        assert refused.json() == {"owner": ["You can only give clients to yourself or to people in your team."]}
    assert list(Client.objects.values_list("name", flat=True)) == ["Bobova a.s."]


def test_form_encoded_input_is_refused(alice):
    response = api(alice).post(clients_url(), {"name": "Formulář a.s.", "country": "CZ"})

    assert response.status_code == 415
    assert Client.objects.count() == 0


# Updating -----------------------------------------------------------------------------------------


def test_a_full_update_with_the_current_version_saves_and_bumps_it(alice, alice_client):
    data = api(alice).get(client_url(alice_client)).json()
    data.update(name="Modrá Vlna a.s.", email="obchod@modravlna.cz", phone="+420 602 111 222")
    data["billing_address"]["city"] = "Praha"

    response = api(alice).put(client_url(alice_client), data, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    stored = Client.objects.get(pk=alice_client.pk)
    assert (stored.name, stored.email, stored.phone, stored.billing_city) == (
        "Modrá Vlna a.s.",
        "obchod@modravlna.cz",
        "+420602111222",
        "Praha",
    )
    assert (stored.version, stored.updated_by) == (2, alice)


def test_a_partial_update_changes_only_the_fields_sent(alice, alice_client, group):
    before = snapshot(alice_client)

    response = api(alice).patch(
        client_url(alice_client), {"version": 1, "billing_address": {"city": "Ostrava"}}, format="json"
    )

    assert response.status_code == 200, response.content
    after = snapshot(alice_client)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"billing_city", "version", "updated_at"}
    assert after["billing_city"] == "Ostrava"
    assert after["groups"] == [group.pk]


def test_groups_are_replaced_or_cleared_by_an_update(alice, alice_client, group):
    other = make_group(user=alice, name="Retail")

    replaced = api(alice).patch(client_url(alice_client), {"version": 1, "groups": [other.pk]}, format="json")
    cleared = api(alice).patch(client_url(alice_client), {"version": 2, "groups": []}, format="json")

    assert replaced.json()["groups"] == [other.pk]
    assert cleared.json()["groups"] == []
    assert list(Client.objects.get(pk=alice_client.pk).groups.all()) == []


def test_an_update_on_a_stale_version_is_refused_with_409_and_overwrites_nothing(alice, carol, alice_client):
    first = api(carol).patch(client_url(alice_client), {"version": 1, "email": "first@modravlna.cz"}, format="json")
    assert first.status_code == 200
    before = snapshot(alice_client)

    response = api(alice).patch(client_url(alice_client), {"version": 1, "email": "second@modravlna.cz"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert "Someone else changed this client" in response.json()["detail"]
    assert snapshot(alice_client) == before
    assert (before["email"], before["version"]) == ("first@modravlna.cz", 2)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_update_without_a_version_is_refused_and_overwrites_nothing(alice, alice_client, method):
    before = snapshot(alice_client)
    data = {"name": "Bez verze s.r.o.", "country": "CZ", "email": "nic@modravlna.cz"}

    response = getattr(api(alice), method)(client_url(alice_client), data, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["version"]
    assert snapshot(alice_client) == before


def test_an_update_with_a_bad_value_is_refused_naming_the_field_and_overwrites_nothing(alice, alice_client):
    before = snapshot(alice_client)

    response = api(alice).patch(client_url(alice_client), {"version": 1, "vat_id": "CZ12345678"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["vat_id"]
    assert snapshot(alice_client) == before


def test_an_update_can_give_the_client_to_a_subordinate_only(alice, bob, dave, alice_client):
    refused = api(alice).patch(client_url(alice_client), {"version": 1, "owner": dave.pk}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()) == ["owner"]
    assert Client.objects.get(pk=alice_client.pk).owner == alice

    given = api(alice).patch(client_url(alice_client), {"version": 1, "owner": bob.pk}, format="json")

    assert given.status_code == 200
    assert Client.objects.get(pk=alice_client.pk).owner == bob


# Invalidate, restore, delete, history -------------------------------------------------------------


def test_invalidating_hides_a_client_from_lists_and_search_until_restored(alice, alice_client):
    invalidated = api(alice).post(client_url(alice_client, "invalidate"))

    assert invalidated.status_code == 200
    assert (invalidated.json()["status"], invalidated.json()["version"]) == ("invalid", 2)
    assert listed_ids(api(alice).get(clients_url())) == []
    assert listed_ids(api(alice).get(clients_url(search="modra"))) == []
    assert listed_ids(api(alice).get(clients_url(status="invalid"))) == [alice_client.pk]
    assert listed_ids(api(alice).get(clients_url(status="all", search="modra"))) == [alice_client.pk]
    assert api(alice).get(client_url(alice_client)).status_code == 200

    restored = api(alice).post(client_url(alice_client, "restore"))

    assert restored.status_code == 200
    assert (restored.json()["status"], restored.json()["version"]) == ("active", 3)
    assert listed_ids(api(alice).get(clients_url())) == [alice_client.pk]
    assert listed_ids(api(alice).get(clients_url(status="invalid"))) == []


def test_an_unknown_status_filter_is_refused(alice, alice_client):
    response = api(alice).get(clients_url(status="deleted"))

    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_the_history_lists_every_change_newest_first_with_who_and_what(alice, carol, alice_client):
    api(carol).patch(client_url(alice_client), {"version": 1, "email": "new@modravlna.cz"}, format="json")
    api(alice).post(client_url(alice_client, "invalidate"))

    response = api(alice).get(client_url(alice_client, "history"))

    assert response.status_code == 200
    invalidated, changed, created = response.json()
    assert set(changed) == {"id", "date", "user", "type", "reason", "version", "changes"}
    assert (invalidated["type"], invalidated["user"], invalidated["reason"], invalidated["version"]) == (
        "changed",
        alice.pk,
        "Invalidated",
        3,
    )
    assert invalidated["changes"] == [{"field": "status", "label": "status", "old": "active", "new": "invalid"}]
    assert (changed["type"], changed["user"], changed["reason"], changed["version"]) == (
        "changed",
        carol.pk,
        "Changed",
        2,
    )
    assert changed["changes"] == [
        {"field": "email", "label": "e-mail", "old": "info@modravlna.cz", "new": "new@modravlna.cz"}
    ]
    assert (created["type"], created["user"], created["version"], created["changes"]) == ("created", alice.pk, 1, [])


def test_a_client_with_nothing_linked_is_deleted_and_its_groups_stay(alice, alice_client, group):
    response = api(alice).delete(client_url(alice_client))

    assert response.status_code == 204
    assert not Client.objects.filter(pk=alice_client.pk).exists()
    assert ClientGroup.objects.filter(pk=group.pk).exists()


def test_deleting_a_client_with_contacts_answers_409_naming_them_and_deletes_nothing(alice, alice_client):
    make_contact(client=alice_client, user=alice, last_name="Novák")
    before = snapshot(alice_client)

    response = api(alice).delete(client_url(alice_client))

    assert response.status_code == 409
    assert response.json()["code"] == "linked"
    assert "1 × contact" in response.json()["detail"]
    assert "Invalidate it instead" in response.json()["detail"]
    assert snapshot(alice_client) == before
    assert Contact.objects.filter(client=alice_client).count() == 1


# Search, filters, ordering, pages -----------------------------------------------------------------


@pytest.fixture
def register(alice, bob, alice_client, bob_client, group):
    """Alice's view: her Czech company, bob's Romanian one, and two more to be left out."""
    make_contact(client=alice_client, user=alice, first_name="Jiří", last_name="Dvořák", email="jiri@modravlna.cz")
    return {
        "modra": alice_client,
        "arges": bob_client,
        "kun": make_client(user=alice, name="Žlutý Kůň a.s.", country="CZ", email="kun@example.cz"),
        "person": make_client(user=alice, kind="individual", name="Jana Malá", country="ES"),
    }


@pytest.mark.parametrize(
    "query",
    ["modra", "MODRÁ vlna", "27168352", "CZ 2716 8352", "info@modravlna", "dvorak", "Jiří"],
)
def test_search_finds_a_client_by_name_ids_email_or_contact_name(alice, register, query):
    assert listed_ids(api(alice).get(clients_url(), {"search": query})) == [register["modra"].pk]


def test_search_finds_a_client_by_tax_id(alice, register):
    assert listed_ids(api(alice).get(clients_url(), {"search": RO_CUI})) == [register["arges"].pk]


def test_search_finds_nothing_for_an_unknown_word(alice, register):
    assert listed_ids(api(alice).get(clients_url(), {"search": "neexistuje"})) == []


def test_the_list_filters_by_group_kind_country_and_owner(alice, bob, register, group):
    listed = api(alice)

    assert listed_ids(listed.get(clients_url(group=group.pk))) == [register["modra"].pk]
    assert listed_ids(listed.get(clients_url(kind="individual"))) == [register["person"].pk]
    assert listed_ids(listed.get(clients_url(country="ro"))) == [register["arges"].pk]
    assert listed_ids(listed.get(clients_url(owner=bob.pk))) == [register["arges"].pk]
    assert listed_ids(listed.get(clients_url(country="CZ", kind="company"))) == [
        register["modra"].pk,
        register["kun"].pk,
    ]


def test_the_list_is_sorted_by_the_chosen_ordering(alice, register):
    # Alice's own clients only: their names sort the same under every database collation.
    by_name = [register[key].pk for key in ("person", "modra", "kun")]

    assert listed_ids(api(alice).get(clients_url(owner=alice.pk))) == by_name
    assert listed_ids(api(alice).get(clients_url(owner=alice.pk, ordering="-name"))) == by_name[::-1]
    assert listed_ids(api(alice).get(clients_url(ordering="-created_at"))) == [
        register[key].pk for key in ("person", "kun", "arges", "modra")
    ]
    assert listed_ids(api(alice).get(clients_url(ordering="country"))) == [
        register[key].pk for key in ("modra", "kun", "person", "arges")
    ]


def test_an_unknown_ordering_or_filter_value_is_refused(alice, register):
    assert list(api(alice).get(clients_url(ordering="owner")).json()) == ["ordering"]
    assert list(api(alice).get(clients_url(group="all")).json()) == ["group"]
    assert list(api(alice).get(clients_url(kind="robot")).json()) == ["kind"]


@pytest.mark.parametrize("ordering", ["name", "-name", "-created_at", "country"])
def test_pages_follow_next_links_without_duplicates_or_gaps(alice, ordering):
    for name in ("Echo", "Alfa", "Delta", "Charlie", "Bravo"):
        make_client(user=alice, name=f"{name} s.r.o.", country="RO" if name in ("Alfa", "Delta") else "CZ")
    expected = listed_ids(api(alice).get(clients_url(ordering=ordering, page_size=50)))
    session = api(alice)

    pages = []
    url = clients_url(ordering=ordering, page_size=2)
    while url:
        response = session.get(url)
        pages.append(listed_ids(response))
        url = response.json()["next"]

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [pk for page in pages for pk in page] == expected
    assert sorted(expected) == sorted(Client.objects.values_list("id", flat=True))


def test_the_previous_link_goes_back_a_page(alice):
    for name in ("Alfa", "Bravo", "Charlie", "Delta", "Echo"):
        make_client(user=alice, name=f"{name} s.r.o.")
    session = api(alice)
    first = session.get(clients_url(page_size=2)).json()
    second = session.get(first["next"]).json()
    third = session.get(second["next"]).json()

    assert first["previous"] is None
    assert third["next"] is None
    assert session.get(third["previous"]).json()["results"] == second["results"]
    assert session.get(second["previous"]).json()["results"] == first["results"]


def test_a_tampered_cursor_is_refused(alice, alice_client):
    response = api(alice).get(clients_url(cursor="bm90LWEtY3Vyc29y"))

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_the_client_list_takes_the_same_queries_for_any_number_of_rows(alice, group):
    def queries_for_list() -> int:
        session = api(alice)
        with CaptureQueriesContext(connection) as queries:
            response = session.get(clients_url())
        assert response.status_code == 200
        return len(queries)

    make_client(user=alice, groups=[group])
    few = queries_for_list()
    for _index in range(6):
        make_client(user=alice, groups=[group])

    # Token lookup, the page of clients, their groups.
    assert few == queries_for_list() == 3


# Who sees what ------------------------------------------------------------------------------------


def test_the_owner_sees_her_clients_and_her_subordinates(alice, alice_client, bob_client):
    assert listed_ids(api(alice).get(clients_url(ordering="name"))) == [alice_client.pk, bob_client.pk]


def test_a_subordinate_does_not_see_his_managers_clients(bob, alice_client, bob_client):
    assert listed_ids(api(bob).get(clients_url())) == [bob_client.pk]
    assert api(bob).get(client_url(alice_client)).status_code == 404


def test_a_manager_sees_her_whole_teams_clients(carol, alice_client, bob_client):
    assert listed_ids(api(carol).get(clients_url())) == [alice_client.pk, bob_client.pk]
    assert api(carol).get(client_url(alice_client)).status_code == 200
    assert api(carol).get(client_url(bob_client)).status_code == 200


def test_an_admin_sees_every_client(admin_user, alice_client, dave):
    daves = make_client(user=dave, name="Dave's Diner Ltd", country="GB")

    assert listed_ids(api(admin_user).get(clients_url())) == [daves.pk, alice_client.pk]
    assert api(admin_user).get(client_url(alice_client)).status_code == 200


def test_an_unrelated_user_finds_nothing_of_alices_and_cannot_touch_it(alice, dave, alice_client):
    make_contact(client=alice_client, user=alice, last_name="Novák")
    before = snapshot(alice_client)
    session = api(dave)

    assert listed_ids(session.get(clients_url(status="all"))) == []
    assert listed_ids(session.get(clients_url(search="modra"))) == []
    assert session.get(client_url(alice_client)).status_code == 404
    assert session.get(client_url(alice_client, "history")).status_code == 404
    assert session.patch(client_url(alice_client), {"version": 1, "name": "Dave"}, format="json").status_code == 404
    assert (
        session.put(client_url(alice_client), {"version": 1, "name": "D", "country": "CZ"}, format="json").status_code
        == 404
    )
    assert session.post(client_url(alice_client, "invalidate")).status_code == 404
    assert session.delete(client_url(alice_client)).status_code == 404
    assert snapshot(alice_client) == before


def test_an_unrelated_user_cannot_add_contacts_to_alices_client(dave, alice_client):
    response = api(dave).post(
        reverse("api:contact-list"), {"client": alice_client.pk, "last_name": "Vetřelec"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["client"]
    assert not Contact.objects.exists()


# Authentication -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["api:client-list", "api:group-list", "api:contact-list"])
def test_requests_without_credentials_are_refused(alice_client, url_name):
    response = APIClient().get(reverse(url_name))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_writes_without_credentials_are_refused_and_change_nothing(alice_client):
    before = snapshot(alice_client)

    assert APIClient().post(clients_url(), {"name": "X", "country": "CZ"}, format="json").status_code == 401
    assert APIClient().patch(client_url(alice_client), {"version": 1, "name": "X"}, format="json").status_code == 401
    assert APIClient().delete(client_url(alice_client)).status_code == 401
    assert Client.objects.count() == 1
    assert snapshot(alice_client) == before


def test_a_wrong_token_is_refused(alice_client):
    session = APIClient()
    session.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert session.get(clients_url()).status_code == 401


def test_a_token_made_by_drf_create_token_authenticates(alice, alice_client):
    call_command("drf_create_token", "alice", stdout=io.StringIO())
    session = APIClient()
    session.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=alice).key}")

    assert listed_ids(session.get(clients_url())) == [alice_client.pk]


def test_a_logged_in_session_authenticates(alice, alice_client):
    session = APIClient()
    assert session.login(username="alice", password=PASSWORD)

    assert listed_ids(session.get(clients_url())) == [alice_client.pk]


def test_a_session_write_needs_the_csrf_token(alice, alice_client):
    session = APIClient(enforce_csrf_checks=True)
    assert session.login(username="alice", password=PASSWORD)
    before = snapshot(alice_client)

    response = session.patch(client_url(alice_client), {"version": 1, "name": "Bez CSRF"}, format="json")

    assert response.status_code == 403
    assert snapshot(alice_client) == before


# Groups -------------------------------------------------------------------------------------------


def group_url(group=None) -> str:
    return reverse("api:group-detail", args=[group.pk]) if group else reverse("api:group-list")


def test_groups_are_created_read_changed_and_deleted(alice):
    session = api(alice)

    created = session.post(group_url(), {"name": "  Velkoobchod ", "description": "Po paletách"}, format="json")

    assert created.status_code == 201, created.content
    group = ClientGroup.objects.get()
    assert created.json() == {"id": group.pk, "name": "Velkoobchod", "description": "Po paletách", "client_count": 0}
    assert session.get(group_url(group)).json() == created.json()

    patched = session.patch(group_url(group), {"description": "Celé kamiony"}, format="json")

    assert patched.status_code == 200
    assert patched.json() == {"id": group.pk, "name": "Velkoobchod", "description": "Celé kamiony", "client_count": 0}

    put = session.put(group_url(group), {"name": "Velkoobchod EU"}, format="json")

    assert put.status_code == 200
    assert ClientGroup.objects.get(pk=group.pk).name == "Velkoobchod EU"

    deleted = session.delete(group_url(group))

    assert deleted.status_code == 204
    assert not ClientGroup.objects.exists()
    assert session.get(group_url(group)).status_code == 404


def test_a_group_name_taken_ignoring_case_is_refused(alice, group):
    created = api(alice).post(group_url(), {"name": "WHOLESALE"}, format="json")
    renamed = api(alice).patch(group_url(make_group(user=alice, name="Retail")), {"name": "wholesale"}, format="json")

    assert (created.status_code, list(created.json())) == (400, ["name"])
    assert (renamed.status_code, list(renamed.json())) == (400, ["name"])
    assert sorted(ClientGroup.objects.values_list("name", flat=True)) == ["Retail", "Wholesale"]


def test_a_group_needs_a_name(alice):
    response = api(alice).post(group_url(), {"name": "   "}, format="json")

    assert (response.status_code, list(response.json())) == (400, ["name"])
    assert not ClientGroup.objects.exists()


def test_groups_are_listed_by_name_and_searched(alice, group):
    make_group(user=alice, name="Retail", description="Small shops")

    assert [row["name"] for row in api(alice).get(group_url()).json()["results"]] == ["Retail", "Wholesale"]
    assert [row["name"] for row in api(alice).get(group_url(), {"search": "pallet"}).json()["results"]] == ["Wholesale"]


def test_deleting_a_group_keeps_its_clients(alice, alice_client, group):
    response = api(alice).delete(group_url(group))

    assert response.status_code == 204
    client = Client.objects.get(pk=alice_client.pk)
    assert list(client.groups.all()) == []
    assert client.status == ClientStatus.ACTIVE
    assert api(alice).get(client_url(alice_client)).json()["groups"] == []


def test_client_count_counts_only_active_clients_the_caller_can_see(alice, bob, carol, dave, admin_user, group):
    make_client(user=alice, groups=[group])
    make_client(user=bob, groups=[group])
    make_client(user=dave, groups=[group])
    client_invalidate(client=make_client(user=alice, groups=[group]), user=alice)

    def count(user) -> int:
        return api(user).get(group_url(group)).json()["client_count"]

    assert {"alice": count(alice), "bob": count(bob), "carol": count(carol), "dave": count(dave)} == {
        "alice": 2,
        "bob": 1,
        "carol": 2,
        "dave": 1,
    }
    assert count(admin_user) == 3
    assert api(dave).get(group_url()).json()["results"][0]["client_count"] == 1


# Contacts -----------------------------------------------------------------------------------------


def contact_url(contact=None) -> str:
    return reverse("api:contact-detail", args=[contact.pk]) if contact else reverse("api:contact-list")


def test_contacts_are_created_read_changed_and_deleted(alice, alice_client):
    session = api(alice)

    created = session.post(
        contact_url(),
        {
            "client": alice_client.pk,
            "first_name": " Jan ",
            "last_name": "Novák",
            "position": "Jednatel",
            "email": "Jan@ModraVlna.cz",
            "phone": "602 111 222",
            "language": "cs",
            "is_primary": True,
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    contact = Contact.objects.get()
    assert created.json() == {
        "id": contact.pk,
        "client": alice_client.pk,
        "first_name": "Jan",
        "last_name": "Novák",
        "position": "Jednatel",
        "email": "Jan@modravlna.cz",
        "phone": "+420602111222",
        "language": "cs",
        "is_primary": True,
        "custom_fields": {},
    }
    assert session.get(contact_url(contact)).json() == created.json()

    patched = session.patch(contact_url(contact), {"position": "Ředitel"}, format="json")

    assert patched.status_code == 200
    assert {**created.json(), "position": "Ředitel"} == patched.json()

    put = session.put(contact_url(contact), {"client": alice_client.pk, "last_name": "Nováková"}, format="json")

    assert put.status_code == 200
    assert (put.json()["last_name"], put.json()["position"]) == ("Nováková", "Ředitel")

    deleted = session.delete(contact_url(contact))

    assert deleted.status_code == 204
    assert not Contact.objects.exists()


def test_a_contact_with_a_bad_value_is_refused_naming_the_field(alice, alice_client):
    bad_email = api(alice).post(
        contact_url(), {"client": alice_client.pk, "last_name": "Novák", "email": "jan@"}, format="json"
    )
    no_name = api(alice).post(contact_url(), {"client": alice_client.pk, "last_name": " "}, format="json")

    assert (bad_email.status_code, list(bad_email.json())) == (400, ["email"])
    assert (no_name.status_code, list(no_name.json())) == (400, ["last_name"])
    assert not Contact.objects.exists()


def test_a_contact_update_with_a_bad_phone_changes_nothing(alice, alice_client):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák", phone="602 111 222")

    response = api(alice).patch(contact_url(contact), {"phone": "12", "position": "Šéf"}, format="json")

    assert (response.status_code, list(response.json())) == (400, ["phone"])
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.phone, stored.position) == ("+420602111222", "")


def test_a_contact_cannot_be_moved_to_another_client(alice, alice_client, bob_client):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák")

    response = api(alice).patch(contact_url(contact), {"client": bob_client.pk}, format="json")

    assert (response.status_code, list(response.json())) == (400, ["client"])
    assert Contact.objects.get(pk=contact.pk).client == alice_client


def test_a_new_primary_contact_takes_the_flag(alice, alice_client):
    first = make_contact(client=alice_client, user=alice, last_name="První", is_primary=True)

    response = api(alice).post(
        contact_url(), {"client": alice_client.pk, "last_name": "Druhý", "is_primary": True}, format="json"
    )

    assert response.status_code == 201
    assert list(Contact.objects.filter(is_primary=True).values_list("last_name", flat=True)) == ["Druhý"]
    assert api(alice).get(contact_url(first)).json()["is_primary"] is False


def test_contacts_are_listed_by_client_and_searched(alice, alice_client, bob_client):
    novak = make_contact(client=alice_client, user=alice, first_name="Jan", last_name="Novák")
    popescu = make_contact(client=bob_client, user=alice, first_name="Ion", last_name="Popescu")

    def ids(**params) -> list[int]:
        return listed_ids(api(alice).get(contact_url(), params))

    assert ids() == [novak.pk, popescu.pk]
    assert ids(client=bob_client.pk) == [popescu.pk]
    assert ids(search="nov") == [novak.pk]
    assert ids(search="Novák") == [novak.pk]
    assert ids(search="ion") == [popescu.pk]


def test_contacts_follow_their_clients_visibility(alice, bob, carol, dave, admin_user, alice_client):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák")

    for user in (alice, carol, admin_user):
        assert listed_ids(api(user).get(contact_url())) == [contact.pk]
        assert api(user).get(contact_url(contact)).status_code == 200
    for user in (bob, dave):
        session = api(user)
        assert listed_ids(session.get(contact_url())) == []
        assert listed_ids(session.get(contact_url(), {"client": alice_client.pk})) == []
        assert session.get(contact_url(contact)).status_code == 404
        assert session.patch(contact_url(contact), {"last_name": "Cizí"}, format="json").status_code == 404
        assert session.delete(contact_url(contact)).status_code == 404
    assert Contact.objects.get(pk=contact.pk).last_name == "Novák"


def test_contacts_can_be_paged(alice, alice_client):
    made = [make_contact(client=alice_client, user=alice, last_name=name) for name in ("Cibulka", "Adam", "Bárta")]
    session = api(alice)

    first = session.get(contact_url(), {"page_size": 2}).json()
    second = session.get(first["next"]).json()

    assert [row["last_name"] for row in first["results"] + second["results"]] == ["Adam", "Bárta", "Cibulka"]
    assert second["next"] is None
    assert len(made) == 3
