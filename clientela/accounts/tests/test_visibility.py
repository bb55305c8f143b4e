import pytest
from django.core.exceptions import ValidationError

from clientela.accounts.models import User
from clientela.accounts.selectors import user_superiors, user_team
from clientela.accounts.services import user_create, user_set_manager
from clientela.clients.models import Client, Contact
from clientela.clients.tests.factories import make_client, make_contact

pytestmark = pytest.mark.django_db


def test_owner_sees_own_clients_and_subordinates_but_not_superiors(alice, bob, carol, dave, alice_client, bob_client):
    carol_client = make_client(user=carol, name="Carol's Own a.s.")

    assert set(Client.objects.visible_to(alice)) == {alice_client, bob_client}
    assert set(Client.objects.visible_to(bob)) == {bob_client}
    assert set(Client.objects.visible_to(carol)) == {alice_client, bob_client, carol_client}
    assert set(Client.objects.visible_to(dave)) == set()


def test_admin_sees_every_client(admin_user, alice_client, bob_client):
    assert set(Client.objects.visible_to(admin_user)) == {alice_client, bob_client}


def test_superiors_see_subordinates_at_any_depth(alice, bob):
    chain = [bob]
    for depth in range(6):
        chain.append(user_create(username=f"deep{depth}", manager=chain[-1]))
    deepest_client = make_client(user=chain[-1], name="Deep Down s.r.o.")

    assert deepest_client in Client.objects.visible_to(alice)
    assert deepest_client in Client.objects.visible_to(chain[3])
    assert set(user_team(user=bob)) == {bob, *chain[1:]}


def test_contacts_follow_their_clients_visibility(alice, bob, dave, alice_client):
    contact = make_contact(client=alice_client, user=alice, last_name="Novák")

    assert list(Contact.objects.visible_to(alice)) == [contact]
    assert list(Contact.objects.visible_to(bob)) == []
    assert list(Contact.objects.visible_to(dave)) == []


def test_an_inactive_or_anonymous_user_sees_nothing(alice, alice_client):
    from django.contrib.auth.models import AnonymousUser

    alice.is_active = False
    assert not Client.objects.visible_to(alice).exists()
    assert not Client.objects.visible_to(AnonymousUser()).exists()


def test_a_manager_cannot_be_placed_below_their_own_subordinate(alice, bob, carol):
    with pytest.raises(ValidationError) as error:
        user_set_manager(user=carol, manager=bob)

    assert "manager" in error.value.message_dict
    assert User.objects.get(pk=carol.pk).manager is None
    with pytest.raises(ValidationError):
        user_set_manager(user=alice, manager=alice)


def test_a_cycle_in_stored_data_does_not_hang_visibility(alice, bob, carol, alice_client):
    # Written straight to the table, as a bad import might: the recursion must still end.
    User.objects.filter(pk=carol.pk).update(manager=bob)

    assert set(Client.objects.visible_to(bob)) == {alice_client}
    assert [user.username for user in user_superiors(user=bob)] == ["alice", "carol"]
