"""Bulk actions on the clients ticked in the list: all or nothing, within what the user may change."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertContains

from clientela.accounts.models import Role
from clientela.clients.models import Client, ClientStatus, Contact
from clientela.clients.selectors import client_history
from clientela.clients.services import client_bulk_lock, client_bulk_unlock, client_lock
from clientela.clients.tests.factories import make_client, make_contact
from clientela.core.errors import PermissionDenied, RecordLocked

pytestmark = pytest.mark.django_db

BULK = reverse("clients:bulk")


@pytest.fixture(autouse=True)
def view_test_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def two_clients(alice):
    return [make_client(user=alice, name="Alfa s.r.o."), make_client(user=alice, name="Beta a.s.")]


def post(client, user, **data):
    client.force_login(user)
    response = client.post(BULK, {"next": "/clients/?q=a", **data})
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    client.get(response.url)  # the list page shows, and so uses up, the messages
    return response, shown


def test_the_list_offers_a_checkbox_per_client_and_the_bulk_bar(client, alice, two_clients):
    client.force_login(alice)

    response = client.get(reverse("clients:list"))

    for record in two_clients:
        assertContains(response, f'name="selected" value="{record.pk}" form="bulk-form"', count=1)
    assertContains(response, 'id="bulk-form"')
    assertContains(response, '<option value="transfer">')


def test_ticked_clients_are_locked_together_and_the_user_returns_to_the_list(client, alice, two_clients):
    response, shown = post(client, alice, action="lock", selected=[c.pk for c in two_clients])

    assert response.status_code == 302
    assert response.url == "/clients/?q=a"
    assert shown == ["2 clients locked."]
    assert set(Client.objects.filter(locked_by=alice).values_list("pk", flat=True)) == {c.pk for c in two_clients}


def test_one_client_locked_by_someone_else_stops_the_whole_bulk_lock(client, alice, carol, two_clients):
    client_lock(client=two_clients[1], user=carol)

    response, shown = post(client, alice, action="lock", selected=[c.pk for c in two_clients])

    assert response.status_code == 302
    assert "is locked by" in shown[0]
    assert Client.objects.get(pk=two_clients[0].pk).locked_by is None
    assert Client.objects.get(pk=two_clients[1].pk).locked_by == carol


def test_a_client_the_user_cannot_see_stops_the_action_and_changes_nothing(client, alice, dave, two_clients):
    daves = make_client(user=dave, name="Dave's Own s.r.o.")

    _response, shown = post(client, alice, action="invalidate", selected=[two_clients[0].pk, daves.pk])

    assert shown == ["1 of the ticked clients is not visible to you; nothing was changed."]
    assert set(Client.objects.values_list("status", flat=True)) == {ClientStatus.ACTIVE}


def test_bulk_invalidate_and_restore(client, alice, two_clients):
    post(client, alice, action="invalidate", selected=[c.pk for c in two_clients])
    assert set(Client.objects.values_list("status", flat=True)) == {ClientStatus.INVALID}

    _response, shown = post(client, alice, action="restore", selected=[c.pk for c in two_clients])

    assert shown == ["2 clients restored."]
    assert set(Client.objects.values_list("status", flat=True)) == {ClientStatus.ACTIVE}


def test_bulk_transfer_gives_the_clients_and_their_contacts_to_a_team_member(client, carol, alice, bob, two_clients):
    make_contact(client=two_clients[0], user=alice, last_name="Nováková")
    manager_role = Role.objects.get(builtin="manager")
    carol.role = manager_role
    carol.save()

    _response, shown = post(client, carol, action="transfer", to_owner=bob.pk, selected=[c.pk for c in two_clients])

    assert shown == ["2 clients transferred."]
    assert set(Client.objects.values_list("owner", flat=True)) == {bob.pk}
    assert Contact.objects.get(last_name="Nováková").client.owner == bob
    assert client_history(client=two_clients[0])[0]["reason"] == "Transferred to another owner"


def test_a_salesperson_may_not_transfer(client, alice, bob, two_clients):
    _response, shown = post(client, alice, action="transfer", to_owner=bob.pk, selected=[c.pk for c in two_clients])

    assert shown == ["Your role does not allow this: Transfer ownership. Ask an administrator."]
    assert set(Client.objects.values_list("owner", flat=True)) == {alice.pk}


def test_a_transfer_to_someone_outside_the_team_is_refused(client, carol, alice, dave, two_clients):
    carol.role = Role.objects.get(builtin="manager")
    carol.save()

    _response, shown = post(client, carol, action="transfer", to_owner=dave.pk, selected=[c.pk for c in two_clients])

    assert shown == ["You can only give clients to yourself or to people in your team."]
    assert set(Client.objects.values_list("owner", flat=True)) == {alice.pk}


def test_a_transfer_needs_a_new_owner_and_an_action_needs_ticked_clients(client, alice, two_clients):
    _response, shown = post(client, alice, action="transfer", selected=[two_clients[0].pk])
    assert shown == ["Choose who gets the clients."]

    _response, shown = post(client, alice, action="lock")
    assert shown == ["Tick at least one client first."]
    assert not Client.objects.filter(locked_by__isnull=False).exists()


def test_only_the_locker_or_an_admin_bulk_unlocks(alice, carol, admin_user, two_clients):
    client_bulk_lock(user=alice, clients=two_clients)

    with pytest.raises(PermissionDenied):
        client_bulk_unlock(user=carol, clients=two_clients)
    assert Client.objects.filter(locked_by=alice).count() == 2

    client_bulk_unlock(user=admin_user, clients=two_clients)
    assert not Client.objects.filter(locked_by__isnull=False).exists()


def test_a_read_only_user_cannot_bulk_lock(alice, two_clients):
    alice.role = Role.objects.get(builtin="read_only")
    alice.save()

    with pytest.raises(PermissionDenied):
        client_bulk_lock(user=alice, clients=two_clients)
    assert not Client.objects.filter(locked_by__isnull=False).exists()


def test_a_bulk_change_never_lands_partly(alice, carol, two_clients):
    client_lock(client=two_clients[1], user=carol)

    with pytest.raises(RecordLocked):
        client_bulk_lock(user=alice, clients=two_clients)
    assert Client.objects.get(pk=two_clients[0].pk).locked_by is None
