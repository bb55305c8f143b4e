"""Ownership transfer: chosen clients or all of one user's, with contacts and history; all or nothing."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clientela.accounts.models import BuiltinRole
from clientela.accounts.services import builtin_role, share_create, user_update
from clientela.clients.models import ChangeReason, Client, ClientStatus
from clientela.clients.services import client_invalidate, client_lock, client_transfer
from clientela.clients.tests.factories import make_client, make_contact
from clientela.core.errors import PermissionDenied, RecordLocked

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def view_test_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager_carol(admin_user, carol):
    """Carol with the manager role, which allows transfers."""
    return user_update(actor=admin_user, user=carol, role=builtin_role(BuiltinRole.MANAGER))


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def owners() -> dict[str, str]:
    return {client.name: client.owner.username for client in Client.objects.select_related("owner")}


def transfers_of(client: Client) -> int:
    return client.history_entries.filter(history_change_reason=ChangeReason.TRANSFERRED).count()


# The service ---------------------------------------------------------------------------------------


def test_chosen_clients_move_with_their_contacts_and_one_history_entry_each(
    admin_user, alice, dave, alice_client, bob_client
):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák")
    entries_before = alice_client.history_entries.count()
    version_before = alice_client.version

    moved = client_transfer(user=admin_user, to_owner=dave, clients=[alice_client])

    assert moved == 1
    assert owners() == {"Modrá Vlna s.r.o.": "dave", "Țesătoria Argeș SRL": "bob"}
    stored = Client.objects.get(pk=alice_client.pk)
    assert stored.version == version_before + 1
    assert stored.updated_by == admin_user
    assert stored.contacts.get() == contact  # the contact went with its client
    assert stored.history_entries.count() == entries_before + 1
    latest = stored.history_entries.order_by("-history_date", "-history_id").first()
    assert (latest.history_change_reason, latest.history_user, latest.owner_id) == (
        ChangeReason.TRANSFERRED, admin_user, dave.pk,
    )  # fmt: skip
    assert list(Client.objects.visible_to(dave)) == [stored]
    assert not Client.objects.visible_to(alice).filter(pk=alice_client.pk).exists()


def test_all_clients_of_a_user_who_leaves_move_invalid_ones_too(admin_user, alice, bob, dave, alice_client, bob_client):
    second = make_client(user=alice, name="Druhá a.s.")
    client_invalidate(client=second, user=alice)
    user_update(actor=admin_user, user=alice, manager=alice.manager, is_active=False)

    moved = client_transfer(user=admin_user, from_owner=alice, to_owner=dave)

    assert moved == 2
    assert owners() == {"Modrá Vlna s.r.o.": "dave", "Druhá a.s.": "dave", "Țesătoria Argeș SRL": "bob"}
    assert Client.objects.get(pk=second.pk).status == ClientStatus.INVALID
    assert (transfers_of(alice_client), transfers_of(second), transfers_of(bob_client)) == (1, 1, 0)


def test_a_manager_moves_clients_within_their_team(manager_carol, alice, bob, alice_client):
    moved = client_transfer(user=manager_carol, from_owner=alice, to_owner=bob)

    assert moved == 1
    assert Client.objects.get(pk=alice_client.pk).owner == bob


def test_one_client_the_user_may_not_change_stops_the_whole_transfer(manager_carol, alice, dave, alice_client):
    daves = make_client(user=dave, name="Dave's Own s.r.o.")
    share_create(actor=dave, record=daves, user=manager_carol, access="read")  # visible to carol, not editable

    with pytest.raises(PermissionDenied):
        client_transfer(user=manager_carol, to_owner=manager_carol, clients=[alice_client, daves])

    assert owners() == {"Modrá Vlna s.r.o.": "alice", "Dave's Own s.r.o.": "dave"}
    assert (transfers_of(alice_client), transfers_of(daves)) == (0, 0)


def test_a_client_the_user_cannot_see_stops_the_whole_transfer(manager_carol, alice, dave, alice_client):
    daves = make_client(user=dave, name="Dave's Own s.r.o.")

    with pytest.raises(PermissionDenied):
        client_transfer(user=manager_carol, to_owner=manager_carol, clients=[alice_client, daves])

    assert owners() == {"Modrá Vlna s.r.o.": "alice", "Dave's Own s.r.o.": "dave"}


def test_a_client_locked_by_someone_else_stops_the_whole_transfer(manager_carol, alice, bob, alice_client, bob_client):
    client_lock(client=bob_client, user=bob)

    with pytest.raises(RecordLocked):
        client_transfer(user=manager_carol, to_owner=manager_carol, clients=[alice_client, bob_client])

    assert owners() == {"Modrá Vlna s.r.o.": "alice", "Țesătoria Argeș SRL": "bob"}


def test_a_role_without_transfer_cannot_transfer(alice, bob, alice_client):
    with pytest.raises(PermissionDenied):
        client_transfer(user=alice, to_owner=bob, clients=[alice_client])

    assert Client.objects.get(pk=alice_client.pk).owner == alice


def test_clients_go_only_to_active_people_in_the_users_team(admin_user, manager_carol, alice, dave, alice_client):
    with pytest.raises(ValidationError) as error:
        client_transfer(user=manager_carol, to_owner=dave, clients=[alice_client])
    assert "owner" in error.value.message_dict
    user_update(actor=admin_user, user=dave, is_active=False)
    with pytest.raises(ValidationError) as error:
        client_transfer(user=admin_user, to_owner=dave, clients=[alice_client])
    assert "to_owner" in error.value.message_dict

    assert Client.objects.get(pk=alice_client.pk).owner == alice


# The user page's "transfer their clients" ---------------------------------------------------------


def test_an_admin_transfers_every_client_of_a_user_from_their_page(client, admin_user, alice, dave, alice_client):
    second = make_client(user=alice, name="Druhá a.s.")
    page = reverse("accounts:user_edit", args=[alice.pk])
    client.force_login(admin_user)

    response = client.post(reverse("clients:transfer_from_user", args=[alice.pk]), {"to_owner": dave.pk, "next": page})

    assert response.status_code == 302
    assert response["Location"] == page
    assert owners() == {"Modrá Vlna s.r.o.": "dave", "Druhá a.s.": "dave"}
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 clients of Alice Owner now belong to Dave Elsewhere."
    ]
    assert (transfers_of(alice_client), transfers_of(second)) == (1, 1)


def test_the_transfer_from_the_page_is_refused_to_a_role_without_it(client, alice, bob, carol, alice_client):
    client.force_login(carol)  # a salesperson: no transfer right

    response = client.post(reverse("clients:transfer_from_user", args=[alice.pk]), {"to_owner": bob.pk})

    assert response.status_code == 403
    assert Client.objects.get(pk=alice_client.pk).owner == alice


def test_the_transfer_from_the_page_needs_a_new_owner(client, admin_user, alice, alice_client):
    client.force_login(admin_user)

    response = client.post(reverse("clients:transfer_from_user", args=[alice.pk]), {"to_owner": ""})

    assert response.status_code == 302
    assert len(list(get_messages(response.wsgi_request))) == 1
    assert Client.objects.get(pk=alice_client.pk).owner == alice


def test_the_transfer_does_not_redirect_to_another_site(client, admin_user, alice, dave, alice_client):
    client.force_login(admin_user)

    response = client.post(
        reverse("clients:transfer_from_user", args=[alice.pk]), {"to_owner": dave.pk, "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("clients:list")


# The API -----------------------------------------------------------------------------------------


def test_the_api_transfers_chosen_clients(admin_user, alice, dave, alice_client, bob_client):
    response = api(admin_user).post(
        reverse("api:client-transfer"),
        {"clients": [alice_client.pk, bob_client.pk], "to_owner": dave.pk},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"transferred": 2}
    assert owners() == {"Modrá Vlna s.r.o.": "dave", "Țesătoria Argeș SRL": "dave"}


def test_the_api_transfers_all_clients_of_a_user(admin_user, alice, dave, alice_client, bob_client):
    response = api(admin_user).post(
        reverse("api:client-transfer"),
        {"from_owner": alice.pk, "to_owner": dave.pk, "include_open_documents": True},
        format="json",
    )

    assert response.json() == {"transferred": 1}
    assert owners() == {"Modrá Vlna s.r.o.": "dave", "Țesătoria Argeș SRL": "bob"}


def test_the_api_refuses_a_role_without_transfer_with_403(alice, bob, alice_client):
    response = api(alice).post(
        reverse("api:client-transfer"), {"clients": [alice_client.pk], "to_owner": bob.pk}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Client.objects.get(pk=alice_client.pk).owner == alice


def test_the_api_answers_an_unseen_client_as_unknown_and_moves_nothing(manager_carol, alice, dave, alice_client):
    daves = make_client(user=dave, name="Dave's Own s.r.o.")

    response = api(manager_carol).post(
        reverse("api:client-transfer"),
        {"clients": [alice_client.pk, daves.pk], "to_owner": manager_carol.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["clients"]
    assert str(daves.pk) in response.json()["clients"][0]
    assert owners() == {"Modrá Vlna s.r.o.": "alice", "Dave's Own s.r.o.": "dave"}


def test_the_api_answers_a_read_only_client_with_403_and_moves_nothing(manager_carol, alice, dave, alice_client):
    daves = make_client(user=dave, name="Dave's Own s.r.o.")
    share_create(actor=dave, record=daves, user=manager_carol, access="read")

    response = api(manager_carol).post(
        reverse("api:client-transfer"),
        {"clients": [alice_client.pk, daves.pk], "to_owner": manager_carol.pk},
        format="json",
    )

    assert response.status_code == 403
    assert owners() == {"Modrá Vlna s.r.o.": "alice", "Dave's Own s.r.o.": "dave"}


def test_the_api_answers_a_locked_client_with_423(manager_carol, bob, bob_client):
    client_lock(client=bob_client, user=bob)

    response = api(manager_carol).post(
        reverse("api:client-transfer"), {"clients": [bob_client.pk], "to_owner": manager_carol.pk}, format="json"
    )

    assert response.status_code == 423
    assert Client.objects.get(pk=bob_client.pk).owner == bob


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "to_owner"),
        ({"to_owner": "me"}, "non_field_errors"),
        ({"clients": [], "to_owner": "me"}, "clients"),
        ({"clients": ["mine"], "from_owner": "alice", "to_owner": "me"}, "non_field_errors"),
    ],
)
def test_the_api_checks_the_body(admin_user, alice, alice_client, body, field):
    ids = {"me": admin_user.pk, "alice": alice.pk, "mine": alice_client.pk}
    body = {key: [ids[v] for v in value] if isinstance(value, list) else ids[value] for key, value in body.items()}

    response = api(admin_user).post(reverse("api:client-transfer"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Client.objects.get(pk=alice_client.pk).owner == alice


def test_the_api_names_the_new_owner_outside_the_team_to_owner(manager_carol, dave, alice_client):
    response = api(manager_carol).post(
        reverse("api:client-transfer"), {"clients": [alice_client.pk], "to_owner": dave.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["to_owner"]
