import pytest
from django.urls import reverse

from clientela.clients.models import Client, Contact
from clientela.clients.selectors import client_history, get_client_for_user
from clientela.clients.services import (
    client_delete,
    client_invalidate,
    client_lock,
    client_unlock,
    client_update,
    contact_create,
    contact_update,
)
from clientela.clients.tests.factories import make_contact
from clientela.core.errors import PermissionDenied, RecordLocked

pytestmark = pytest.mark.django_db


def _snapshot(client: Client) -> dict:
    return Client.objects.filter(pk=client.pk).values().get()


def test_locking_records_who_and_when_and_is_in_the_history(alice, alice_client):
    client = client_lock(client=alice_client, user=alice)

    stored = Client.objects.get(pk=client.pk)
    assert stored.locked_by == alice
    assert stored.locked_at is not None
    assert stored.version == 1
    assert client_history(client=stored)[0]["reason"] == "Locked"
    assert client_history(client=stored)[0]["changes"][0]["field"] == "locked_by"


def test_others_cannot_change_invalidate_or_delete_a_locked_client(alice, carol, alice_client):
    client_lock(client=alice_client, user=alice)
    before = _snapshot(alice_client)

    with pytest.raises(RecordLocked) as error:
        client_update(client=alice_client, user=carol, version=1, values={"email": "x@example.com"})
    with pytest.raises(RecordLocked):
        client_invalidate(client=alice_client, user=carol)
    with pytest.raises(RecordLocked):
        client_delete(client=alice_client, user=carol)

    assert "locked by Alice Owner" in error.value.message
    assert _snapshot(alice_client) == before


def test_the_locker_keeps_editing_a_client_they_locked(alice, alice_client):
    client_lock(client=alice_client, user=alice)

    client = client_update(client=alice_client, user=alice, version=1, values={"email": "new@modravlna.cz"})

    assert client.email == "new@modravlna.cz"
    assert client.locked_by == alice


def test_contacts_of_a_locked_client_are_locked_too(alice, carol, alice_client):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák")
    client_lock(client=alice_client, user=alice)
    alice_client.refresh_from_db()

    with pytest.raises(RecordLocked):
        contact_create(client=alice_client, user=carol, values={"last_name": "Nový"})
    with pytest.raises(RecordLocked):
        contact_update(contact=Contact.objects.get(pk=contact.pk), user=carol, values={"position": "CEO"})

    assert list(Contact.objects.values_list("last_name", "position")) == [("Novák", "")]


def test_only_the_locker_or_an_admin_can_unlock(alice, carol, admin_user, alice_client):
    client_lock(client=alice_client, user=alice)

    with pytest.raises(PermissionDenied):
        client_unlock(client=alice_client, user=carol)
    assert Client.objects.get(pk=alice_client.pk).locked_by == alice

    client_unlock(client=alice_client, user=admin_user)
    assert Client.objects.get(pk=alice_client.pk).locked_by is None


def test_a_client_locked_by_someone_else_cannot_be_locked_again(alice, carol, alice_client):
    client_lock(client=alice_client, user=alice)

    with pytest.raises(RecordLocked):
        client_lock(client=alice_client, user=carol)

    assert Client.objects.get(pk=alice_client.pk).locked_by == alice


def test_editable_by_leaves_out_records_locked_by_others(alice, carol, admin_user, alice_client, bob_client):
    client_lock(client=alice_client, user=alice)

    assert set(Client.objects.editable_by(alice)) == {alice_client, bob_client}
    assert set(Client.objects.editable_by(carol)) == {bob_client}
    assert set(Client.objects.editable_by(admin_user)) == {bob_client}
    assert set(Client.objects.visible_to(carol)) == {alice_client, bob_client}


def test_reading_a_locked_client_is_fine_but_fetching_it_to_write_says_who_locked_it(alice, carol, alice_client):
    client_lock(client=alice_client, user=alice)

    assert get_client_for_user(user=carol, pk=alice_client.pk) == alice_client
    with pytest.raises(RecordLocked):
        get_client_for_user(user=carol, pk=alice_client.pk, write=True)


def test_the_edit_page_of_a_client_locked_by_someone_else_answers_423_with_the_reason(
    client, alice, carol, alice_client
):
    client_lock(client=alice_client, user=alice)
    client.force_login(carol)

    page = client.get(reverse("clients:edit", args=[alice_client.pk]))
    refused = client.post(reverse("clients:invalidate", args=[alice_client.pk]))

    assert page.status_code == 423
    assert "locked by Alice Owner" in page.content.decode()
    assert refused.status_code == 423
    assert Client.objects.get(pk=alice_client.pk).status == "active"


def test_the_api_answers_423_to_writes_on_a_client_locked_by_someone_else(alice, carol, alice_client):
    from rest_framework.test import APIClient

    client_lock(client=alice_client, user=alice)
    api = APIClient()
    api.force_authenticate(carol)
    before = _snapshot(alice_client)

    patched = api.patch(f"/api/v1/clients/{alice_client.pk}/", {"version": 1, "email": "x@example.com"}, format="json")
    deleted = api.delete(f"/api/v1/clients/{alice_client.pk}/")
    read = api.get(f"/api/v1/clients/{alice_client.pk}/")

    assert patched.status_code == 423
    assert patched.json()["code"] == "locked"
    assert deleted.status_code == 423
    assert read.status_code == 200
    assert _snapshot(alice_client) == before


def test_locking_and_unlocking_over_the_api_shows_who_locked_it(alice, carol, alice_client):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)

    locked = api.post(f"/api/v1/clients/{alice_client.pk}/lock/")
    api.force_authenticate(carol)
    refused_unlock = api.post(f"/api/v1/clients/{alice_client.pk}/unlock/")
    refused_lock = api.post(f"/api/v1/clients/{alice_client.pk}/lock/")
    api.force_authenticate(alice)
    unlocked = api.post(f"/api/v1/clients/{alice_client.pk}/unlock/")

    assert locked.status_code == 200
    assert locked.json()["locked_by"] == alice.pk
    assert locked.json()["locked_at"] is not None
    assert refused_unlock.status_code == 403
    assert refused_lock.status_code == 423
    assert unlocked.status_code == 200
    assert unlocked.json()["locked_by"] is None
    assert Client.objects.get(pk=alice_client.pk).locked_by is None


def test_the_client_page_locks_and_unlocks_and_shows_who_locked_it(client, alice, carol, alice_client):
    client.force_login(alice)
    client.post(reverse("clients:lock", args=[alice_client.pk]))

    own_page = client.get(reverse("clients:detail", args=[alice_client.pk])).content.decode()
    client.force_login(carol)
    others_page = client.get(reverse("clients:detail", args=[alice_client.pk])).content.decode()
    refused = client.post(reverse("clients:unlock", args=[alice_client.pk]))

    assert "Locked by Alice Owner since" in own_page
    assert 'id="edit-client"' in own_page
    assert 'id="unlock-client"' in own_page
    assert "Locked by Alice Owner since" in others_page
    assert 'id="edit-client"' not in others_page
    assert 'id="unlock-client"' not in others_page
    assert refused.status_code == 403
    assert Client.objects.get(pk=alice_client.pk).locked_by == alice

    client.force_login(alice)
    client.post(reverse("clients:unlock", args=[alice_client.pk]))
    assert Client.objects.get(pk=alice_client.pk).locked_by is None
