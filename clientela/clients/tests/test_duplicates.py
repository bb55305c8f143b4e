"""Duplicate candidates: why two clients match, who may see them, the form's warning, the scan, the API."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains

from clientela.clients import duplicates
from clientela.clients.duplicates import (
    EMAIL,
    NAME,
    PHONE,
    REGISTRATION_ID,
    TAX_ID,
    VAT_ID,
    MatchReason,
    client_duplicates,
    duplicate_candidates,
    duplicate_scan,
    name_score,
    normalise_name,
)
from clientela.clients.models import Client
from clientela.clients.services import client_invalidate
from clientela.clients.tests.factories import CZ_ICO, RO_CUI, make_client
from clientela.clients.tests.test_api import api
from clientela.clients.tests.test_views import as_user, new_client_data

pytestmark = pytest.mark.django_db

OTHER_CZ_ICO = "27168361"  # valid, and one digit away from CZ_ICO


@pytest.fixture(autouse=True)
def view_test_settings(settings):
    """Templates name static files: serve them unhashed, as tests run without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def codes(candidates) -> dict[str, list[str]]:
    return {candidate.client.name: [reason.code for reason in candidate.reasons] for candidate in candidates}


# Names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Modrá Vlna s.r.o.", "modra vlna"),
        ("MODRA VLNA, a.s.", "modra vlna"),
        ("Modrá vlna, spol. s r.o.", "modra vlna"),
        ("Müller Maschinenbau GmbH & Co. KG", "muller maschinenbau"),
        ("SC Țesătoria Argeș SRL", "tesatoria arges"),
        ("Talleres Pérez, S.L.U.", "talleres perez"),
        ("Acme Trading Co., Ltd.", "acme trading"),
        ("北京华为科技有限公司", "北京华为科技"),
        ("上海远航物流股份有限公司", "上海远航物流"),
        ("Stavby s.r.o.", "stavby"),  # a legal form alone is not stripped to nothing
        ("s.r.o.", "s r o"),
    ],
)
def test_names_are_folded_and_lose_punctuation_and_legal_forms(name, normalised):
    assert normalise_name(name) == normalised


def test_names_with_different_numbers_never_match():
    assert name_score("hotel praha 1", "hotel praha 2") == 0
    assert name_score("client 12", "client 21") == 0
    assert name_score("modra vlna", "modra vlnna") >= 90
    assert name_score("modra vlna", "vlna modra") == 100
    assert name_score("", "modra vlna") == 0


def test_a_reason_says_what_matched_in_words():
    assert MatchReason(TAX_ID).label == "Same tax id"
    assert MatchReason(VAT_ID).label == "Same VAT id"
    assert MatchReason(EMAIL).label == "Same e-mail"
    assert MatchReason(PHONE).label == "Same phone"
    assert MatchReason(NAME, 93).label == "Similar name 93 %"


# One client's candidates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"registration_id": "271 68 352"}, [REGISTRATION_ID]),
        ({"vat_id": "cz 27168352"}, [VAT_ID]),
        ({"vat_id": "27168352"}, [VAT_ID]),  # the country's prefix is added, as the service does
        ({"email": "INFO@ModraVlna.cz"}, [EMAIL]),
        ({"phone": "601 123 456"}, [PHONE]),
        ({"phone": "+420601123456"}, [PHONE]),
    ],
)
def test_each_equal_id_e_mail_or_phone_is_a_reason(alice, alice_client, values, expected):
    candidates = duplicate_candidates(user=alice, values={"name": "Úplně Jiná Firma", "country": "CZ", **values})

    assert codes(candidates) == {"Modrá Vlna s.r.o.": expected}
    assert candidates[0].score == 100


def test_an_equal_tax_id_is_a_reason(alice, bob_client):
    candidates = duplicate_candidates(user=alice, values={"name": "Alt Nume", "country": "RO", "tax_id": RO_CUI})

    assert codes(candidates) == {"Țesătoria Argeș SRL": [TAX_ID]}


@pytest.mark.parametrize(
    ("name", "score"),
    [
        ("MODRA VLNA a.s.", 100),  # case, accents and legal form make no difference
        ("Vlna Modrá", 100),  # nor the order of the words
        ("Modrá Vlnna s.r.o.", 95),
    ],
)
def test_a_similar_name_is_a_reason_with_its_score(alice, alice_client, name, score):
    candidates = duplicate_candidates(user=alice, values={"name": name, "country": "SK"})

    assert [(candidate.client, candidate.reasons) for candidate in candidates] == [
        (alice_client, [MatchReason(NAME, score)])
    ]


def test_every_reason_of_one_candidate_is_listed_strongest_first(alice, alice_client):
    values = {"name": "Modrá Vlna a.s.", "country": "CZ", "vat_id": "CZ27168352", "email": "info@modravlna.cz"}

    [candidate] = duplicate_candidates(user=alice, values=values)

    assert candidate.reasons == [MatchReason(VAT_ID), MatchReason(EMAIL), MatchReason(NAME, 100)]
    assert [str(reason) for reason in candidate.reasons] == ["Same VAT id", "Same e-mail", "Similar name 100 %"]


def test_different_companies_with_similar_looking_ids_are_not_candidates(alice, alice_client):
    make_client(user=alice, name="Horská Energie", country="SK", registration_id=CZ_ICO)  # same digits, Slovak
    values = {
        "name": "Modrý Les s.r.o.",
        "country": "CZ",
        "registration_id": OTHER_CZ_ICO,
        "vat_id": f"CZ{OTHER_CZ_ICO}",
        "email": "info@modravlna.com",
        "phone": "+420 601 123 457",
    }

    assert duplicate_candidates(user=alice, values=values) == []
    assert duplicate_candidates(user=alice, values={"name": "Other", "country": "CZ", "registration_id": CZ_ICO}) != []
    assert codes(
        duplicate_candidates(user=alice, values={"name": "Jiná", "country": "SK", "registration_id": CZ_ICO})
    ) == {"Horská Energie": [REGISTRATION_ID]}


def test_names_that_differ_only_by_number_are_not_candidates(alice):
    make_client(user=alice, name="Client 1 s.r.o.")

    assert duplicate_candidates(user=alice, values={"name": "Client 2 s.r.o.", "country": "CZ"}) == []


def test_values_the_service_would_refuse_match_nothing_and_raise_nothing(alice, alice_client):
    values = {"name": "Zzz", "country": "CZ", "registration_id": "123", "vat_id": "nonsense", "phone": "12"}

    assert duplicate_candidates(user=alice, values=values) == []


def test_nobody_is_told_about_clients_they_cannot_see(alice, bob, carol, dave, alice_client):
    values = {"name": "Modrá Vlna", "country": "CZ", "vat_id": "CZ27168352"}

    assert duplicate_candidates(user=dave, values=values) == []
    assert codes(duplicate_candidates(user=carol, values=values)) == {"Modrá Vlna s.r.o.": [VAT_ID, NAME]}
    assert duplicate_candidates(user=bob, values=values) == []  # alice's clients are above bob


def test_invalid_clients_are_not_candidates(alice, alice_client):
    client_invalidate(client=alice_client, user=alice)

    assert duplicate_candidates(user=alice, values={"name": "Modrá Vlna", "country": "CZ", "vat_id": CZ_ICO}) == []


def test_a_client_is_not_its_own_duplicate_and_an_edit_checks_only_what_it_changes(alice, alice_client):
    twin = make_client(user=alice, name="Modra Vlna a.s.", country="CZ", email="shop@modravlna.cz")
    unchanged = {"name": alice_client.name, "country": "CZ", "email": alice_client.email}
    changed = {"name": alice_client.name, "country": "CZ", "email": "shop@modravlna.cz"}

    assert [c.client for c in client_duplicates(user=alice, client=alice_client)] == [twin]
    assert duplicate_candidates(user=alice, values=unchanged, exclude=alice_client) == []
    assert codes(duplicate_candidates(user=alice, values=changed, exclude=alice_client)) == {"Modra Vlna a.s.": [EMAIL]}


# The scan of the register ------------------------------------------------------------------------


def _register(user, extra: int = 0) -> dict[str, Client]:
    clients = {
        "a": make_client(user=user, name="Modrá Vlna s.r.o.", email="info@modravlna.cz"),
        "b": make_client(user=user, name="Modra Vlna a.s.", country="SK"),
        "c": make_client(user=user, name="Zelený Kopec", email="INFO@modravlna.cz"),
        "d": make_client(user=user, name="Horská Energie", registration_id=CZ_ICO),
        "e": make_client(user=user, name="Úplně Jiná", registration_id=CZ_ICO),
        "f": make_client(user=user, name="Horska Energie Slovensko", registration_id=CZ_ICO, country="SK"),
        "g": make_client(user=user, name="Hotel Praha 1"),
        "h": make_client(user=user, name="Hotel Praha 2"),
    }
    for number in range(extra):
        make_client(user=user, name=f"Filler {number} Company")
    return clients


def _groups(scan) -> list[tuple[set[str], list[str]]]:
    return [({client.name for client in group.clients}, [str(r) for r in group.reasons]) for group in scan.groups]


def test_the_scan_groups_clients_that_share_an_id_e_mail_or_a_similar_name(alice):
    _register(alice)

    scan = duplicate_scan(user=alice)

    assert scan.clients_scanned == 8
    assert scan.total_groups == 2
    assert _groups(scan) == [
        ({"Modrá Vlna s.r.o.", "Modra Vlna a.s.", "Zelený Kopec"}, ["Same e-mail", "Similar name 100 %"]),
        ({"Horská Energie", "Úplně Jiná"}, ["Same company registration id"]),
    ]


def test_the_scan_finds_near_names_in_a_larger_register_and_pages_its_groups(alice):
    for number in range(40):
        make_client(user=alice, name=f"Firma {chr(65 + number % 26)}{number} Stavby")
    make_client(user=alice, name="Pekárna Novák")
    make_client(user=alice, name="Pekarna Novakk s.r.o.")
    make_client(user=alice, name="Nowak Pekárna")
    make_client(user=alice, name="Novák Pekárna")

    first = duplicate_scan(user=alice, limit=1)
    everything = duplicate_scan(user=alice)

    assert [(names, reasons[0][:12]) for names, reasons in _groups(everything)] == [
        ({"Pekárna Novák", "Pekarna Novakk s.r.o.", "Novák Pekárna", "Nowak Pekárna"}, "Similar name")
    ]
    assert first.total_groups == 1 and not first.has_next


def test_the_scan_compares_names_read_backwards_too_so_a_first_letter_typo_is_found(alice):
    for word in ("Quark", "Rubin", "Safír", "Topaz", "Uran", "Vltava"):
        make_client(user=alice, name=f"{word} Group")
    make_client(user=alice, name="Pekárna Novák")
    make_client(user=alice, name="Zekárna Novák")

    # A window of two: alphabetically the six names in between keep the pair apart.
    scan = duplicate_scan(user=alice, window=2)

    assert _groups(scan) == [({"Pekárna Novák", "Zekárna Novák"}, ["Similar name 92 %"])]


def test_the_scan_shows_only_what_the_user_sees_and_leaves_out_invalid_clients(alice, bob, dave):
    clients = _register(alice)
    make_client(user=dave, name="Modrá Vlna", email="info@modravlna.cz")
    client_invalidate(client=clients["e"], user=alice)

    assert _groups(duplicate_scan(user=dave)) == []
    assert _groups(duplicate_scan(user=bob)) == []
    assert _groups(duplicate_scan(user=alice)) == [
        ({"Modrá Vlna s.r.o.", "Modra Vlna a.s.", "Zelený Kopec"}, ["Same e-mail", "Similar name 100 %"]),
    ]


def test_a_value_shared_by_too_many_clients_is_no_sign_of_a_duplicate(alice, monkeypatch):
    monkeypatch.setattr(duplicates, "MAX_GROUP", 3)
    for name in ("Alfa", "Beta", "Gama", "Delta"):  # one switchboard number for four companies
        make_client(user=alice, name=f"{name} Servis", phone="+420 601 123 456")
    make_client(user=alice, name="Omega Servis", email="info@omega.cz")
    make_client(user=alice, name="Omega Trade", email="info@omega.cz")

    scan = duplicate_scan(user=alice)

    assert _groups(scan) == [({"Omega Servis", "Omega Trade"}, ["Same e-mail"])]


def test_a_long_chain_of_similar_names_is_shown_link_by_link_not_as_one_group(alice, monkeypatch):
    monkeypatch.setattr(duplicates, "MAX_GROUP", 3)
    # Dvorak is like Dvorakova, which is like Dvorakovych; Dvorak and Dvorakovych are not alike.
    for name in ("Autoservis Dvorak", "Autoservis Dvorakova", "Autoservis Dvorakovy", "Autoservis Dvorakovych"):
        make_client(user=alice, name=name)

    scan = duplicate_scan(user=alice)

    pairs = sorted(tuple(sorted(name.split()[1] for name in group)) for group, _reasons in _groups(scan))
    assert pairs == [
        ("Dvorak", "Dvorakova"),
        ("Dvorak", "Dvorakovy"),
        ("Dvorakova", "Dvorakovy"),
        ("Dvorakova", "Dvorakovych"),
        ("Dvorakovy", "Dvorakovych"),
    ]
    assert scan.total_groups == 5


@pytest.mark.parametrize("extra", [0, 30])
def test_the_scan_runs_the_same_queries_for_few_or_many_clients(alice, django_assert_num_queries, extra):
    _register(alice, extra)

    # five GROUP BY queries (tax id, registration id, VAT id, e-mail, phone), the names, the page's clients
    with django_assert_num_queries(7):
        scan = duplicate_scan(user=alice)

    assert scan.clients_scanned == 8 + extra


def test_one_clients_check_runs_two_queries(alice, alice_client, django_assert_num_queries):
    with django_assert_num_queries(2):  # equal ids, e-mail or phone; similar names
        duplicate_candidates(user=alice, values={"name": "Modrá Vlna", "country": "CZ", "email": "a@b.cz"})
    with django_assert_num_queries(1):  # no name to compare
        duplicate_candidates(user=alice, values={"name": "", "country": "CZ", "email": "a@b.cz"})


# The client form ---------------------------------------------------------------------------------


def test_creating_a_likely_duplicate_warns_and_saves_nothing_until_save_anyway(client, alice, alice_client):
    as_user(client, alice)
    data = new_client_data(alice, name="Modra Vlna a.s.", registration_id="", email="INFO@modravlna.cz")

    response = client.post(reverse("clients:create"), data)

    assert response.status_code == 200
    assert Client.objects.count() == 1
    assertContains(response, 'id="duplicate-warning"')
    assertContains(response, reverse("clients:detail", args=[alice_client.pk]))
    assertContains(response, "Same e-mail, Same phone, Similar name 100 %")
    assertContains(response, 'name="save_anyway"')

    response = client.post(reverse("clients:create"), {**data, "save_anyway": "on"})

    created = Client.objects.exclude(pk=alice_client.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[created.pk])
    assert created.name == "Modra Vlna a.s."


def test_creating_a_client_without_duplicates_saves_at_once(client, alice, alice_client):
    as_user(client, alice)
    data = new_client_data(alice, name="Horská Energie a.s.", registration_id="", email="x@horska.cz", phone="")

    response = client.post(reverse("clients:create"), data)

    assert response.status_code == 302
    assert Client.objects.count() == 2


def test_a_stranger_creating_the_same_client_is_not_warned_about_it(client, dave, alice_client):
    as_user(client, dave)
    data = new_client_data(dave, name="Modrá Vlna s.r.o.", registration_id=CZ_ICO, email="info@modravlna.cz")

    response = client.post(reverse("clients:create"), data)

    assert response.status_code == 302
    assert Client.objects.filter(owner=dave).count() == 1


def test_an_edit_that_makes_a_client_look_like_another_warns_first(client, alice, alice_client):
    other = make_client(user=alice, name="Horská Energie a.s.")
    as_user(client, alice)
    url = reverse("clients:edit", args=[other.pk])
    data = new_client_data(alice, name=other.name, registration_id="", phone="", version=other.version)

    response = client.post(url, {**data, "email": "info@modravlna.cz"})

    assert response.status_code == 200
    assertContains(response, "Same e-mail")
    other.refresh_from_db()
    assert other.email == ""

    response = client.post(url, {**data, "email": "info@modravlna.cz", "save_anyway": "on"})

    other.refresh_from_db()
    assert response.status_code == 302
    assert other.email == "info@modravlna.cz"


def test_an_edit_of_a_client_that_already_has_a_twin_saves_without_asking_again(client, alice, alice_client):
    twin = make_client(user=alice, name="Modra Vlna a.s.", email="info@modravlna.cz")
    as_user(client, alice)
    data = new_client_data(alice, name=twin.name, email=twin.email, registration_id="", phone="", version=1)

    response = client.post(reverse("clients:edit", args=[twin.pk]), {**data, "billing_city": "Praha"})

    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.billing_city == "Praha"


# The find-duplicates page ------------------------------------------------------------------------


def test_the_client_list_links_to_the_duplicates_page(client, alice):
    response = as_user(client, alice).get(reverse("clients:list"))

    assertContains(response, f'href="{reverse("clients:duplicates")}"')


def test_the_duplicates_page_needs_a_login(client):
    response = client.get(reverse("clients:duplicates"))

    assert response.status_code == 302


# The API -----------------------------------------------------------------------------------------


def test_the_api_lists_a_clients_duplicates_with_reasons(alice, alice_client):
    twin = make_client(user=alice, name="Modra Vlna a.s.", country="SK", email="INFO@modravlna.cz")

    response = api(alice).get(reverse("api:client-duplicates", args=[alice_client.pk]))

    assert response.status_code == 200
    expected: list[dict[str, Any]] = [
        {
            "id": twin.pk,
            "name": "Modra Vlna a.s.",
            "kind": "company",
            "country": "SK",
            "tax_id": "",
            "registration_id": "",
            "vat_id": "",
            "email": "INFO@modravlna.cz",
            "phone": "",
            "owner": alice.pk,
            "score": 100,
            "reasons": [
                {"code": "email", "label": "Same e-mail", "score": 100},
                {"code": "name", "label": "Similar name 100 %", "score": 100},
            ],
        }
    ]
    assert response.json() == expected


def test_the_api_answers_404_for_a_client_the_caller_cannot_see(dave, alice_client):
    response = api(dave).get(reverse("api:client-duplicates", args=[alice_client.pk]))

    assert response.status_code == 404


def test_the_api_check_runs_a_bounded_number_of_queries(alice, alice_client):
    for number in range(5):
        make_client(user=alice, name=f"Modrá Vlna {number}")
    caller = api(alice)
    with CaptureQueriesContext(connection) as queries:
        response = caller.get(reverse("api:client-duplicates", args=[alice_client.pk]))

    assert response.status_code == 200
    assert response.json() == []  # numbered names are other companies
    assert len(queries) <= 6  # the token, the client with its groups and contacts, the two candidate queries


def test_a_page_of_groups_larger_than_one_query_loads_every_client(alice, monkeypatch):
    # On a large register one page of groups can hold more clients than SQLite takes parameters in
    # one query (a phone shared by a whole chain); the clients are then loaded in chunks.
    import clientela.clients.duplicates as duplicates

    _register(alice)
    monkeypatch.setattr(duplicates, "LOAD_CHUNK", 2)

    scan = duplicate_scan(user=alice)

    assert _groups(scan) == [
        ({"Modrá Vlna s.r.o.", "Modra Vlna a.s.", "Zelený Kopec"}, ["Same e-mail", "Similar name 100 %"]),
        ({"Horská Energie", "Úplně Jiná"}, ["Same company registration id"]),
    ]
