"""Merging clients: values per field, every link moved, one record, undo; on the web and over the API."""

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clientela.accounts.models import Action, BuiltinRole, Role, Share, ShareAccess, Team
from clientela.accounts.services import builtin_role, user_create
from clientela.clients import merge as merge_module
from clientela.clients.merge import (
    GENERIC_RELATIONS,
    MERGE_RELATIONS,
    client_merge,
    client_merge_undo,
    client_relations,
    generic_relation_models,
    undeclared_relations,
)
from clientela.clients.models import ChangeReason, Client, ClientGroup, ClientMerge, ClientStatus, Contact
from clientela.clients.selectors import ClientFilters, StatusFilter, client_history, client_list
from clientela.clients.services import client_invalidate, client_lock, client_update
from clientela.clients.tests.factories import make_client, make_contact, make_group
from clientela.core.errors import ConcurrencyError, DomainError, PermissionDenied, RecordLocked
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def merger(alice):
    """Alice as a manager: her role may merge (a salesperson's may not, by default)."""
    alice.role = builtin_role(BuiltinRole.MANAGER)
    alice.save()
    return alice


@pytest.fixture
def duplicate(alice, merger):
    """A second record of alice's Czech company, with its own contact, group and e-mail."""
    client = make_client(
        user=alice,
        name="Modra Vlna",
        country="CZ",
        email="obchod@modravlna.cz",
        website="https://modravlna.cz",
        billing_street="Cejl 20",
        billing_city="Brno",
        groups=[make_group(user=alice, name="Retail")],
    )
    make_contact(client=client, user=alice, first_name="Eva", last_name="Nováková", is_primary=True)
    return client


def _state(*clients: Client) -> dict[str, Any]:
    """Everything a merge may touch, to compare before and after."""
    pks = [client.pk for client in clients]
    client_type = ContentType.objects.get_for_model(Client)
    return {
        "clients": list(Client.objects.filter(pk__in=pks).order_by("pk").values()),
        "groups": sorted(
            Client.groups.through.objects.filter(client__in=pks).values_list("client_id", "clientgroup_id")
        ),
        "contacts": list(Contact.objects.order_by("pk").values("pk", "client_id", "is_primary", "last_name")),
        "shares": list(Share.objects.filter(content_type=client_type).order_by("pk").values()),
        "merges": ClientMerge.objects.count(),
        "history": sum(client.history_entries.count() for client in clients),
    }


def _fields(client: Client) -> dict[str, Any]:
    """A client's data apart from what every write changes (version, who and when)."""
    row = Client.objects.filter(pk=client.pk).values().get()
    for name in ("version", "updated_at", "updated_by_id"):
        row.pop(name)
    return row


def _share(client: Client, access: str = ShareAccess.READ, **grantee: Any) -> Share:
    content_type = ContentType.objects.get_for_model(Client)
    return Share.objects.create(content_type=content_type, object_id=client.pk, access=access, **grantee)


# The service -------------------------------------------------------------------------------------


def test_merging_moves_contacts_groups_and_shares_to_the_survivor(merger, dave, alice_client, duplicate, group):
    own_contact = make_contact(client=alice_client, user=merger, last_name="Dvořák")
    share = _share(duplicate, user=dave)

    merge = client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    survivor = Client.objects.get(pk=alice_client.pk)
    assert sorted(survivor.contacts.values_list("last_name", flat=True)) == ["Dvořák", "Nováková"]
    assert Contact.objects.get(pk=own_contact.pk).client_id == survivor.pk
    assert sorted(survivor.groups.values_list("name", flat=True)) == ["Retail", "Wholesale"]
    share.refresh_from_db()
    assert share.object_id == survivor.pk
    merged = Client.objects.get(pk=duplicate.pk)
    assert merged.status == ClientStatus.MERGED
    assert merged.merged_into_id == survivor.pk
    assert list(merged.groups.all()) == []
    assert list(merged.contacts.all()) == []
    assert merge.survivor_id == survivor.pk
    assert list(merge.merged.all()) == [merged]
    assert merge.created_by == merger
    assert survivor.version == merge.survivor_version == 2


def test_the_survivor_takes_the_value_chosen_for_each_field(merger, alice_client, duplicate, bob):
    bobs = make_client(user=merger, owner=bob, name="Modrá Vlna a.s.", country="CZ", phone="+420 777 111 222")

    client_merge(
        user=merger,
        survivor=alice_client,
        others=[duplicate, bobs],
        values={"name": bobs.pk, "email": duplicate.pk, "billing_address": duplicate.pk, "owner": bobs.pk},
    )

    survivor = Client.objects.get(pk=alice_client.pk)
    assert survivor.name == "Modrá Vlna a.s."
    assert survivor.email == "obchod@modravlna.cz"
    assert (survivor.billing_street, survivor.billing_city, survivor.billing_postal_code) == ("Cejl 20", "Brno", "")
    assert survivor.owner == bob
    # Not chosen: the survivor's own value stays, and an empty one takes another client's.
    assert survivor.registration_id == "27168352"
    assert survivor.phone == "+420601123456"
    assert survivor.website == "https://modravlna.cz"


def test_a_merge_writes_one_history_entry_on_the_survivor_naming_the_merge(merger, alice_client, duplicate):
    entries_before = alice_client.history_entries.count()

    merge = client_merge(user=merger, survivor=alice_client, others=[duplicate], values={"email": duplicate.pk})

    survivor = Client.objects.get(pk=alice_client.pk)
    assert survivor.history_entries.count() == entries_before + 1
    latest = client_history(client=survivor)[0]
    assert latest["reason"] == "Merged other clients into this one"
    assert latest["reason_code"] == f"merged:{merge.pk}"
    assert {change["field"] for change in latest["changes"]} == {"email", "website", "groups"}
    merged_latest = client_history(client=Client.objects.get(pk=duplicate.pk))[0]
    assert merged_latest["reason"] == "Merged into another client"


def test_only_the_survivors_primary_contact_stays_primary(merger, alice_client, duplicate):
    primary = make_contact(client=alice_client, user=merger, last_name="Dvořák", is_primary=True)

    client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    assert list(Contact.objects.filter(client=alice_client, is_primary=True)) == [primary]
    moved = Contact.objects.get(last_name="Nováková").history_entries.order_by("-history_id").first()
    assert ChangeReason.label(moved.history_change_reason) == "Moved to another client by a merge"


def test_a_survivor_without_a_primary_contact_gets_the_merged_ones(merger, alice_client, duplicate):
    client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    assert list(Contact.objects.filter(client=alice_client, is_primary=True).values_list("last_name", flat=True)) == [
        "Nováková"
    ]


def test_shares_with_the_same_user_or_team_keep_the_stronger_access(merger, dave, carol, alice_client, duplicate):
    team = Team.objects.create(name="Brno")
    on_survivor = _share(alice_client, ShareAccess.READ, user=dave)
    stronger = _share(duplicate, ShareAccess.EDIT, user=dave)
    team_on_survivor = _share(alice_client, ShareAccess.EDIT, team=team)
    weaker = _share(duplicate, ShareAccess.READ, team=team)

    client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    client_type = ContentType.objects.get_for_model(Client)
    shares = Share.objects.filter(content_type=client_type).order_by("pk")
    assert [(s.pk, s.object_id, s.access) for s in shares] == [
        (on_survivor.pk, alice_client.pk, ShareAccess.EDIT),
        (team_on_survivor.pk, alice_client.pk, ShareAccess.EDIT),
    ]
    assert not Share.objects.filter(pk__in=[stronger.pk, weaker.pk]).exists()


def test_an_invalid_chosen_value_changes_nothing(merger, alice_client, group):
    spanish = make_client(user=merger, name="Modrá Vlna ES", country="ES", tax_id="B65410011", groups=[group])
    make_contact(client=spanish, user=merger, last_name="Popescu")
    before = _state(alice_client, spanish)

    # A Spanish tax id does not pass as the Czech survivor's.
    with pytest.raises(ValidationError) as error:
        client_merge(user=merger, survivor=alice_client, others=[spanish], values={"tax_id": spanish.pk})

    assert "tax_id" in error.value.message_dict
    assert _state(alice_client, spanish) == before


def test_a_client_locked_by_someone_else_stops_the_merge_and_changes_nothing(merger, carol, alice_client, duplicate):
    client_lock(client=duplicate, user=carol)
    before = _state(alice_client, duplicate)

    with pytest.raises(RecordLocked):
        client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    assert _state(alice_client, duplicate) == before


def test_a_stale_version_stops_the_merge(merger, alice_client, duplicate):
    before = _state(alice_client, duplicate)

    with pytest.raises(ConcurrencyError):
        client_merge(user=merger, survivor=alice_client, others=[duplicate], values={}, versions={duplicate.pk: 0})

    assert _state(alice_client, duplicate) == before


@pytest.mark.parametrize("actions", [[Action.VIEW], [a for a in Action.values if a != Action.MERGE]])
def test_a_role_without_the_merge_action_cannot_merge(alice, alice_client, actions):
    duplicate = make_client(user=alice, name="Modra Vlna")
    alice.role = Role.objects.create(name="No merging", actions=actions)
    alice.save()
    before = _state(alice_client, duplicate)

    with pytest.raises(PermissionDenied):
        client_merge(user=alice, survivor=alice_client, others=[duplicate], values={})

    assert _state(alice_client, duplicate) == before


def test_a_salesperson_cannot_merge_by_default(alice, alice_client, bob_client):
    with pytest.raises(PermissionDenied):
        client_merge(user=alice, survivor=alice_client, others=[bob_client], values={})


def test_nobody_merges_clients_they_cannot_change(merger, bob, dave, alice_client, bob_client):
    bob.role = builtin_role(BuiltinRole.MANAGER)
    bob.save()
    dave.role = builtin_role(BuiltinRole.MANAGER)
    dave.save()
    _share(alice_client, ShareAccess.READ, user=dave)
    dave_client = make_client(user=dave, name="Dave's copy")
    before = _state(alice_client, bob_client)

    with pytest.raises(PermissionDenied):  # bob does not see his manager's client
        client_merge(user=bob, survivor=bob_client, others=[alice_client], values={})
    with pytest.raises(PermissionDenied):  # a read share is not enough
        client_merge(user=dave, survivor=dave_client, others=[alice_client], values={})

    assert _state(alice_client, bob_client) == before


def test_a_client_is_merged_only_once_and_never_into_itself(merger, alice_client, duplicate):
    with pytest.raises(ValidationError):
        client_merge(user=merger, survivor=alice_client, others=[alice_client], values={})
    with pytest.raises(ValidationError):
        client_merge(user=merger, survivor=alice_client, others=[], values={})
    client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})
    third = make_client(user=merger, name="Third")
    with pytest.raises(DomainError) as error:
        client_merge(user=merger, survivor=third, others=[duplicate], values={})
    assert error.value.code == "merged"


def test_a_choice_must_name_one_of_the_merged_clients(merger, alice_client, duplicate, bob_client):
    with pytest.raises(ValidationError):
        client_merge(user=merger, survivor=alice_client, others=[duplicate], values={"name": bob_client.pk})
    with pytest.raises(ValidationError):
        client_merge(user=merger, survivor=alice_client, others=[duplicate], values={"colour": duplicate.pk})


def test_a_merged_client_cannot_be_changed(merger, alice_client, duplicate):
    client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    with pytest.raises(DomainError) as error:
        client_update(client=duplicate, user=merger, version=3, values={"name": "Back"})

    assert error.value.code == "merged"


def test_merged_clients_leave_lists_and_search(merger, alice_client, duplicate):
    other = make_client(user=merger, name="Zelená Louka")
    client_invalidate(client=other, user=merger)
    client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    def names(status: str, search: str = "") -> list[str]:
        return list(
            client_list(user=merger, filters=ClientFilters(status=status, search=search)).values_list("name", flat=True)
        )

    assert names(StatusFilter.ACTIVE) == ["Modrá Vlna s.r.o."]
    assert names(StatusFilter.INVALID) == ["Zelená Louka"]
    assert names(StatusFilter.ALL) == ["Modrá Vlna s.r.o.", "Zelená Louka"]
    assert names(StatusFilter.ALL, "Modra Vlna") == ["Modrá Vlna s.r.o."]
    # The survivor is found by the contact it took over (its search text follows its contacts).
    assert names(StatusFilter.ACTIVE, "Novakova") == ["Modrá Vlna s.r.o."]


def test_undo_restores_exactly_what_the_merge_changed(merger, dave, alice_client, duplicate, bob):
    bobs = make_client(user=merger, owner=bob, name="Modrá Vlna a.s.", country="CZ")
    make_contact(client=bobs, user=merger, last_name="Svoboda", is_primary=True)
    primary = make_contact(client=alice_client, user=merger, last_name="Dvořák", is_primary=True)
    _share(alice_client, ShareAccess.READ, user=dave)
    _share(duplicate, ShareAccess.EDIT, user=dave)
    _share(bobs, ShareAccess.READ, user=bob)
    earlier = make_client(user=merger, name="Merged before")
    client_merge(user=merger, survivor=duplicate, others=[earlier], values={})
    duplicate.refresh_from_db()
    clients = (alice_client, duplicate, bobs)
    fields_before = {client.pk: _fields(client) for client in clients}
    state_before = _state(*clients)

    merge = client_merge(
        user=merger, survivor=alice_client, others=[duplicate, bobs], values={"name": bobs.pk, "owner": bobs.pk}
    )
    assert Client.objects.get(pk=earlier.pk).merged_into_id == alice_client.pk  # redirects follow the chain
    client_merge_undo(user=merger, merge=merge)

    assert {client.pk: _fields(client) for client in clients} == fields_before
    after = _state(*clients)
    for key in ("groups", "contacts", "shares"):
        assert after[key] == state_before[key], key
    assert Client.objects.get(pk=earlier.pk).merged_into_id == duplicate.pk
    assert Contact.objects.get(pk=primary.pk).is_primary
    merge.refresh_from_db()
    assert merge.undone_by == merger
    assert client_history(client=Client.objects.get(pk=alice_client.pk))[0]["reason"] == "Merge undone"


def test_undo_is_refused_once_the_survivor_changed_or_when_done_twice(merger, alice_client, duplicate):
    merge = client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})
    changed = client_update(client=alice_client, user=merger, version=merge.survivor_version, values={"website": ""})
    before = _state(alice_client, duplicate)

    with pytest.raises(DomainError) as error:
        client_merge_undo(user=merger, merge=merge)
    assert "changed after the merge" in error.value.message
    assert _state(alice_client, duplicate) == before

    other = make_client(user=merger, name="Another copy")
    second = client_merge(user=merger, survivor=changed, others=[other], values={})
    client_merge_undo(user=merger, merge=second)
    with pytest.raises(DomainError) as error:
        client_merge_undo(user=merger, merge=second)
    assert error.value.message == "This merge was already undone."


# Every relation is declared ----------------------------------------------------------------------


def test_every_relation_to_client_says_what_a_merge_does_with_it():
    # A new record type with a foreign key (or one-to-one, or many-to-many) to Client, or one that
    # points at records through a content type, fails here until MERGE_RELATIONS (or
    # GENERIC_RELATIONS) in clientela/clients/merge.py says whether its rows move.
    assert undeclared_relations() == []
    assert set(MERGE_RELATIONS) == set(client_relations()), "a declared relation no longer exists"
    assert set(GENERIC_RELATIONS) == set(generic_relation_models())
    assert {strategy for strategy, _why in MERGE_RELATIONS.values()} <= {"move", "union", "contacts", "groups", "keep"}


def test_a_merge_refuses_to_run_with_an_undeclared_relation(merger, alice_client, duplicate, monkeypatch):
    relations = dict(MERGE_RELATIONS)
    del relations["clients.Contact.client"]
    monkeypatch.setattr(merge_module, "MERGE_RELATIONS", relations)
    before = _state(alice_client, duplicate)

    with pytest.raises(ImproperlyConfigured, match=r"clients\.Contact\.client"):
        client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    assert _state(alice_client, duplicate) == before


# The web -----------------------------------------------------------------------------------------


def _login(client, user) -> None:
    client.login(username=user.username, password=PASSWORD)


def test_the_merge_screen_shows_each_field_side_by_side(client, merger, alice_client, duplicate):
    _login(client, merger)

    response = client.get(reverse("clients:merge", args=[alice_client.pk]), {"others": duplicate.pk})

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["key"] for row in rows][:3] == ["kind", "name", "tax_id"]
    website = next(row for row in rows if row["key"] == "website")
    assert [cell["checked"] for cell in website["cells"]] == [False, True]  # the survivor has none
    name = next(row for row in rows if row["key"] == "name")
    assert [cell["checked"] for cell in name["cells"]] == [True, False]
    assert response.context["summary"]["contacts"] == 1
    assert response.context["summary"]["groups_added"] == 1
    html = response.content.decode()
    assert f'name="value_name" value="{duplicate.pk}"' in html
    assert 'id="confirm-merge"' in html


def test_the_merge_screen_finds_clients_to_add(client, merger, alice_client, duplicate, dave):
    make_client(user=dave, name="Modrá Vlna (Dave's)")
    _login(client, merger)

    response = client.get(
        reverse("clients:merge", args=[alice_client.pk]),
        {"q": "modra"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="merge-candidates",
    )

    assert response.status_code == 200
    assert [c["client"].name for c in response.context["candidates"]] == ["Modra Vlna"]
    assert f"others={duplicate.pk}" in response.context["candidates"][0]["url"]
    assert "<html" not in response.content.decode()


def test_merging_from_the_screen_and_the_merged_page_redirects(client, merger, alice_client, duplicate):
    _login(client, merger)
    url = reverse("clients:merge", args=[alice_client.pk]) + f"?others={duplicate.pk}"

    response = client.post(url, {"value_name": duplicate.pk, f"version_{duplicate.pk}": duplicate.version})

    assert response.status_code == 302
    assert response.url == reverse("clients:detail", args=[alice_client.pk])
    assert Client.objects.get(pk=alice_client.pk).name == "Modra Vlna"
    followed = client.get(reverse("clients:detail", args=[duplicate.pk]), follow=True)
    assert followed.redirect_chain == [(reverse("clients:detail", args=[alice_client.pk]), 302)]
    assert "was merged into this client" in followed.content.decode()
    history = client.get(reverse("clients:history", args=[duplicate.pk]))
    assert history.status_code == 200
    assert 'id="merged-notice"' in history.content.decode()


def test_an_invalid_choice_on_the_screen_is_shown_on_its_row(client, merger, alice_client):
    spanish = make_client(user=merger, name="Modrá Vlna ES", country="ES", tax_id="B65410011")
    _login(client, merger)
    url = reverse("clients:merge", args=[alice_client.pk]) + f"?others={spanish.pk}"

    response = client.post(url, {"value_tax_id": spanish.pk})

    assert response.status_code == 400
    tax_row = next(row for row in response.context["rows"] if row["key"] == "tax_id")
    assert tax_row["errors"]
    assert [cell["checked"] for cell in tax_row["cells"]] == [False, True]  # the user's choice stays
    assert Client.objects.get(pk=spanish.pk).status == ClientStatus.ACTIVE


def test_strangers_and_roles_without_merge_cannot_open_the_merge_screen(client, alice, dave, alice_client):
    _login(client, dave)
    dave.role = builtin_role(BuiltinRole.MANAGER)
    dave.save()
    assert client.get(reverse("clients:merge", args=[alice_client.pk])).status_code == 404
    own = make_client(user=dave, name="Dave's")
    response = client.get(reverse("clients:merge", args=[own.pk]), {"others": alice_client.pk})
    assert response.status_code == 404
    _login(client, alice)  # a salesperson
    assert client.get(reverse("clients:merge", args=[alice_client.pk])).status_code == 403


def test_the_merge_is_undone_from_the_history_tab(client, merger, alice_client, duplicate):
    merge = client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})
    _login(client, merger)

    history = client.get(reverse("clients:history", args=[alice_client.pk]))
    assert f'id="undo-merge-{merge.pk}"' in history.content.decode()
    response = client.post(reverse("clients:merge_undo", args=[alice_client.pk, merge.pk]))

    assert response.status_code == 302
    assert Client.objects.get(pk=duplicate.pk).status == ClientStatus.ACTIVE
    history = client.get(reverse("clients:history", args=[alice_client.pk]))
    assert f'id="undo-merge-{merge.pk}"' not in history.content.decode()
    again = client.post(reverse("clients:merge_undo", args=[alice_client.pk, merge.pk]), follow=True)
    assert "This merge was already undone." in again.content.decode()


# The API -----------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def _merge_url(client: Client) -> str:
    return f"/api/v1/clients/{client.pk}/merge/"


def test_the_api_merges_and_a_merged_client_redirects_to_its_survivor(merger, alice_client, duplicate):
    api = _api(merger)

    response = api.post(
        _merge_url(alice_client), {"others": [duplicate.pk], "values": {"email": duplicate.pk}}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["survivor"] == alice_client.pk
    assert body["merged"] == [duplicate.pk]
    assert body["survivor_version"] == 2
    assert body["undoable"] is True
    assert Client.objects.get(pk=alice_client.pk).email == "obchod@modravlna.cz"
    moved = api.get(f"/api/v1/clients/{duplicate.pk}/")
    assert moved.status_code == 307
    assert moved["Location"].endswith(f"/api/v1/clients/{alice_client.pk}/")
    assert moved.json()["merged_into"] == alice_client.pk
    listed = api.get("/api/v1/clients/", {"status": "all"}).json()["results"]
    assert [row["id"] for row in listed] == [alice_client.pk]


def test_the_api_lists_merges_and_undoes_one(merger, alice_client, duplicate):
    api = _api(merger)
    merge_id = api.post(_merge_url(alice_client), {"others": [duplicate.pk]}, format="json").json()["id"]

    assert [m["id"] for m in api.get(f"/api/v1/clients/{alice_client.pk}/merges/").json()] == [merge_id]
    undone = api.post(f"/api/v1/clients/{alice_client.pk}/merges/{merge_id}/undo/")
    assert undone.status_code == 200
    assert undone.json()["undone_by"] == merger.pk
    assert api.get(f"/api/v1/clients/{duplicate.pk}/").status_code == 200
    again = api.post(f"/api/v1/clients/{alice_client.pk}/merges/{merge_id}/undo/")
    assert again.status_code == 409
    assert api.post(f"/api/v1/clients/{alice_client.pk}/merges/999999/undo/").status_code == 404


def test_the_api_refuses_bad_merges_and_changes_nothing(merger, carol, dave, alice_client, duplicate):
    spanish = make_client(user=merger, name="Modrá Vlna ES", country="ES", tax_id="B65410011")
    daves = make_client(user=dave, name="Dave's")
    api = _api(merger)
    before = _state(alice_client, duplicate, spanish)

    def post(body: dict[str, Any], survivor: Client = alice_client) -> Any:
        return api.post(_merge_url(survivor), body, format="json")

    assert post({"others": []}).status_code == 400
    assert post({"others": [duplicate.pk], "values": {"colour": duplicate.pk}}).status_code == 400
    assert post({"others": [duplicate.pk], "values": {"name": daves.pk}}).status_code == 400
    invalid = post({"others": [spanish.pk], "values": {"tax_id": spanish.pk}})
    assert invalid.status_code == 400
    assert "tax_id" in invalid.json()
    assert post({"others": [daves.pk]}).status_code == 404
    assert post({"others": [duplicate.pk]}, survivor=daves).status_code == 404
    stale = post({"others": [duplicate.pk], "versions": {str(duplicate.pk): 99}})
    assert stale.status_code == 409
    assert _state(alice_client, duplicate, spanish) == before
    client_lock(client=duplicate, user=carol)
    locked = _state(alice_client, duplicate, spanish)
    assert post({"others": [duplicate.pk]}).status_code == 423
    assert _state(alice_client, duplicate, spanish) == locked


def test_the_api_refuses_merging_without_the_role_or_the_right(alice, dave, alice_client):
    alice_copy = make_client(user=alice, name="Copy")
    reader = user_create(username="reader", password=PASSWORD, role=builtin_role(BuiltinRole.READ_ONLY))
    sharer = user_create(username="sharer", password=PASSWORD, role=builtin_role(BuiltinRole.MANAGER))
    for user in (reader, sharer):  # both see the two clients, neither may change them
        _share(alice_client, ShareAccess.READ, user=user)
        _share(alice_copy, ShareAccess.READ, user=user)
    before = _state(alice_client, alice_copy)

    def post(user: Any) -> Any:
        return _api(user).post(_merge_url(alice_client), {"others": [alice_copy.pk]}, format="json")

    assert post(alice).status_code == 403  # a salesperson's role does not merge
    assert post(reader).status_code == 403
    assert post(sharer).status_code == 403
    assert post(dave).status_code == 404
    assert _state(alice_client, alice_copy) == before


def test_merged_clients_vanish_from_groups_counts(merger, alice_client, duplicate, group):
    client_merge(user=merger, survivor=alice_client, others=[duplicate], values={})

    assert ClientGroup.objects.get(name="Retail").clients.get() == Client.objects.get(pk=alice_client.pk)
