"""REST API of users, roles, teams and shares: admins only where it must be, through the services."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clientela.accounts.models import Action, BuiltinRole, Role, Share, Team, User
from clientela.accounts.services import builtin_role, share_create, team_create
from clientela.clients.models import Client
from clientela.clients.tests.factories import make_contact

pytestmark = pytest.mark.django_db

USER_FIELDS = {
    "id", "username", "first_name", "last_name", "email", "language", "role", "manager", "teams",
    "is_active", "is_admin", "date_joined", "last_login",
}  # fmt: skip


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def team(admin_user, alice):
    return team_create(actor=admin_user, name="Export", members=[alice])


# Users -------------------------------------------------------------------------------------------


def test_non_admins_get_403_on_every_user_endpoint(alice, bob, carol):
    for user in (alice, carol):
        client = api(user)
        answers = [
            client.get(reverse("api:user-list")),
            client.get(reverse("api:user-detail", args=[bob.pk])),
            client.post(reverse("api:user-list"), {"username": "eva"}, format="json"),
            client.patch(reverse("api:user-detail", args=[bob.pk]), {"is_active": False}, format="json"),
        ]
        assert [answer.status_code for answer in answers] == [403, 403, 403, 403]
        assert answers[0].json()["code"] == "permission_denied"
    assert User.objects.get(pk=bob.pk).is_active
    assert not User.objects.filter(username="eva").exists()


def test_admins_list_and_read_users(admin_user, alice, bob, team):
    listed = results(api(admin_user).get(reverse("api:user-list")))
    alice_row = api(admin_user).get(reverse("api:user-detail", args=[alice.pk])).json()

    assert [row["username"] for row in listed] == ["admin", "alice", "bob", "carol"]
    assert set(alice_row) == USER_FIELDS
    assert (alice_row["role"], alice_row["manager"], alice_row["teams"], alice_row["is_admin"]) == (
        alice.role_id, alice.manager_id, [team.pk], False,
    )  # fmt: skip


def test_an_admin_creates_a_user_and_gets_the_password_once(admin_user, carol, team):
    response = api(admin_user).post(
        reverse("api:user-list"),
        {"username": "eva", "first_name": "Eva", "manager": carol.pk, "teams": [team.pk], "language": "zh-hans"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == USER_FIELDS | {"password"}
    eva = User.objects.get(username="eva")
    assert eva.check_password(body["password"])
    assert (eva.role.builtin, eva.manager, list(eva.teams.all()), eva.language) == (
        BuiltinRole.SALESPERSON, carol, [team], "zh-hans",
    )  # fmt: skip
    again = api(admin_user).get(reverse("api:user-detail", args=[eva.pk])).json()
    assert "password" not in again


def test_creating_a_user_with_a_taken_username_answers_400(admin_user, alice):
    response = api(admin_user).post(reverse("api:user-list"), {"username": "alice"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["username"]


def test_an_admin_changes_role_manager_teams_and_deactivates(admin_user, alice, bob, dave, team):
    read_only = builtin_role(BuiltinRole.READ_ONLY)

    response = api(admin_user).patch(
        reverse("api:user-detail", args=[bob.pk]),
        {"role": read_only.pk, "manager": dave.pk, "teams": [team.pk], "is_active": False},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    bob.refresh_from_db()
    assert (bob.role, bob.manager, list(bob.teams.all()), bob.is_active) == (read_only, dave, [team], False)


def test_a_partial_update_keeps_what_it_leaves_out(admin_user, alice, bob, team):
    api(admin_user).patch(reverse("api:user-detail", args=[bob.pk]), {"first_name": "Robert"}, format="json")

    bob.refresh_from_db()
    assert (bob.first_name, bob.manager, bob.is_active, bob.role.builtin) == (
        "Robert", alice, True, BuiltinRole.SALESPERSON,
    )  # fmt: skip


def test_a_full_update_needs_role_manager_teams_and_active(admin_user, bob):
    response = api(admin_user).put(reverse("api:user-detail", args=[bob.pk]), {"first_name": "Rob"}, format="json")

    assert response.status_code == 400
    assert sorted(response.json()) == ["is_active", "manager", "role", "teams"]


def test_a_manager_loop_answers_400_on_manager(admin_user, bob, carol):
    response = api(admin_user).patch(reverse("api:user-detail", args=[carol.pk]), {"manager": bob.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["manager"]
    assert User.objects.get(pk=carol.pk).manager is None


def test_users_cannot_be_deleted_over_the_api(admin_user, bob):
    response = api(admin_user).delete(reverse("api:user-detail", args=[bob.pk]))

    assert response.status_code == 405
    assert User.objects.filter(pk=bob.pk).exists()


# Roles -------------------------------------------------------------------------------------------


def test_non_admins_get_403_on_roles(alice):
    salesperson = builtin_role(BuiltinRole.SALESPERSON)
    client = api(alice)

    answers = [
        client.get(reverse("api:role-list")),
        client.patch(
            reverse("api:role-detail", args=[salesperson.pk]), {"actions": list(Action.values)}, format="json"
        ),
    ]

    assert [answer.status_code for answer in answers] == [403, 403]
    salesperson.refresh_from_db()
    assert Action.TRANSFER not in salesperson.actions


def test_admins_list_roles_and_change_their_actions(admin_user, alice):
    salesperson = builtin_role(BuiltinRole.SALESPERSON)

    listed = results(api(admin_user).get(reverse("api:role-list")))
    changed = api(admin_user).patch(
        reverse("api:role-detail", args=[salesperson.pk]), {"actions": ["view", "edit"]}, format="json"
    )

    assert [(row["builtin"], row["user_count"]) for row in listed] == [
        ("admin", 1), ("manager", 0), ("salesperson", 2), ("read_only", 0),
    ]  # fmt: skip
    assert set(listed[0]) == {"id", "builtin", "name", "label", "is_admin", "actions", "user_count"}
    assert changed.status_code == 200, changed.content
    assert changed.json()["actions"] == ["view", "edit"]
    assert Role.objects.get(pk=salesperson.pk).actions == ["view", "edit"]


def test_the_administrator_role_cannot_lose_actions_over_the_api(admin_user):
    admin_role = builtin_role(BuiltinRole.ADMIN)

    response = api(admin_user).patch(reverse("api:role-detail", args=[admin_role.pk]), {"actions": []}, format="json")

    assert response.status_code == 400
    assert set(Role.objects.get(pk=admin_role.pk).actions) == set(Action.values)


def test_admins_add_and_delete_roles(admin_user, alice):
    created = api(admin_user).post(
        reverse("api:role-list"), {"name": "Auditor", "actions": ["view", "export"]}, format="json"
    )
    role = Role.objects.get(name="Auditor")
    in_use = api(admin_user).delete(reverse("api:role-detail", args=[builtin_role(BuiltinRole.SALESPERSON).pk]))
    deleted = api(admin_user).delete(reverse("api:role-detail", args=[role.pk]))

    assert created.status_code == 201
    assert created.json()["actions"] == ["view", "export"]
    assert in_use.status_code == 409
    assert deleted.status_code == 204
    assert not Role.objects.filter(name="Auditor").exists()


def test_a_role_without_edit_gets_403_on_a_client_change(admin_user, alice, alice_client):
    api(admin_user).patch(
        reverse("api:role-detail", args=[builtin_role(BuiltinRole.SALESPERSON).pk]),
        {"actions": ["view"]},
        format="json",
    )

    response = api(alice).patch(
        reverse("api:client-detail", args=[alice_client.pk]),
        {"name": "Changed", "version": alice_client.version},
        format="json",
    )

    assert response.status_code == 403  # visible, but the role does not allow changes
    assert Client.objects.get(pk=alice_client.pk).name == "Modrá Vlna s.r.o."
    assert api(alice).get(reverse("api:client-detail", args=[alice_client.pk])).status_code == 200


# Teams -------------------------------------------------------------------------------------------


def test_everyone_reads_teams(alice, dave, team):
    listed = results(api(dave).get(reverse("api:team-list")))
    one = api(dave).get(reverse("api:team-detail", args=[team.pk]))

    assert listed == [{"id": team.pk, "name": "Export", "description": "", "members": [alice.pk]}]
    assert one.json() == listed[0]


def test_only_admins_change_teams(admin_user, alice, bob, team):
    client = api(alice)
    refused = [
        client.post(reverse("api:team-list"), {"name": "Mine"}, format="json"),
        client.patch(reverse("api:team-detail", args=[team.pk]), {"members": [alice.pk, bob.pk]}, format="json"),
        client.delete(reverse("api:team-detail", args=[team.pk])),
        client.post(reverse("api:team-list"), {}, format="json"),  # 403, not 400: nothing is read first
    ]
    assert [answer.status_code for answer in refused] == [403, 403, 403, 403]
    assert list(Team.objects.values_list("name", flat=True)) == ["Export"]
    assert list(team.members.all()) == [alice]

    created = api(admin_user).post(reverse("api:team-list"), {"name": "North", "members": [bob.pk]}, format="json")
    changed = api(admin_user).patch(reverse("api:team-detail", args=[team.pk]), {"members": [bob.pk]}, format="json")
    deleted = api(admin_user).delete(reverse("api:team-detail", args=[created.json()["id"]]))

    assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
    assert changed.json() == {"id": team.pk, "name": "Export", "description": "", "members": [bob.pk]}
    assert list(Team.objects.values_list("name", flat=True)) == ["Export"]


# Shares ------------------------------------------------------------------------------------------


def share_body(record, **grantee) -> dict:
    return {"record_type": record._meta.model_name, "record_id": record.pk, "access": "read", **grantee}


def test_alice_shares_her_client_and_dave_then_sees_it(alice, dave, alice_client):
    response = api(alice).post(
        reverse("api:share-list"), {**share_body(alice_client, user=dave.pk), "access": "edit"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("record_type", "record_id", "user", "team", "access", "created_by")} == {
        "record_type": "client", "record_id": alice_client.pk, "user": dave.pk, "team": None, "access": "edit",
        "created_by": alice.pk,
    }  # fmt: skip
    assert api(dave).get(reverse("api:client-detail", args=[alice_client.pk])).status_code == 200
    assert list(Client.objects.editable_by(dave)) == [alice_client]


def test_a_contact_and_a_team_can_be_shared(admin_user, alice, dave, alice_client):
    contact = make_contact(client=alice_client, user=alice)
    team = team_create(actor=admin_user, name="Desk", members=[dave])

    response = api(alice).post(reverse("api:share-list"), share_body(contact, team=team.pk), format="json")

    assert response.status_code == 201, response.content
    assert api(dave).get(reverse("api:contact-detail", args=[contact.pk])).status_code == 200
    assert api(dave).get(reverse("api:client-detail", args=[alice_client.pk])).status_code == 404


def test_bob_cannot_share_alices_client_over_the_api(alice, bob, dave, alice_client):
    response = api(bob).post(reverse("api:share-list"), share_body(alice_client, user=dave.pk), format="json")

    assert response.status_code == 400  # he does not see it: for him it does not exist
    assert list(response.json()) == ["record_id"]
    assert not Share.objects.exists()


def test_a_read_share_holder_gets_403_sharing_further_or_unsharing(alice, bob, dave, alice_client):
    share = share_create(actor=alice, record=alice_client, user=dave, access="read")

    shared = api(dave).post(reverse("api:share-list"), share_body(alice_client, user=bob.pk), format="json")
    deleted = api(dave).delete(reverse("api:share-detail", args=[share.pk]))

    assert (shared.status_code, deleted.status_code) == (403, 403)
    assert list(Share.objects.values_list("user__username", flat=True)) == ["dave"]


@pytest.mark.parametrize(
    "body",
    [
        {"record_type": "client", "access": "read"},
        {"record_type": "client", "access": "read", "user": "dave", "team": "team"},
        {"record_type": "invoice", "access": "read", "user": "dave"},
        {"record_type": "client", "access": "write", "user": "dave"},
    ],
)
def test_a_wrong_share_answers_400(alice, dave, team, alice_client, body):
    ids = {"dave": dave.pk, "team": team.pk}
    body = {key: ids.get(value, value) for key, value in body.items()}
    body["record_id"] = alice_client.pk

    response = api(alice).post(reverse("api:share-list"), body, format="json")

    assert response.status_code == 400
    assert not Share.objects.exists()


def test_the_share_list_shows_only_shares_of_records_the_user_sees(
    admin_user, alice, bob, dave, alice_client, bob_client
):
    contact = make_contact(client=alice_client, user=alice)
    on_alices = share_create(actor=alice, record=alice_client, user=dave, access="read")
    on_bobs = share_create(actor=bob, record=bob_client, user=dave, access="edit")
    on_contact = share_create(actor=alice, record=contact, user=dave, access="read")
    third = User.objects.create(username="zoe", role=builtin_role(BuiltinRole.SALESPERSON))

    def listed(user, **params) -> list[int]:
        return [row["id"] for row in results(api(user).get(reverse("api:share-list"), params))]

    assert listed(alice) == [on_alices.pk, on_bobs.pk, on_contact.pk]
    assert listed(bob) == [on_bobs.pk]
    assert listed(dave) == [on_alices.pk, on_bobs.pk, on_contact.pk]
    assert listed(third) == []
    assert listed(admin_user) == [on_alices.pk, on_bobs.pk, on_contact.pk]
    assert listed(alice, record_type="client") == [on_alices.pk, on_bobs.pk]
    assert listed(alice, record_type="client", record_id=alice_client.pk) == [on_alices.pk]
    assert listed(alice, record_type="contact", record_id=contact.pk) == [on_contact.pk]
    assert listed(alice, record_id=max(alice_client.pk, bob_client.pk, contact.pk) + 1) == []
    assert api(bob).get(reverse("api:share-detail", args=[on_alices.pk])).status_code == 404
    assert api(alice).get(reverse("api:share-list"), {"record_type": "invoice"}).status_code == 400


def test_deleting_a_share_over_the_api_removes_access(alice, dave, alice_client):
    share = share_create(actor=alice, record=alice_client, user=dave, access="edit")

    response = api(alice).delete(reverse("api:share-detail", args=[share.pk]))

    assert response.status_code == 204
    assert not Share.objects.exists()
    assert api(dave).get(reverse("api:client-detail", args=[alice_client.pk])).status_code == 404


def test_the_schema_lists_the_new_endpoints():
    schema = APIClient().get(reverse("api:schema"), {"format": "json"}).json()
    resources = ("/api/v1/users/", "/api/v1/roles/", "/api/v1/teams/", "/api/v1/shares/", "/api/v1/clients/transfer/")

    paths = {path: sorted(ops) for path, ops in schema["paths"].items() if path.startswith(resources)}

    assert paths == {
        "/api/v1/users/": ["get", "post"],
        "/api/v1/users/{id}/": ["get", "patch", "put"],
        "/api/v1/roles/": ["get", "post"],
        "/api/v1/roles/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/teams/": ["get", "post"],
        "/api/v1/teams/{id}/": ["delete", "get", "patch", "put"],
        "/api/v1/shares/": ["get", "post"],
        "/api/v1/shares/{id}/": ["delete", "get"],
        "/api/v1/clients/transfer/": ["post"],
    }
    assert schema["paths"]["/api/v1/users/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewUser"
    }
