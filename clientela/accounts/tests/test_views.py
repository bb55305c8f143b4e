"""The settings screens: administrators only; users, the role grid and teams do what they say."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from clientela.accounts.models import Action, BuiltinRole, Role, Team, User
from clientela.accounts.services import builtin_role, role_create, team_create, user_update
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def htmx(target: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


@pytest.fixture
def team(admin_user, alice):
    return team_create(actor=admin_user, name="Export", description="Far away", members=[alice])


def settings_pages(user, team, role) -> list[tuple[str, str]]:
    return [
        ("get", reverse("accounts:settings")),
        ("get", reverse("accounts:user_list")),
        ("get", reverse("accounts:user_create")),
        ("get", reverse("accounts:user_edit", args=[user.pk])),
        ("get", reverse("accounts:role_grid")),
        ("get", reverse("accounts:role_create")),
        ("post", reverse("accounts:role_delete", args=[role.pk])),
        ("get", reverse("accounts:team_list")),
        ("get", reverse("accounts:team_create")),
        ("get", reverse("accounts:team_edit", args=[team.pk])),
        ("get", reverse("accounts:team_delete", args=[team.pk])),
        ("post", reverse("accounts:team_delete", args=[team.pk])),
    ]


def test_non_admins_are_refused_every_settings_page_and_nothing_changes(client, admin_user, alice, bob, carol, team):
    role = role_create(actor=admin_user, name="Unused", actions=[])
    for user in (alice, bob, carol):
        as_user(client, user)
        for method, url in settings_pages(bob, team, role):
            response = getattr(client, method)(url)
            assert response.status_code == 403, url
            assertContains(response, "Only an administrator can do this.", status_code=403)

    assert Team.objects.filter(pk=team.pk).exists()
    assert Role.objects.filter(pk=role.pk).exists()


def test_visitors_who_are_not_signed_in_are_sent_to_the_login(client, admin_user, bob, team):
    role = builtin_role(BuiltinRole.READ_ONLY)
    for method, url in settings_pages(bob, team, role):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_admins_open_every_settings_page(client, admin_user, bob, team):
    as_user(client, admin_user)
    for method, url in settings_pages(bob, team, builtin_role(BuiltinRole.READ_ONLY)):
        if method == "get":
            response = client.get(url, follow=True)
            assert response.status_code == 200, url


def test_the_settings_link_is_in_the_nav_for_admins_only(client, admin_user, alice):
    admin_page = as_user(client, admin_user).get(reverse("clients:list"))
    user_page = as_user(client, alice).get(reverse("clients:list"))

    assertContains(admin_page, f'href="{reverse("accounts:settings")}"')
    assertNotContains(user_page, f'href="{reverse("accounts:settings")}"')


# Users -------------------------------------------------------------------------------------------


def test_the_user_list_shows_name_username_role_manager_teams_and_status(client, admin_user, alice, bob, team):
    user_update(actor=admin_user, user=bob, manager=alice, is_active=False)

    response = as_user(client, admin_user).get(reverse("accounts:user_list"))

    assert [user.username for user in response.context["users"]] == ["admin", "alice", "carol", "bob"]
    row = response.content.decode().split(f'id="user-{alice.pk}"')[1].split("</tr>")[0]
    for text in ("Alice Owner", "alice", "Salesperson", "Carol Manager", "Export", "Active"):
        assert text in row
    assertContains(response, "Deactivated")


def test_the_user_list_searches_as_a_fragment_for_htmx(client, admin_user, alice, bob):
    response = as_user(client, admin_user).get(reverse("accounts:user_list"), {"q": "junior"}, **htmx("user-results"))

    assert response.content.decode().lstrip().startswith('<section id="user-results"')
    assert [user.username for user in response.context["users"]] == ["bob"]


def test_role_names_are_shown_in_the_readers_language(client, admin_user, alice):
    with translation.override("es"):
        spanish = str(BuiltinRole.SALESPERSON.label)

    response = as_user(client, admin_user).get(reverse("accounts:user_list"), HTTP_ACCEPT_LANGUAGE="es")

    assert response["Content-Language"] == "es"
    assertContains(response, spanish)


def test_an_admin_creates_a_user_and_sees_the_password_once(client, admin_user, carol, team):
    response = as_user(client, admin_user).post(
        reverse("accounts:user_create"),
        {
            "username": "eva",
            "first_name": "Eva",
            "last_name": "Nová",
            "email": "eva@example.com",
            "language": "cs",
            "role": builtin_role(BuiltinRole.MANAGER).pk,
            "manager": carol.pk,
            "teams": [team.pk],
        },
    )

    assert response.status_code == 200
    password = response.context["password"]
    assertContains(response, password)
    assert "no-store" in response["Cache-Control"]
    eva = User.objects.get(username="eva")
    assert (eva.get_full_name(), eva.language, eva.role.builtin, eva.manager, list(eva.teams.all())) == (
        "Eva Nová", "cs", BuiltinRole.MANAGER, carol, [team],
    )  # fmt: skip
    assert client.login(username="eva", password=password)


def test_creating_a_user_with_a_taken_username_shows_the_error(client, admin_user, alice):
    response = as_user(client, admin_user).post(
        reverse("accounts:user_create"),
        {"username": "alice", "language": "en", "role": builtin_role(BuiltinRole.SALESPERSON).pk},
    )

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.filter(username="alice").count() == 1


def test_an_admin_changes_a_users_role_manager_teams_and_deactivates_them(client, admin_user, alice, bob, dave, team):
    response = as_user(client, admin_user).post(
        reverse("accounts:user_edit", args=[bob.pk]),
        {
            "first_name": "Bob",
            "last_name": "Junior",
            "email": "",
            "language": "ro",
            "role": builtin_role(BuiltinRole.READ_ONLY).pk,
            "manager": dave.pk,
            "teams": [team.pk],
        },  # "is_active" left unticked
    )

    assertRedirects(response, reverse("accounts:user_edit", args=[bob.pk]))
    bob.refresh_from_db()
    assert (bob.role.builtin, bob.manager, list(bob.teams.all()), bob.is_active, bob.language) == (
        BuiltinRole.READ_ONLY, dave, [team], False, "ro",
    )  # fmt: skip
    assert not client.login(username="bob", password=PASSWORD)


def test_a_manager_that_would_make_a_loop_is_refused_on_the_form(client, admin_user, alice, bob, carol):
    response = as_user(client, admin_user).post(
        reverse("accounts:user_edit", args=[carol.pk]),
        {"language": "en", "role": carol.role_id, "manager": bob.pk, "is_active": "on"},
    )

    assert response.status_code == 200
    assert "manager" in response.context["form"].errors
    carol.refresh_from_db()
    assert carol.manager is None


def test_the_user_page_offers_to_transfer_their_clients(client, admin_user, alice, alice_client, bob_client):
    response = as_user(client, admin_user).get(reverse("accounts:user_edit", args=[alice.pk]))

    assert response.context["owned"] == [("client", 1)]
    assertContains(response, f'action="{reverse("clients:transfer_from_user", args=[alice.pk])}"')
    choices = [str(label) for value, label in response.context["transfer_form"].fields["to_owner"].choices if value]
    assert "Alice Owner" not in choices
    assert "Bob Junior" in choices


# Roles -------------------------------------------------------------------------------------------


def grid_post(roles: dict[Role, list[str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {"shown": [str(role.pk) for role in roles]}
    for role, actions in roles.items():
        data[f"role_{role.pk}"] = actions
    return data


def test_the_role_grid_shows_every_role_and_action(client, admin_user):
    response = as_user(client, admin_user).get(reverse("accounts:role_grid"))

    rows = response.context["form"].rows()
    assert [row["role"].builtin for row in rows] == ["admin", "manager", "salesperson", "read_only"]
    read_only = rows[3]
    assert [(action, ticked) for action, _label, ticked in read_only["cells"]] == [
        (action, action == Action.VIEW) for action in Action.values
    ]
    assertContains(response, f'name="role_{rows[2]["role"].pk}" value="delete"')


def test_the_role_grid_saves_what_the_admin_ticked(client, admin_user):
    salesperson = builtin_role(BuiltinRole.SALESPERSON)
    read_only = builtin_role(BuiltinRole.READ_ONLY)
    manager = builtin_role(BuiltinRole.MANAGER)

    response = as_user(client, admin_user).post(
        reverse("accounts:role_grid"),
        grid_post(
            {
                salesperson: ["view", "create", "edit"],
                read_only: ["view", "export"],
                manager: list(manager.actions),
            }
        ),
    )

    assertRedirects(response, reverse("accounts:role_grid"))
    salesperson.refresh_from_db()
    read_only.refresh_from_db()
    assert salesperson.actions == ["view", "create", "edit"]
    assert read_only.actions == ["view", "export"]
    assert set(Role.objects.get(pk=manager.pk).actions) == set(Action.values)


def test_the_role_grid_saves_through_htmx_and_answers_with_the_grid(client, admin_user):
    read_only = builtin_role(BuiltinRole.READ_ONLY)

    response = as_user(client, admin_user).post(
        reverse("accounts:role_grid"), grid_post({read_only: []}), **htmx("role-grid")
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="role-grid"')
    assertContains(response, "The roles were saved.")
    read_only.refresh_from_db()
    assert read_only.actions == []


def test_the_grid_leaves_the_administrator_role_and_unshown_roles_alone(client, admin_user):
    admin_role = builtin_role(BuiltinRole.ADMIN)
    read_only = builtin_role(BuiltinRole.READ_ONLY)

    as_user(client, admin_user).post(
        reverse("accounts:role_grid"), {f"role_{admin_role.pk}": ["view"], f"role_{read_only.pk}": []}
    )

    assert set(Role.objects.get(pk=admin_role.pk).actions) == set(Action.values)
    assert Role.objects.get(pk=read_only.pk).actions == ["view"]


def test_an_admin_adds_a_role(client, admin_user):
    response = as_user(client, admin_user).post(
        reverse("accounts:role_create"), {"name": "Field agent", "actions": ["view", "edit"]}
    )

    assertRedirects(response, reverse("accounts:role_grid"))
    assert Role.objects.filter(name="Field agent", actions=["view", "edit"], builtin="", is_admin=False).count() == 1


def test_a_role_name_taken_is_shown_on_the_form(client, admin_user):
    response = as_user(client, admin_user).post(reverse("accounts:role_create"), {"name": "salesperson"})

    assert "name" in response.context["form"].errors
    assert Role.objects.count() == 4


def test_an_unused_custom_role_is_deleted_and_a_used_one_is_not(client, admin_user, alice):
    unused = role_create(actor=admin_user, name="Unused", actions=[])
    used = role_create(actor=admin_user, name="Used", actions=["view"])
    user_update(actor=admin_user, user=alice, role=used, manager=alice.manager)
    as_user(client, admin_user)

    grid = client.get(reverse("accounts:role_grid"))
    assertContains(grid, f'id="delete-role-{unused.pk}"')
    assertNotContains(grid, f'id="delete-role-{used.pk}"')
    client.post(reverse("accounts:role_delete", args=[unused.pk]))
    refused = client.post(reverse("accounts:role_delete", args=[used.pk]))

    assert [str(m) for m in get_messages(refused.wsgi_request)] == [
        "Role “Unused” was deleted.",
        "1 user still has this role; give them another one first.",
    ]
    assert list(Role.objects.filter(builtin="").values_list("name", flat=True)) == ["Used"]


# Teams -------------------------------------------------------------------------------------------


def test_the_team_list_shows_teams_with_their_members(client, admin_user, alice, team):
    response = as_user(client, admin_user).get(reverse("accounts:team_list"))

    assert list(response.context["teams"]) == [team]
    assertContains(response, "Alice Owner")
    assertContains(response, "Far away")


def test_an_admin_creates_and_edits_a_team(client, admin_user, alice, bob):
    as_user(client, admin_user)

    created = client.post(reverse("accounts:team_create"), {"name": "North", "description": "", "members": [alice.pk]})
    team = Team.objects.get()
    edited = client.post(
        reverse("accounts:team_edit", args=[team.pk]),
        {"name": "North desk", "description": "Up there", "members": [alice.pk, bob.pk]},
    )

    assertRedirects(created, reverse("accounts:team_list"))
    assertRedirects(edited, reverse("accounts:team_list"))
    team.refresh_from_db()
    assert (team.name, team.description, set(team.members.all())) == ("North desk", "Up there", {alice, bob})


def test_a_team_name_taken_is_shown_on_the_form(client, admin_user, team):
    response = as_user(client, admin_user).post(reverse("accounts:team_create"), {"name": "EXPORT"})

    assert "name" in response.context["form"].errors
    assert Team.objects.count() == 1


def test_deleting_a_team_asks_first_then_keeps_its_members(client, admin_user, alice, team):
    as_user(client, admin_user)

    confirm = client.get(reverse("accounts:team_delete", args=[team.pk]))
    assertContains(confirm, "Nothing is shared with this team.")
    assert Team.objects.exists()
    response = client.post(reverse("accounts:team_delete", args=[team.pk]))

    assertRedirects(response, reverse("accounts:team_list"))
    assert not Team.objects.exists()
    assert User.objects.filter(pk=alice.pk).exists()
