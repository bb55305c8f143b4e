"""Sharing a client: a share grants exactly read or edit, to a user or a team's members; the Sharing tab."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from clientela.accounts.models import Action, Share
from clientela.accounts.services import share_create, share_delete, team_create, team_update
from clientela.clients.models import Client, Contact
from clientela.clients.services import client_lock, client_update, contact_update
from clientela.clients.tests.factories import make_client, make_contact
from clientela.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def view_test_settings(settings):
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


def shares_of(record) -> list[tuple]:
    return list(
        Share.objects.filter(object_id=record.pk).order_by("id").values_list("user__username", "team__name", "access")
    )


# What a share grants -------------------------------------------------------------------------------


def test_a_read_share_lets_dave_see_but_not_edit_alices_client(alice, dave, alice_client):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák")
    share_create(actor=alice, record=alice_client, user=dave, access="read")

    assert list(Client.objects.visible_to(dave)) == [alice_client]
    assert list(Contact.objects.visible_to(dave)) == [contact]
    assert not Client.objects.editable_by(dave).exists()
    with pytest.raises(PermissionDenied):
        client_update(client=alice_client, user=dave, version=alice_client.version, values={"name": "Dave's now"})
    with pytest.raises(PermissionDenied):
        contact_update(contact=contact, user=dave, values={"last_name": "Changed"})
    assert Client.objects.get(pk=alice_client.pk).name == "Modrá Vlna s.r.o."
    assert Contact.objects.get(pk=contact.pk).last_name == "Novák"


def test_an_edit_share_lets_dave_edit_alices_client(alice, dave, alice_client):
    share_create(actor=alice, record=alice_client, user=dave, access="edit")

    updated = client_update(client=alice_client, user=dave, version=alice_client.version, values={"name": "Renamed"})

    assert updated.name == "Renamed"
    assert updated.owner == alice  # sharing gives access, not ownership
    assert list(Client.objects.editable_by(dave)) == [alice_client]


def test_reach_parts_split_what_a_user_sees_by_why_without_overlap(admin_user, alice, bob, carol, dave, alice_client):
    davids = make_client(user=dave, name="Dave's own")
    shared_to_dave = make_client(user=alice, name="Shared with Dave")
    owned_and_shared = make_client(user=dave, name="Dave's, shared too")
    make_client(user=alice, name="Alice's alone")
    share_create(actor=alice, record=shared_to_dave, user=dave, access="read")
    share_create(actor=dave, record=owned_and_shared, user=alice, access="edit")
    share_create(actor=alice, record=alice_client, user=dave, access="edit")

    owned, shared = Client.objects.reach_parts(dave)

    assert set(owned) == {davids, owned_and_shared}
    assert set(shared) == {shared_to_dave, alice_client}
    assert set(owned) | set(shared) == set(Client.objects.visible_to(dave))
    assert [set(part) for part in Client.objects.reach_parts(admin_user)] == [set(Client.objects.all())]
    assert [set(part) for part in Client.objects.filter(name__startswith="Dave").reach_parts(dave)] == [
        {davids, owned_and_shared},
        set(),
    ]


def test_reach_parts_give_a_user_without_the_view_action_nothing(alice, dave, alice_client):
    share_create(actor=alice, record=alice_client, user=dave, access="read")
    dave.role.actions = [action for action in dave.role.actions if action != Action.VIEW]
    dave.role.save()

    assert [list(part) for part in Client.objects.reach_parts(dave)] == [[]]


def test_a_team_share_works_through_membership(admin_user, alice, dave, carol, alice_client):
    team = team_create(actor=admin_user, name="Export", members=[dave])
    share_create(actor=alice, record=alice_client, team=team, access="edit")

    assert list(Client.objects.editable_by(dave)) == [alice_client]
    # Leaving the team ends the access.
    team_update(actor=admin_user, team=team, name="Export", members=[])
    assert not Client.objects.visible_to(dave).exists()


def test_removing_the_share_removes_access(alice, dave, alice_client):
    share = share_create(actor=alice, record=alice_client, user=dave, access="edit")

    share_delete(actor=alice, share=share)

    assert not Client.objects.visible_to(dave).exists()
    assert not Client.objects.editable_by(dave).exists()


def test_bob_cannot_share_his_managers_client(alice, bob, dave, alice_client):
    with pytest.raises(PermissionDenied):
        share_create(actor=bob, record=alice_client, user=dave, access="edit")

    assert shares_of(alice_client) == []
    assert not Client.objects.visible_to(dave).exists()


def test_a_read_share_does_not_let_its_holder_share_further_or_unshare(alice, bob, dave, alice_client):
    share = share_create(actor=alice, record=alice_client, user=dave, access="read")

    with pytest.raises(PermissionDenied):
        share_create(actor=dave, record=alice_client, user=bob, access="read")
    with pytest.raises(PermissionDenied):
        share_delete(actor=dave, share=share)

    assert shares_of(alice_client) == [("dave", None, "read")]


def test_a_locked_client_cannot_be_shared_by_others_than_the_locker(alice, carol, dave, alice_client):
    client_lock(client=alice_client, user=alice)

    with pytest.raises(PermissionDenied):
        share_create(actor=carol, record=alice_client, user=dave, access="read")

    assert shares_of(alice_client) == []


# The Sharing tab -----------------------------------------------------------------------------------


def test_the_sharing_tab_lists_shares_and_offers_controls_to_who_may_edit(
    client, admin_user, alice, dave, alice_client
):
    team = team_create(actor=admin_user, name="Export desk")
    share_create(actor=alice, record=alice_client, user=dave, access="read")
    share_create(actor=alice, record=alice_client, team=team, access="edit")

    response = as_user(client, alice).get(reverse("clients:sharing", args=[alice_client.pk]))

    assert response.status_code == 200
    assertContains(response, 'id="tab-sharing" aria-current="page"')
    assert [(s.grantee, s.access) for s in response.context["shares"]] == [(dave, "read"), (team, "edit")]
    assertContains(response, "Dave Elsewhere")
    assertContains(response, "Export desk")
    assertContains(response, 'id="share-form"')
    assertContains(response, 'id="remove-share-', count=2)


def test_who_may_only_read_sees_the_shares_without_controls(client, alice, dave, alice_client):
    share_create(actor=alice, record=alice_client, user=dave, access="read")

    response = as_user(client, dave).get(reverse("clients:sharing", args=[alice_client.pk]))

    assert response.status_code == 200
    assertContains(response, "Dave Elsewhere")
    assertNotContains(response, 'id="share-form"')
    assertNotContains(response, 'id="remove-share-')


def test_the_sharing_tab_of_someone_elses_client_does_not_exist(client, dave, alice_client):
    response = as_user(client, dave).get(reverse("clients:sharing", args=[alice_client.pk]))

    assert response.status_code == 404


def test_the_sharing_tab_comes_as_a_fragment_for_htmx(client, alice, alice_client):
    response = as_user(client, alice).get(reverse("clients:sharing", args=[alice_client.pk]), **htmx("client-tabs"))

    assert response.content.decode().lstrip().startswith('<section id="client-tabs"')
    assertNotContains(response, "<html")


def test_sharing_from_the_tab_with_a_user_and_with_a_team(client, admin_user, alice, dave, alice_client):
    team = team_create(actor=admin_user, name="Export")
    url = reverse("clients:share_add", args=[alice_client.pk])
    as_user(client, alice)

    response = client.post(url, {"grantee": f"user:{dave.pk}", "access": "edit"})
    assertRedirects(response, reverse("clients:sharing", args=[alice_client.pk]))
    client.post(url, {"grantee": f"team:{team.pk}", "access": "read"})

    assert shares_of(alice_client) == [("dave", None, "edit"), (None, "Export", "read")]
    assert list(Client.objects.editable_by(dave)) == [alice_client]


def test_sharing_with_nobody_shows_the_error_and_saves_nothing(client, alice, alice_client):
    response = as_user(client, alice).post(
        reverse("clients:share_add", args=[alice_client.pk]), {"grantee": "", "access": "read"}
    )

    assert response.status_code == 200
    assert "grantee" in response.context["share_form"].errors
    assert shares_of(alice_client) == []


def test_bob_cannot_share_his_managers_client_from_the_page(client, alice, bob, dave, alice_client):
    response = as_user(client, bob).post(
        reverse("clients:share_add", args=[alice_client.pk]), {"grantee": f"user:{dave.pk}", "access": "edit"}
    )

    # Bob does not see alice's client at all: for him it does not exist.
    assert response.status_code == 404
    assert shares_of(alice_client) == []


def test_a_read_share_holder_is_refused_adding_or_removing_shares(client, alice, bob, dave, alice_client):
    share = share_create(actor=alice, record=alice_client, user=dave, access="read")
    as_user(client, dave)

    added = client.post(
        reverse("clients:share_add", args=[alice_client.pk]), {"grantee": f"user:{bob.pk}", "access": "edit"}
    )
    removed = client.post(reverse("clients:share_remove", args=[alice_client.pk, share.pk]))

    assert (added.status_code, removed.status_code) == (403, 403)
    assert shares_of(alice_client) == [("dave", None, "read")]


def test_removing_a_share_from_the_tab(client, alice, dave, alice_client):
    share = share_create(actor=alice, record=alice_client, user=dave, access="edit")

    response = as_user(client, alice).post(reverse("clients:share_remove", args=[alice_client.pk, share.pk]))

    assertRedirects(response, reverse("clients:sharing", args=[alice_client.pk]))
    assert shares_of(alice_client) == []
    assert not Client.objects.visible_to(dave).exists()


def test_a_share_of_another_client_cannot_be_removed_through_this_one(client, alice, dave, alice_client, bob_client):
    other = share_create(actor=alice, record=bob_client, user=dave, access="read")

    response = as_user(client, alice).post(reverse("clients:share_remove", args=[alice_client.pk, other.pk]))

    assert response.status_code == 404
    assert Share.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("shares", [1, 8])
def test_the_sharing_tab_runs_the_same_queries_for_few_or_many_shares(
    client, admin_user, alice, alice_client, django_assert_num_queries, shares
):
    from clientela.accounts.services import user_create

    for number in range(shares):
        share_create(actor=alice, record=alice_client, user=user_create(username=f"u{number}"), access="read")
    team = team_create(actor=admin_user, name="Export")
    share_create(actor=alice, record=alice_client, team=team, access="edit")
    as_user(client, alice)

    # session, user, client with owner and authors, its groups, its contacts, the shares with their
    # users and teams, whether alice may edit it, the users and the teams to pick from
    with django_assert_num_queries(9):
        response = client.get(reverse("clients:sharing", args=[alice_client.pk]), **htmx("client-tabs"))

    assert len(response.context["shares"]) == shares + 1


def test_the_client_page_links_to_the_sharing_tab(client, alice, alice_client):
    response = as_user(client, alice).get(reverse("clients:detail", args=[alice_client.pk]))

    assertContains(response, f'href="{reverse("clients:sharing", args=[alice_client.pk])}"')


def test_a_client_locked_by_someone_else_cannot_be_shared_from_the_page(client, alice, carol, dave, alice_client):
    client_lock(client=alice_client, user=alice)

    page = as_user(client, carol).get(reverse("clients:sharing", args=[alice_client.pk]))
    refused = client.post(
        reverse("clients:share_add", args=[alice_client.pk]), {"grantee": f"user:{dave.pk}", "access": "read"}
    )

    assertNotContains(page, 'id="share-form"')
    assert refused.status_code == 423
    assert shares_of(alice_client) == []


def test_the_client_page_offers_changes_only_to_those_who_may_make_them(client, alice, dave, alice_client):
    share_create(actor=alice, record=alice_client, user=dave, access="read")
    client.force_login(dave)

    page = client.get(reverse("clients:detail", args=[alice_client.pk])).content.decode()

    assert "Modrá Vlna s.r.o." in page
    for action in ("edit-client", "invalidate-client", "delete-client", "merge-client", "lock-client"):
        assert f'id="{action}"' not in page
    share_create(actor=alice, record=alice_client, user=dave, access="edit")
    page = client.get(reverse("clients:detail", args=[alice_client.pk])).content.decode()
    assert 'id="edit-client"' in page
    assert 'id="lock-client"' in page
    assert 'id="merge-client"' not in page  # a salesperson's role does not merge
