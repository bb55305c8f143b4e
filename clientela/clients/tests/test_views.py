"""The client, group and contact pages: what each actor sees, what each form does, and what it must not do."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from clientela.accounts.services import share_create
from clientela.clients import search
from clientela.clients.models import Client, ClientGroup, ClientStatus, Contact
from clientela.clients.selectors import client_history
from clientela.clients.services import CLIENT_FIELDS, client_invalidate, client_update
from clientela.clients.tests.factories import make_client, make_contact, make_group
from clientela.core.pagination import CostlyRows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def view_test_settings(settings):
    """Templates name static files: serve them unhashed, as tests run without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def as_user(client, user):
    client.force_login(user)
    return client


def htmx(target: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def new_client_data(owner, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "company",
        "name": "Horská Energie a.s.",
        "country": "CZ",
        "registration_id": "271 683 52",
        "tax_id": "",
        "vat_id": "",
        "email": "info@horska.cz",
        "phone": "601 123 456",
        "website": "horska.cz",
        "billing_street": "Náměstí 1",
        "billing_city": "Liberec",
        "billing_postal_code": "460 01",
        "billing_region": "",
        "billing_country": "",
        "shipping_same_as_billing": "on",
        "currency": "",
        "language": "cs",
        "owner": owner.pk,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(client: Client, **overrides: Any) -> dict[str, Any]:
    """What the edit form posts when the user changes nothing but ``overrides``."""
    data: dict[str, Any] = {field: getattr(client, field) for field in CLIENT_FIELDS}
    data["shipping_same_as_billing"] = "on" if client.shipping_same_as_billing else ""
    data.update(owner=client.owner_id, version=client.version, groups=[g.pk for g in client.groups.all()])
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in (None, "")}


def names_in(response) -> list[str]:
    return [client.name for client in response.context["page"].items]


# The list ----------------------------------------------------------------------------------------


def test_the_list_shows_the_clients_the_user_may_see_with_a_count(client, alice, alice_client, bob_client):
    response = as_user(client, alice).get(reverse("clients:list"))

    assert response.status_code == 200
    assert names_in(response) == ["Modrá Vlna s.r.o.", "Țesătoria Argeș SRL"]
    assertContains(response, "2 clients")
    assertContains(response, "+420 601 123 456")
    assertContains(response, "Wholesale")


def test_live_search_returns_only_the_results_fragment(client, alice, alice_client, bob_client):
    response = as_user(client, alice).get(reverse("clients:list"), {"q": "modra"}, **htmx("client-results"))

    assert response.status_code == 200
    assert response.templates[0].name == "clients/_client_results.html"
    assert response.content.decode().lstrip().startswith('<section id="client-results"')
    assertNotContains(response, "<html")
    assert names_in(response) == ["Modrá Vlna s.r.o."]
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_request_gets_the_whole_page(client, alice, alice_client):
    response = as_user(client, alice).get(
        reverse("clients:list"), {"q": "modra"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **htmx("client-results")
    )

    assertContains(response, "<html")


@pytest.mark.parametrize("query", ["27168352", "CZ 2716 8352", "info@modravlna", "601 123 456", "vlna"])
def test_search_finds_a_client_by_name_ids_email_and_phone(client, alice, alice_client, bob_client, query):
    response = as_user(client, alice).get(reverse("clients:list"), {"q": query})

    assert names_in(response) == ["Modrá Vlna s.r.o."]


def test_search_finds_a_client_by_a_contact_name(client, alice, alice_client, bob_client):
    make_contact(client=alice_client, user=alice, first_name="Jiří", last_name="Dvořák")

    response = as_user(client, alice).get(reverse("clients:list"), {"q": "dvorak"})

    assert names_in(response) == ["Modrá Vlna s.r.o."]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "individual"}, ["Jana Malá"]),
        ({"country": "RO"}, ["Țesătoria Argeș SRL"]),
        ({"owner": "bob"}, ["Țesătoria Argeș SRL"]),
        ({"group": "Wholesale"}, ["Modrá Vlna s.r.o."]),
        ({"country": "CZ", "kind": "company"}, ["Modrá Vlna s.r.o."]),
    ],
)
def test_filters_narrow_the_list(client, alice, bob, group, alice_client, bob_client, params, expected):
    make_client(user=alice, name="Jana Malá", kind="individual", country="CZ")
    resolved = dict(params)
    if "owner" in resolved:
        resolved["owner"] = bob.pk
    if "group" in resolved:
        resolved["group"] = group.pk

    response = as_user(client, alice).get(reverse("clients:list"), resolved)

    assert names_in(response) == expected


def test_the_filters_show_what_was_chosen_with_escaped_names(client, alice, alice_client):
    group = make_group(user=alice, name="<b>Key</b> & co")

    response = as_user(client, alice).get(
        reverse("clients:list"), {"country": "CZ", "sort": "-name", "group": group.pk, "kind": "company"}
    )

    assertContains(response, '<select name="country" id="id_country">', html=False)
    assertContains(response, '<option value="CZ" selected>Czechia</option>', html=False)
    assertContains(response, '<option value="-name" selected>', html=False)
    assertContains(response, '<option value="company" selected>', html=False)
    escaped = f'<option value="{group.pk}" selected>&lt;b&gt;Key&lt;/b&gt; &amp; co</option>'
    assertContains(response, escaped, html=False)
    assertContains(response, '<option value="">All</option>', html=False)  # not selected when a value is
    assertContains(response, '<option value="" selected>All</option>', count=1, html=False)  # the owner: none chosen


def test_the_country_filter_is_in_the_users_language(client, alice, alice_client):
    as_user(client, alice)

    response = client.get(reverse("clients:list"), {"country": "DE"}, HTTP_ACCEPT_LANGUAGE="cs")

    assertContains(response, '<option value="DE" selected>Německo</option>', html=False)


def test_a_filter_value_that_is_not_offered_is_ignored(client, alice, dave, alice_client):
    response = as_user(client, alice).get(reverse("clients:list"), {"owner": dave.pk, "group": "x"})

    assert names_in(response) == ["Modrá Vlna s.r.o."]


def test_invalid_clients_are_listed_only_with_show_invalid_too(client, alice, alice_client, bob_client):
    client_invalidate(client=alice_client, user=alice)
    as_user(client, alice)

    hidden = client.get(reverse("clients:list"), {"q": "modra"})
    shown = client.get(reverse("clients:list"), {"q": "modra", "show_invalid": "on"})

    assert names_in(hidden) == []
    assertContains(hidden, "No clients match your search and filters.")
    assert names_in(shown) == ["Modrá Vlna s.r.o."]
    assertContains(shown, "badge-invalid")


def test_sorting_newest_first(client, alice, alice_client, bob_client):
    response = as_user(client, alice).get(reverse("clients:list"), {"sort": "-created_at"})

    assert names_in(response) == ["Țesătoria Argeș SRL", "Modrá Vlna s.r.o."]


def test_the_list_pages_forward_and_back_with_keyset_cursors(client, alice, settings):
    settings.CLIENTELA_PAGE_SIZE = 2
    for name in ("Alfa s.r.o.", "Beta s.r.o.", "Gama s.r.o."):
        make_client(user=alice, name=name)
    as_user(client, alice)

    first = client.get(reverse("clients:list"), {"country": "CZ"})
    second = client.get(reverse("clients:list"), {"country": "CZ", "after": first.context["page"].next_cursor})
    back = client.get(reverse("clients:list"), {"country": "CZ", "before": second.context["page"].previous_cursor})

    assert names_in(first) == ["Alfa s.r.o.", "Beta s.r.o."]
    assert names_in(second) == ["Gama s.r.o."]
    assert second.context["page"].next_cursor is None
    assert names_in(back) == ["Alfa s.r.o.", "Beta s.r.o."]
    assertContains(first, f"?country=CZ&amp;after={first.context['page'].next_cursor}")
    assertContains(first, "3 clients")


def counts_in(queries) -> int:
    return sum(1 for query in queries if "COUNT(" in query["sql"].upper())


def test_later_pages_show_the_first_pages_count_without_counting_again(client, alice, settings):
    settings.CLIENTELA_PAGE_SIZE = 2
    for name in ("Alfa s.r.o.", "Beta s.r.o.", "Gama s.r.o."):
        make_client(user=alice, name=name)
    as_user(client, alice)

    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(reverse("clients:list"))
    first_counts = counts_in(first_queries)
    cursor = first.context["page"].next_cursor
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(reverse("clients:list"), {"after": cursor, "counted": "3"})
    second_counts = counts_in(second_queries)

    assertContains(first, f"?after={cursor}&amp;counted=3")
    assert first_counts >= 1  # two on SQLite: the team's own clients, then the shared ones
    assert second_counts == 0
    assertContains(second, "3 clients")
    assert names_in(second) == ["Gama s.r.o."]


@pytest.mark.parametrize("counted", ["abc", "-1", "3.5", "99999999", "+"])
def test_a_carried_count_that_is_no_count_is_counted_again(client, alice, settings, counted):
    settings.CLIENTELA_PAGE_SIZE = 1
    for name in ("Alfa s.r.o.", "Beta s.r.o."):
        make_client(user=alice, name=name)
    as_user(client, alice)
    cursor = client.get(reverse("clients:list")).context["page"].next_cursor

    response = client.get(reverse("clients:list"), {"after": cursor, "counted": counted})

    assertContains(response, "2 clients")
    assert names_in(response) == ["Beta s.r.o."]


def test_a_first_page_always_counts_even_with_a_carried_count(client, alice, alice_client):
    response = as_user(client, alice).get(reverse("clients:list"), {"counted": "500+"})

    assertContains(response, "1 client")
    assertNotContains(response, "500 clients")


def test_a_tampered_cursor_shows_the_first_page(client, alice, alice_client):
    response = as_user(client, alice).get(reverse("clients:list"), {"after": "not-a-cursor"})

    assert response.status_code == 200
    assert names_in(response) == ["Modrá Vlna s.r.o."]


def test_the_count_stops_at_the_cap(client, alice, settings):
    settings.CLIENTELA_COUNT_CAP = 2
    for _index in range(3):
        make_client(user=alice)

    response = as_user(client, alice).get(reverse("clients:list"))

    assertContains(response, "more than 2 clients")
    assert len(names_in(response)) == 3


@pytest.mark.parametrize(("cap", "shown"), [(10, "4 clients"), (3, "more than 3 clients"), (1, "more than 1 client")])
def test_the_count_adds_the_teams_own_clients_and_those_shared_up_to_the_cap(client, alice, dave, settings, cap, shown):
    settings.CLIENTELA_COUNT_CAP = cap
    make_client(user=alice, name="Alfa s.r.o.")
    make_client(user=alice, name="Beta s.r.o.", country="SK")
    for name in ("Gama s.r.o.", "Delta s.r.o."):
        share_create(actor=dave, record=make_client(user=dave, name=name), user=alice, access="read")
    make_client(user=dave, name="Not shared s.r.o.")
    as_user(client, alice)

    listed = client.get(reverse("clients:list"))
    filtered = client.get(reverse("clients:list"), {"country": "CZ"})

    assertContains(listed, shown)
    assert names_in(listed) == ["Alfa s.r.o.", "Beta s.r.o.", "Delta s.r.o.", "Gama s.r.o."]
    assertContains(filtered, "3 clients" if cap >= 3 else f"more than {cap} client")


def test_a_search_counts_up_to_its_own_lower_cap(client, alice, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_ROWS", CostlyRows(count_cap=2, ids_first=True))
    for name in ("Alfa Vlna", "Beta Vlna", "Gama Vlna"):
        make_client(user=alice, name=name)
    as_user(client, alice)

    searched = client.get(reverse("clients:list"), {"q": "vlna"})
    listed = client.get(reverse("clients:list"))

    assertContains(searched, "more than 2 clients")
    assert names_in(searched) == ["Alfa Vlna", "Beta Vlna", "Gama Vlna"]
    assertContains(listed, "3 clients")


def test_a_search_counts_no_further_than_the_lists_own_cap_when_it_is_lower(client, alice, monkeypatch, settings):
    settings.CLIENTELA_COUNT_CAP = 1
    monkeypatch.setattr(search, "SEARCH_ROWS", CostlyRows(count_cap=2, ids_first=True))
    for name in ("Alfa Vlna", "Beta Vlna", "Gama Vlna"):
        make_client(user=alice, name=name)

    searched = as_user(client, alice).get(reverse("clients:list"), {"q": "vlna"})

    assertContains(searched, "more than 1 client")
    assert names_in(searched) == ["Alfa Vlna", "Beta Vlna", "Gama Vlna"]


def test_a_search_counts_only_the_matches_the_user_may_see(client, alice, dave, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_ROWS", CostlyRows(count_cap=5, ids_first=True))
    for name in ("Alfa Vlna", "Beta Vlna", "Gama Vlna"):
        make_client(user=alice, name=name)
    make_client(user=dave, name="Delta Vlna")  # matches, but alice may not see it
    make_client(user=alice, name="Epsilon Hora")  # alice's, but no match

    searched = as_user(client, alice).get(reverse("clients:list"), {"q": "vlna"})

    assertContains(searched, "3 clients")
    assertNotContains(searched, "4 clients")
    assert names_in(searched) == ["Alfa Vlna", "Beta Vlna", "Gama Vlna"]


@pytest.mark.parametrize(("query", "hinted_on_sqlite"), [("vlna", True), ("vlna a", False)])
def test_a_search_sorts_its_matches_from_the_narrow_index_on_sqlite(client, alice, bob, dave, query, hinted_on_sqlite):
    """SQLite reads the ids of a search's matches through clients_search_rows_idx (an index SQLite
    could not use would fail the query); PostgreSQL and a search with a short term read the table."""
    for name, owner in (("Delta Vlna a.s.", alice), ("Alfa Vlna a.s.", bob), ("Gama Hora a.s.", alice)):
        make_client(user=owner, name=name)
    share_create(actor=dave, record=make_client(user=dave, name="Beta Vlna a.s."), user=alice, access="read")
    make_client(user=dave, name="Omega Vlna a.s.")  # neither hers nor shared
    as_user(client, alice)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("clients:list"), {"q": query})

    hinted = [entry["sql"] for entry in queries.captured_queries if "INDEXED BY" in entry["sql"]]
    assert names_in(response) == ["Alfa Vlna a.s.", "Beta Vlna a.s.", "Delta Vlna a.s."]
    assert len(hinted) == (1 if hinted_on_sqlite and connection.vendor == "sqlite" else 0)


def test_search_results_page_forward_and_back_in_name_order(client, alice, bob, settings):
    settings.CLIENTELA_PAGE_SIZE = 2
    for name, owner in (("Delta Vlna", alice), ("Alfa Vlna", bob), ("Gama Vlna", alice), ("Beta Vlna", alice)):
        make_client(user=owner, name=name)
    make_client(user=alice, name="Epsilon Hora")  # not a match
    as_user(client, alice)

    first = client.get(reverse("clients:list"), {"q": "vlna"})
    second = client.get(reverse("clients:list"), {"q": "vlna", "after": first.context["page"].next_cursor})
    back = client.get(reverse("clients:list"), {"q": "vlna", "before": second.context["page"].previous_cursor})

    assert names_in(first) == ["Alfa Vlna", "Beta Vlna"]
    assert names_in(second) == ["Delta Vlna", "Gama Vlna"]
    assert second.context["page"].next_cursor is None
    assert names_in(back) == ["Alfa Vlna", "Beta Vlna"]
    assert [row.owner for row in first.context["page"].items] == [bob, alice]  # rows come with their owner


def test_an_empty_register_invites_the_first_client(client, alice):
    response = as_user(client, alice).get(reverse("clients:list"))

    assertContains(response, "0 clients")
    assertContains(response, "There are no active clients yet.")
    assertContains(response, f'href="{reverse("clients:create")}"', count=2)


def _clients_with_groups(user, count: int) -> None:
    groups = [make_group(user=user), make_group(user=user)]
    for _index in range(count):
        make_client(user=user, groups=groups)


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_page_runs_the_same_queries_for_3_or_30_clients(client, alice, django_assert_num_queries, count):
    _clients_with_groups(alice, count)
    as_user(client, alice)

    # session, user, groups filter, owners filter, custom fields (filters, sorts, columns), capped count
    # (on SQLite the team's own clients, then the shared ones: selectors.client_count), the page's
    # clients, their groups
    with django_assert_num_queries(9 if connection.vendor == "sqlite" else 8):
        response = client.get(reverse("clients:list"))

    assert len(names_in(response)) == count


@pytest.mark.parametrize("count", [3, 30])
def test_the_live_search_fragment_runs_the_same_queries_for_3_or_30_clients(
    client, alice, django_assert_num_queries, count
):
    _clients_with_groups(alice, count)
    as_user(client, alice)

    # session, user, groups filter, owners filter, custom fields, the matches' ids (counted as they are
    # sorted: no count of its own), the page's clients, their group names
    with django_assert_num_queries(8):
        response = client.get(reverse("clients:list"), {"q": "client"}, **htmx("client-results"))

    assert len(names_in(response)) == count


# The client page ---------------------------------------------------------------------------------


def test_the_client_page_shows_the_side_panel_and_the_security_panel(client, alice, alice_client):
    response = as_user(client, alice).get(reverse("clients:detail", args=[alice_client.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    for expected in (
        "Modrá Vlna s.r.o.",
        "27168352",
        "CZ27168352",
        "+420 601 123 456",
        "info@modravlna.cz",
        "Kounicova 684/12a",
        "602 00 Brno",
        "Czechia",
        "CZK · Czech Koruna",
        "Alice Owner",
        "Wholesale",
        'id="security-panel"',
        timezone.localtime(alice_client.created_at).strftime("%m/%d/%Y"),
    ):
        assert expected in content, expected
    assertContains(response, 'id="invalidate-client"')
    assertNotContains(response, 'id="restore-client"')


@pytest.mark.parametrize(("name", "tab"), [("detail", "overview"), ("contacts", "contacts"), ("history", "history")])
def test_each_tab_is_a_page_of_its_own_and_a_fragment_for_htmx(client, alice, alice_client, name, tab):
    url = reverse(f"clients:{name}", args=[alice_client.pk])
    as_user(client, alice)

    page = client.get(url)
    fragment = client.get(url, **htmx("client-tabs"))

    assert page.context["tab"] == tab
    assertContains(page, "<html")
    assertContains(page, 'id="security-panel"')
    assert fragment.context["tab"] == tab
    assert fragment.content.decode().lstrip().startswith('<section id="client-tabs"')
    assertNotContains(fragment, "<html")
    assertNotContains(fragment, 'id="security-panel"')
    assertContains(fragment, f'id="tab-{tab}" aria-current="page"')


@pytest.mark.parametrize("contacts", [1, 10])
def test_the_client_page_runs_the_same_queries_for_1_or_10_contacts(
    client, alice, alice_client, django_assert_num_queries, contacts
):
    for _index in range(contacts):
        make_contact(client=alice_client, user=alice)
    as_user(client, alice)

    # session, user, client with owner and authors, its groups, its contacts,
    # history entries, their group memberships, the groups' names
    with django_assert_num_queries(8):
        response = client.get(reverse("clients:detail", args=[alice_client.pk]))

    assert response.status_code == 200


def test_the_history_tab_runs_the_same_queries_for_few_or_many_changes(
    client, alice, alice_client, django_assert_num_queries
):
    as_user(client, alice)
    url = reverse("clients:history", args=[alice_client.pk])
    with django_assert_num_queries(8):
        client.get(url)
    for number in range(5):
        alice_client = client_update(
            client=alice_client, user=alice, version=alice_client.version, values={"name": f"Name {number}"}
        )

    with django_assert_num_queries(8):
        response = client.get(url)

    assert len(response.context["history"]) == 6


def test_the_history_tab_shows_who_changed_which_field_from_what_to_what(client, alice, bob, carol, alice_client):
    client_update(client=alice_client, user=carol, version=1, values={"email": "sales@modravlna.cz"}, owner=bob)

    response = as_user(client, alice).get(reverse("clients:history", args=[alice_client.pk]))

    latest = response.context["history"][0]
    assert latest["user"] == carol
    assert {change["field"]: (change["old"], change["new"]) for change in latest["changes"]} == {
        "email": ("info@modravlna.cz", "sales@modravlna.cz"),
        "owner": ("Alice Owner", "Bob Junior"),
    }
    assertContains(response, "sales@modravlna.cz")
    assertContains(response, "Carol Manager")
    assertContains(response, "Restore this version", count=1)


def test_restoring_an_earlier_version_from_the_history_tab(client, alice, alice_client):
    first = client_history(client=alice_client)[0]["id"]
    changed = client_update(client=alice_client, user=alice, version=1, values={"name": "Renamed a.s."}, groups=[])

    response = as_user(client, alice).post(
        reverse("clients:restore_version", args=[alice_client.pk, first]), {"version": changed.version}
    )

    assertRedirects(response, reverse("clients:history", args=[alice_client.pk]))
    restored = Client.objects.get(pk=alice_client.pk)
    assert restored.name == "Modrá Vlna s.r.o."
    assert [group.name for group in restored.groups.all()] == ["Wholesale"]
    assert restored.version == 3
    assert client_history(client=restored)[0]["reason"].startswith("Restored the version of")


def test_restoring_a_version_with_a_stale_version_changes_nothing(client, alice, alice_client):
    first = client_history(client=alice_client)[0]["id"]
    client_update(client=alice_client, user=alice, version=1, values={"name": "Renamed a.s."})

    response = as_user(client, alice).post(
        reverse("clients:restore_version", args=[alice_client.pk, first]), {"version": 1}, follow=True
    )

    assertContains(response, "Someone else changed this client since you opened it.")
    stored = Client.objects.get(pk=alice_client.pk)
    assert stored.name == "Renamed a.s."
    assert stored.version == 2


def test_restoring_a_version_must_be_posted(client, alice, alice_client):
    first = client_history(client=alice_client)[0]["id"]

    response = as_user(client, alice).get(reverse("clients:restore_version", args=[alice_client.pk, first]))

    assert response.status_code == 405


# Creating and editing ----------------------------------------------------------------------------


def test_the_new_client_form_offers_the_team_as_owners_and_every_group(client, alice, bob, dave, group):
    response = as_user(client, alice).get(reverse("clients:create"))

    form = response.context["form"]
    assert list(form.fields["owner"].queryset) == [alice, bob]
    assert list(form.fields["groups"].queryset) == [group]
    assert "version" not in form.fields
    assertContains(response, 'name="shipping_same_as_billing"')
    assertContains(response, '<option value="CZ">Czechia</option>')


def test_creating_a_client_saves_normalised_data_and_opens_its_page(client, alice, bob, group):
    data = new_client_data(bob, groups=[group.pk])

    response = as_user(client, alice).post(reverse("clients:create"), data)

    created = Client.objects.get()
    assertRedirects(response, reverse("clients:detail", args=[created.pk]))
    assert created.registration_id == "27168352"
    assert created.phone == "+420601123456"
    assert created.website == "https://horska.cz"
    assert created.currency == "CZK"
    assert created.language == "cs"
    assert created.owner == bob
    assert created.created_by == alice
    assert list(created.groups.all()) == [group]
    assert created.version == 1
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Client “Horská Energie a.s.” was created."]


def test_a_separate_shipping_address_is_kept(client, alice):
    data = new_client_data(alice, shipping_same_as_billing=None, shipping_city="Praha", shipping_country="CZ")

    as_user(client, alice).post(reverse("clients:create"), data)

    created = Client.objects.get()
    assert created.shipping_same_as_billing is False
    assert created.shipping_city == "Praha"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("registration_id", "27168353", "“27168353” is not a valid company registration id for CZ."),
        ("phone", "12", "“12” is not a valid phone number."),
        ("email", "not-an-address", "“not-an-address” is not a valid e-mail address."),
        ("name", "  ", "This field is required."),
    ],
)
def test_invalid_input_shows_the_field_error_and_saves_nothing(client, alice, field, value, message):
    response = as_user(client, alice).post(reverse("clients:create"), new_client_data(alice, **{field: value}))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assertContains(response, message)
    assertContains(response, 'value="Liberec"')
    assert not Client.objects.exists()


def test_an_owner_outside_the_team_is_refused_and_nothing_is_saved(client, alice, dave):
    response = as_user(client, alice).post(reverse("clients:create"), new_client_data(dave))

    assert list(response.context["form"].errors) == ["owner"]
    assert not Client.objects.exists()


def test_the_edit_form_shows_the_current_data_and_version(client, alice, alice_client):
    response = as_user(client, alice).get(reverse("clients:edit", args=[alice_client.pk]))

    form = response.context["form"]
    assert form.initial["name"] == "Modrá Vlna s.r.o."
    assert form.initial["phone"] == "+420 601 123 456"
    assert form.initial["version"] == 1
    assertContains(response, '<input type="hidden" name="version" value="1"')


def test_editing_a_client_saves_the_change_and_bumps_the_version(client, alice, alice_client):
    response = as_user(client, alice).post(
        reverse("clients:edit", args=[alice_client.pk]), edit_data(alice_client, email="sales@modravlna.cz", groups=[])
    )

    assertRedirects(response, reverse("clients:detail", args=[alice_client.pk]))
    stored = Client.objects.get(pk=alice_client.pk)
    assert stored.email == "sales@modravlna.cz"
    assert stored.version == 2
    assert stored.updated_by == alice
    assert list(stored.groups.all()) == []


def test_saving_a_stale_version_is_refused_keeps_the_input_and_overwrites_nothing(client, alice, carol, alice_client):
    opened = edit_data(alice_client, email="mine@modravlna.cz")
    client_update(client=alice_client, user=carol, version=1, values={"email": "carols@modravlna.cz"})

    response = as_user(client, alice).post(reverse("clients:edit", args=[alice_client.pk]), opened)

    assert response.status_code == 409
    assertContains(
        response,
        "Someone else changed this client since you opened it. Reload it and make your change again.",
        status_code=409,
    )
    assertContains(response, 'value="mine@modravlna.cz"', status_code=409)
    assertContains(response, '<input type="hidden" name="version" value="1"', status_code=409)
    stored = Client.objects.get(pk=alice_client.pk)
    assert stored.email == "carols@modravlna.cz"
    assert stored.version == 2


def test_an_invalid_edit_shows_the_error_and_changes_nothing(client, alice, alice_client):
    response = as_user(client, alice).post(
        reverse("clients:edit", args=[alice_client.pk]), edit_data(alice_client, vat_id="CZ12345678")
    )

    assert response.context["form"].errors == {"vat_id": ["“CZ12345678” is not a valid VAT id."]}
    stored = Client.objects.get(pk=alice_client.pk)
    assert stored.vat_id == "CZ27168352"
    assert stored.version == 1


# Invalidate, restore, delete ---------------------------------------------------------------------


def test_invalidating_hides_the_client_from_the_list_and_restoring_brings_it_back(client, alice, alice_client):
    as_user(client, alice)

    response = client.post(reverse("clients:invalidate", args=[alice_client.pk]))

    assertRedirects(response, reverse("clients:detail", args=[alice_client.pk]))
    assert Client.objects.get(pk=alice_client.pk).status == ClientStatus.INVALID
    assert names_in(client.get(reverse("clients:list"))) == []
    detail = client.get(reverse("clients:detail", args=[alice_client.pk]))
    assertContains(detail, 'id="restore-client"')
    assertNotContains(detail, 'id="invalidate-client"')

    client.post(reverse("clients:restore", args=[alice_client.pk]))

    assert Client.objects.get(pk=alice_client.pk).status == ClientStatus.ACTIVE
    assert names_in(client.get(reverse("clients:list"))) == ["Modrá Vlna s.r.o."]


@pytest.mark.parametrize("name", ["invalidate", "restore"])
def test_status_changes_must_be_posted(client, alice, alice_client, name):
    response = as_user(client, alice).get(reverse(f"clients:{name}", args=[alice_client.pk]))

    assert response.status_code == 405
    assert Client.objects.get(pk=alice_client.pk).status == ClientStatus.ACTIVE


def test_deleting_asks_for_confirmation_first(client, alice, alice_client):
    response = as_user(client, alice).get(reverse("clients:delete", args=[alice_client.pk]))

    assertContains(response, "Delete “Modrá Vlna s.r.o.” for good?")
    assertContains(response, 'id="confirm-delete"')
    assert Client.objects.filter(pk=alice_client.pk).exists()


def test_a_client_with_nothing_linked_is_deleted_for_good_and_its_group_stays(client, alice, alice_client, group):
    response = as_user(client, alice).post(reverse("clients:delete", args=[alice_client.pk]))

    assertRedirects(response, reverse("clients:list"))
    assert not Client.objects.filter(pk=alice_client.pk).exists()
    assert ClientGroup.objects.filter(pk=group.pk).exists()


def test_deleting_is_refused_while_contacts_link_and_invalidation_is_offered(client, alice, alice_client):
    make_contact(client=alice_client, user=alice, last_name="Novák")

    response = as_user(client, alice).post(reverse("clients:delete", args=[alice_client.pk]))

    assert response.status_code == 409
    assertContains(
        response,
        "This client cannot be deleted because these records still link to it: 1 × contact. Invalidate it instead.",
        status_code=409,
    )
    assertContains(response, f'action="{reverse("clients:invalidate", args=[alice_client.pk])}"', status_code=409)
    stored = Client.objects.get(pk=alice_client.pk)
    assert stored.status == ClientStatus.ACTIVE
    assert Contact.objects.filter(client=stored).count() == 1


# Who sees what -----------------------------------------------------------------------------------


def test_pages_ask_an_anonymous_visitor_to_log_in(client, alice_client):
    url = reverse("clients:detail", args=[alice_client.pk])

    response = client.get(url)

    assertRedirects(response, f"{reverse('login')}?next={url}")


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "detail"),
        ("get", "contacts"),
        ("get", "history"),
        ("get", "edit"),
        ("post", "edit"),
        ("post", "invalidate"),
        ("post", "restore"),
        ("get", "delete"),
        ("post", "delete"),
        ("get", "contact_create"),
        ("post", "contact_create"),
    ],
)
@pytest.mark.parametrize("actor", ["dave", "bob"])
def test_users_outside_the_owners_chain_get_404_and_change_nothing(client, request, alice_client, actor, method, name):
    user = request.getfixturevalue(actor)
    url = reverse(f"clients:{name}", args=[alice_client.pk])
    data = edit_data(alice_client, name="Taken over") if name == "edit" else {"last_name": "Intruder"}

    response = getattr(as_user(client, user), method)(url, data if method == "post" else None)

    assert response.status_code == 404
    stored = Client.objects.get(pk=alice_client.pk)
    assert (stored.name, stored.status, stored.version) == ("Modrá Vlna s.r.o.", ClientStatus.ACTIVE, 1)
    assert not Contact.objects.exists()


def test_an_outsider_cannot_restore_a_version_of_someone_elses_client(client, dave, alice_client):
    first = client_history(client=alice_client)[0]["id"]

    response = as_user(client, dave).post(
        reverse("clients:restore_version", args=[alice_client.pk, first]), {"version": 1}
    )

    assert response.status_code == 404
    assert Client.objects.get(pk=alice_client.pk).version == 1


def test_an_unrelated_user_neither_lists_nor_finds_someone_elses_client(client, dave, alice_client):
    make_client(user=dave, name="Dave's Own Ltd", country="GB")
    as_user(client, dave)

    listed = client.get(reverse("clients:list"), {"show_invalid": "on"})
    searched = client.get(reverse("clients:list"), {"q": "27168352"})
    by_name = client.get(reverse("clients:list"), {"q": "modra"}, **htmx("client-results"))

    assert names_in(listed) == ["Dave's Own Ltd"]
    assert names_in(searched) == []
    assert names_in(by_name) == []
    assertNotContains(listed, "Modrá Vlna")


def test_a_subordinate_sees_only_their_own_clients(client, bob, alice_client, bob_client):
    response = as_user(client, bob).get(reverse("clients:list"))

    assert names_in(response) == ["Țesătoria Argeș SRL"]


@pytest.mark.parametrize("actor", ["alice", "carol", "admin_user"])
def test_the_owner_their_manager_and_an_admin_see_and_change_the_client(
    client, request, alice_client, bob_client, actor
):
    user = request.getfixturevalue(actor)
    as_user(client, user)

    listed = client.get(reverse("clients:list"))
    detail = client.get(reverse("clients:detail", args=[alice_client.pk]))
    edited = client.post(reverse("clients:edit", args=[alice_client.pk]), edit_data(alice_client, name="Renamed a.s."))

    assert names_in(listed) == ["Modrá Vlna s.r.o.", "Țesătoria Argeș SRL"]
    assert detail.status_code == 200
    assert edited.status_code == 302
    assert Client.objects.get(pk=alice_client.pk).name == "Renamed a.s."


# Contacts ----------------------------------------------------------------------------------------


def test_adding_a_contact_from_the_contacts_tab(client, alice, alice_client):
    response = as_user(client, alice).post(
        reverse("clients:contact_create", args=[alice_client.pk]),
        {"first_name": "Jana", "last_name": "Nováková", "phone": "602 111 222", "language": "cs", "is_primary": "on"},
    )

    assertRedirects(response, reverse("clients:contacts", args=[alice_client.pk]))
    contact = Contact.objects.get()
    assert (contact.client, contact.last_name, contact.phone, contact.is_primary) == (
        alice_client,
        "Nováková",
        "+420602111222",
        True,
    )
    tab = client.get(reverse("clients:contacts", args=[alice_client.pk]))
    assertContains(tab, "Jana Nováková")
    assertContains(tab, "+420 602 111 222")


def test_the_new_contact_form_starts_in_the_clients_language(client, alice, alice_client):
    client_update(client=alice_client, user=alice, version=1, values={"language": "cs"})

    response = as_user(client, alice).get(reverse("clients:contact_create", args=[alice_client.pk]))

    assert response.context["form"].initial == {"language": "cs"}


def test_an_invalid_contact_shows_the_error_and_saves_nothing(client, alice, alice_client):
    response = as_user(client, alice).post(
        reverse("clients:contact_create", args=[alice_client.pk]),
        {"last_name": "Novák", "email": "nope", "language": "cs"},
    )

    assert response.context["form"].errors == {"email": ["“nope” is not a valid e-mail address."]}
    assert not Contact.objects.exists()


def test_making_a_contact_primary_takes_the_flag_from_the_other(client, alice, alice_client):
    first = make_contact(client=alice_client, user=alice, last_name="První", is_primary=True)
    second = make_contact(client=alice_client, user=alice, last_name="Druhý")

    response = as_user(client, alice).post(
        reverse("clients:contact_edit", args=[second.pk]), {"last_name": "Druhý", "language": "en", "is_primary": "on"}
    )

    assertRedirects(response, reverse("clients:contacts", args=[alice_client.pk]))
    assert Contact.objects.get(pk=second.pk).is_primary is True
    assert Contact.objects.get(pk=first.pk).is_primary is False


def test_removing_a_contact_asks_first_then_removes_only_it(client, alice, alice_client):
    kept = make_contact(client=alice_client, user=alice, last_name="Zůstává")
    removed = make_contact(client=alice_client, user=alice, last_name="Odchází")
    as_user(client, alice)

    confirmation = client.get(reverse("clients:contact_delete", args=[removed.pk]))
    response = client.post(reverse("clients:contact_delete", args=[removed.pk]))

    assertContains(confirmation, "Remove Odchází from Modrá Vlna s.r.o.?")
    assertRedirects(response, reverse("clients:contacts", args=[alice_client.pk]))
    assert list(Contact.objects.all()) == [kept]


@pytest.mark.parametrize(
    ("method", "name"), [("get", "contact_edit"), ("post", "contact_edit"), ("post", "contact_delete")]
)
def test_an_unrelated_user_cannot_touch_someone_elses_contact(client, alice, dave, alice_client, method, name):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák")

    response = getattr(as_user(client, dave), method)(
        reverse(f"clients:{name}", args=[contact.pk]), {"last_name": "Changed", "language": "en"}
    )

    assert response.status_code == 404
    assert Contact.objects.get(pk=contact.pk).last_name == "Novák"


def test_the_contact_list_shows_and_searches_only_visible_contacts(client, alice, dave, alice_client):
    make_contact(client=alice_client, user=alice, first_name="Jiří", last_name="Dvořák")
    make_contact(client=alice_client, user=alice, first_name="Eva", last_name="Malá")
    theirs = make_client(user=dave, name="Dave's Own Ltd", country="GB")
    make_contact(client=theirs, user=dave, last_name="Hidden")
    as_user(client, alice)

    everyone = client.get(reverse("clients:contact_list"))
    searched = client.get(reverse("clients:contact_list"), {"q": "eva"}, **htmx("contact-results"))

    assert [str(contact) for contact in everyone.context["page"].items] == ["Jiří Dvořák", "Eva Malá"]
    assertContains(everyone, "2 contacts")
    assertNotContains(everyone, "Hidden")
    assert [str(contact) for contact in searched.context["page"].items] == ["Eva Malá"]
    assertNotContains(searched, "<html")


# Groups ------------------------------------------------------------------------------------------


def test_the_group_list_searches_names_and_descriptions_and_counts_clients(client, alice, group, alice_client):
    make_group(user=alice, name="Retail", description="Shops")
    as_user(client, alice)

    everything = client.get(reverse("clients:group_list"))
    searched = client.get(reverse("clients:group_list"), {"q": "pallet"}, **htmx("group-results"))

    assert [(g.name, g.client_count) for g in everything.context["groups"]] == [("Retail", 0), ("Wholesale", 1)]
    assert [g.name for g in searched.context["groups"]] == ["Wholesale"]
    assertNotContains(searched, "<html")


def test_creating_a_group(client, alice):
    response = as_user(client, alice).post(
        reverse("clients:group_create"), {"name": "  Velkoobchod ", "description": "Nákup po paletách"}
    )

    assertRedirects(response, reverse("clients:group_list"))
    assert list(ClientGroup.objects.values_list("name", "description")) == [("Velkoobchod", "Nákup po paletách")]


def test_a_group_name_must_be_unique_ignoring_case(client, alice, group):
    response = as_user(client, alice).post(reverse("clients:group_create"), {"name": "WHOLESALE"})

    assert response.context["form"].errors == {"name": ["A group named “WHOLESALE” already exists."]}
    assert ClientGroup.objects.count() == 1


def test_renaming_a_group(client, alice, group):
    response = as_user(client, alice).post(
        reverse("clients:group_edit", args=[group.pk]), {"name": "Big buyers", "description": ""}
    )

    assertRedirects(response, reverse("clients:group_list"))
    stored = ClientGroup.objects.get(pk=group.pk)
    assert (stored.name, stored.description) == ("Big buyers", "")


def test_deleting_a_group_says_how_many_clients_lose_it_and_keeps_them(client, alice, group, alice_client):
    as_user(client, alice)

    confirmation = client.get(reverse("clients:group_delete", args=[group.pk]))
    response = client.post(reverse("clients:group_delete", args=[group.pk]), follow=True)

    assertContains(confirmation, "1 client will lose this group. The client stays, without the group.")
    assertContains(response, "Group “Wholesale” was deleted; 1 client no longer has it.")
    assert not ClientGroup.objects.exists()
    stored = Client.objects.get(pk=alice_client.pk)
    assert list(stored.groups.all()) == []
    assert stored.status == ClientStatus.ACTIVE


def test_a_missing_group_is_404(client, alice):
    response = as_user(client, alice).get(reverse("clients:group_edit", args=[999]))

    assert response.status_code == 404
