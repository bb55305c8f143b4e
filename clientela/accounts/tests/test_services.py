"""Users, roles, teams and shares as the services write them: who may, what changes, what must not."""

import pytest
from django.core.exceptions import ValidationError

from clientela.accounts.models import Action, BuiltinRole, Role, Share, Team, User
from clientela.accounts.services import (
    builtin_role,
    role_create,
    role_delete,
    role_update,
    share_create,
    share_delete,
    team_create,
    team_delete,
    team_update,
    user_add,
    user_update,
)
from clientela.clients.models import Client
from clientela.clients.services import client_update
from clientela.core.errors import DomainError, PermissionDenied

pytestmark = pytest.mark.django_db


# Users -------------------------------------------------------------------------------------------


def test_an_admin_adds_a_user_with_a_generated_password_that_logs_in(admin_user, carol):
    team = team_create(actor=admin_user, name="North")

    user, password = user_add(
        actor=admin_user,
        username="eva",
        first_name="Eva",
        email="eva@example.com",
        language="cs",
        role=builtin_role(BuiltinRole.READ_ONLY),
        manager=carol,
        teams=[team],
    )

    stored = User.objects.get(username="eva")
    assert stored == user
    assert len(password) >= 12
    assert stored.check_password(password)
    assert (stored.first_name, stored.email, stored.language) == ("Eva", "eva@example.com", "cs")
    assert stored.role.builtin == BuiltinRole.READ_ONLY
    assert stored.manager == carol
    assert list(stored.teams.all()) == [team]
    assert not stored.is_superuser


def test_only_an_admin_adds_users(alice):
    with pytest.raises(PermissionDenied):
        user_add(actor=alice, username="eva", role=builtin_role(BuiltinRole.ADMIN))

    assert not User.objects.filter(username="eva").exists()


def test_a_taken_username_is_refused_and_nothing_is_created(admin_user, alice):
    with pytest.raises(ValidationError) as error:
        user_add(actor=admin_user, username="alice", role=builtin_role(BuiltinRole.SALESPERSON))

    assert "username" in error.value.message_dict
    assert User.objects.filter(username="alice").count() == 1


def test_an_admin_changes_role_manager_teams_and_deactivates(admin_user, alice, bob, dave):
    team = team_create(actor=admin_user, name="South")
    read_only = builtin_role(BuiltinRole.READ_ONLY)

    user_update(actor=admin_user, user=bob, role=read_only, manager=dave, teams=[team], is_active=False, language="ro")

    bob.refresh_from_db()
    assert (bob.role, bob.manager, list(bob.teams.all()), bob.is_active, bob.language) == (
        read_only, dave, [team], False, "ro",
    )  # fmt: skip


def test_a_non_admin_cannot_change_users(alice, bob):
    with pytest.raises(PermissionDenied):
        user_update(actor=alice, user=bob, manager=None, is_active=False)

    bob.refresh_from_db()
    assert bob.is_active and bob.manager == alice


def test_admins_cannot_deactivate_or_demote_themselves(db):
    admin = User.objects.create(username="root", role=builtin_role(BuiltinRole.ADMIN))

    with pytest.raises(ValidationError) as error:
        user_update(actor=admin, user=admin, is_active=False)
    assert "is_active" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        user_update(actor=admin, user=admin, role=builtin_role(BuiltinRole.SALESPERSON))
    assert "role" in error.value.message_dict

    admin.refresh_from_db()
    assert admin.is_active and admin.role.builtin == BuiltinRole.ADMIN


# Roles -------------------------------------------------------------------------------------------


def test_an_admin_adds_a_role_and_changes_what_it_allows(admin_user):
    role = role_create(actor=admin_user, name="  Field   agent ", actions=[Action.EDIT, Action.VIEW])

    assert (role.name, role.actions, role.is_admin) == ("Field agent", ["view", "edit"], False)
    role_update(actor=admin_user, role=role, actions=[Action.VIEW, Action.EXPORT])
    role.refresh_from_db()
    assert role.actions == ["view", "export"]


def test_a_role_name_is_unique_ignoring_case_and_actions_must_be_known(admin_user):
    with pytest.raises(ValidationError) as error:
        role_create(actor=admin_user, name="MANAGER", actions=[])
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        role_create(actor=admin_user, name="Odd", actions=["fly"])
    assert "actions" in error.value.message_dict
    assert not Role.objects.filter(name__in=["MANAGER", "Odd"]).exists()


def test_the_administrator_role_always_allows_everything(admin_user):
    admin_role = builtin_role(BuiltinRole.ADMIN)

    with pytest.raises(ValidationError):
        role_update(actor=admin_user, role=admin_role, actions=[Action.VIEW], is_admin=True)

    admin_role.refresh_from_db()
    assert set(admin_role.actions) == set(Action.values)


def test_only_admins_change_roles(alice):
    role = builtin_role(BuiltinRole.SALESPERSON)
    before = list(role.actions)

    with pytest.raises(PermissionDenied):
        role_update(actor=alice, role=role, actions=list(Action.values))

    role.refresh_from_db()
    assert role.actions == before


def test_a_role_in_use_or_built_in_is_not_deleted(admin_user, alice):
    custom = role_create(actor=admin_user, name="Temp", actions=[Action.VIEW])
    user_update(actor=admin_user, user=alice, role=custom, manager=alice.manager)

    with pytest.raises(DomainError) as error:
        role_delete(actor=admin_user, role=custom)
    assert error.value.code == "in_use"
    with pytest.raises(DomainError) as error:
        role_delete(actor=admin_user, role=builtin_role(BuiltinRole.READ_ONLY))
    assert error.value.code == "builtin"

    user_update(actor=admin_user, user=alice, role=builtin_role(BuiltinRole.SALESPERSON), manager=alice.manager)
    role_delete(actor=admin_user, role=custom)
    assert not Role.objects.filter(pk=custom.pk).exists()


def test_a_role_without_edit_cannot_edit_even_its_own_client(admin_user, alice, alice_client):
    role_update(actor=admin_user, role=builtin_role(BuiltinRole.SALESPERSON), actions=[Action.VIEW])
    alice.role.refresh_from_db()

    with pytest.raises(PermissionDenied):
        client_update(client=alice_client, user=alice, version=alice_client.version, values={"name": "Changed"})

    assert Client.objects.get(pk=alice_client.pk).name == "Modrá Vlna s.r.o."
    assert list(Client.objects.visible_to(alice)) == [alice_client]
    assert not Client.objects.editable_by(alice).exists()


# Teams -------------------------------------------------------------------------------------------


def test_an_admin_creates_renames_and_deletes_a_team(admin_user, alice, bob):
    team = team_create(actor=admin_user, name="Export", description=" Far away ", members=[alice])
    assert (team.name, team.description, list(team.members.all())) == ("Export", "Far away", [alice])

    team_update(actor=admin_user, team=team, name="Export desk", members=[alice, bob])
    team.refresh_from_db()
    assert team.name == "Export desk"
    assert set(team.members.all()) == {alice, bob}

    team_delete(actor=admin_user, team=team)
    assert not Team.objects.exists()
    assert User.objects.filter(pk__in=[alice.pk, bob.pk]).count() == 2


def test_only_admins_change_teams(admin_user, alice):
    team = team_create(actor=admin_user, name="Export")

    with pytest.raises(PermissionDenied):
        team_create(actor=alice, name="Mine")
    with pytest.raises(PermissionDenied):
        team_update(actor=alice, team=team, name="Taken over", members=[alice])
    with pytest.raises(PermissionDenied):
        team_delete(actor=alice, team=team)

    assert list(Team.objects.values_list("name", flat=True)) == ["Export"]
    assert not team.members.exists()


# Shares ------------------------------------------------------------------------------------------


def test_sharing_again_changes_the_access_and_deleting_stops_it(alice, dave, alice_client):
    first = share_create(actor=alice, record=alice_client, user=dave, access="read")
    again = share_create(actor=alice, record=alice_client, user=dave, access="edit")

    assert again.pk == first.pk
    assert list(Share.objects.values_list("access", "created_by")) == [("edit", alice.pk)]
    share_delete(actor=alice, share=again)
    assert not Share.objects.exists()


def test_a_share_needs_a_user_or_a_team_and_an_active_user(admin_user, alice, dave, alice_client):
    team = team_create(actor=admin_user, name="Export")
    with pytest.raises(ValidationError):
        share_create(actor=alice, record=alice_client, access="read")
    with pytest.raises(ValidationError):
        share_create(actor=alice, record=alice_client, user=dave, team=team, access="read")
    with pytest.raises(ValidationError):
        share_create(actor=alice, record=alice_client, user=dave, access="write")
    user_update(actor=admin_user, user=dave, is_active=False)
    with pytest.raises(ValidationError):
        share_create(actor=alice, record=alice_client, user=dave, access="read")

    assert not Share.objects.exists()
