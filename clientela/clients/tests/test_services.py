import pytest
from django.core.exceptions import ValidationError

from clientela.clients.models import Client, ClientGroup, ClientStatus, Contact
from clientela.clients.selectors import ClientFilters, client_history, client_list
from clientela.clients.services import (
    client_create,
    client_delete,
    client_invalidate,
    client_restore,
    client_restore_version,
    client_update,
    contact_create,
    contact_delete,
    contact_update,
    group_create,
    group_delete,
    group_update,
)
from clientela.clients.tests.factories import CN_USCC, ES_CIF, RO_CUI, make_client, make_contact, make_group
from clientela.core.errors import ConcurrencyError, DomainError

pytestmark = pytest.mark.django_db


def test_creating_a_client_normalises_ids_phone_and_email(alice):
    client = client_create(
        user=alice,
        values={
            "name": "  Modrá   Vlna s.r.o. ",
            "country": "cz",
            "registration_id": "271 683 52",
            "vat_id": "27168352",
            "phone": "601 123 456",
            "email": "Info@ModraVlna.CZ",
            "website": "modravlna.cz",
        },
    )

    client.refresh_from_db()
    assert client.name == "Modrá Vlna s.r.o."
    assert client.country == "CZ"
    assert client.registration_id == "27168352"
    assert client.vat_id == "CZ27168352"
    assert client.phone == "+420601123456"
    assert client.email == "Info@modravlna.cz"
    assert client.website == "https://modravlna.cz"
    assert client.currency == "CZK"
    assert client.owner == alice
    assert client.created_by == alice
    assert client.version == 1


@pytest.mark.parametrize(
    ("country", "field", "value", "stored"),
    [
        ("CZ", "vat_id", "CZ 271 683 52", "CZ27168352"),
        ("SK", "registration_id", "35 757 442", "35757442"),
        ("RO", "tax_id", f"RO{RO_CUI}", RO_CUI),
        ("RO", "registration_id", "J03/1234/2006", "J03/1234/2006"),
        ("ES", "tax_id", "b-6541001-1", ES_CIF),
        ("ES", "vat_id", ES_CIF, f"ES{ES_CIF}"),
        ("CN", "tax_id", CN_USCC.lower(), CN_USCC),
        ("DE", "vat_id", "DE 136 695 976", "DE136695976"),
    ],
)
def test_ids_are_checked_and_stored_compact_per_country(alice, country, field, value, stored):
    client = make_client(user=alice, country=country, **{field: value})

    assert getattr(client, field) == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registration_id", "27168353"),
        ("vat_id", "CZ12345678"),
        ("tax_id", "B65410012"),
        ("phone", "12"),
        ("email", "not-an-address"),
        ("currency", "XYZ"),
        ("country", "XX"),
        ("language", "de"),
    ],
)
def test_invalid_input_is_refused_naming_the_field_and_nothing_is_stored(alice, field, value):
    values = {"name": "Bad Input s.r.o.", "country": "CZ", field: value}
    if field == "tax_id":
        values["country"] = "ES"

    with pytest.raises(ValidationError) as error:
        client_create(user=alice, values=values)

    assert list(error.value.message_dict) == [field]
    assert not Client.objects.exists()


def test_a_missing_name_is_refused(alice):
    with pytest.raises(ValidationError) as error:
        client_create(user=alice, values={"name": "  ", "country": "CZ"})

    assert "name" in error.value.message_dict


def test_errors_speak_the_users_language(alice):
    from django.utils import translation

    with translation.override("cs"), pytest.raises(ValidationError) as error:
        client_create(user=alice, values={"name": "X", "country": "CZ", "phone": "12"})

    assert error.value.message_dict["phone"] == ["„12“ není platné telefonní číslo."]


def test_shipping_same_as_billing_clears_the_shipping_address(alice):
    client = make_client(user=alice, shipping_same_as_billing=True, shipping_city="Praha", billing_city="Brno")

    assert client.shipping_city == ""
    assert client.address("shipping")["city"] == "Brno"


def test_a_user_cannot_give_a_client_to_someone_outside_their_team(alice, dave):
    with pytest.raises(ValidationError) as error:
        make_client(user=alice, owner=dave)

    assert "owner" in error.value.message_dict
    assert not Client.objects.exists()


def test_updating_with_the_current_version_saves_and_bumps_the_version(alice, alice_client):
    client = client_update(client=alice_client, user=alice, version=1, values={"email": "sales@modravlna.cz"})

    assert client.version == 2
    assert Client.objects.get(pk=client.pk).email == "sales@modravlna.cz"


def test_updating_with_a_stale_version_is_refused_and_overwrites_nothing(alice, bob, alice_client):
    client_update(client=alice_client, user=alice, version=1, values={"email": "first@modravlna.cz"})

    with pytest.raises(ConcurrencyError):
        client_update(client=alice_client, user=alice, version=1, values={"email": "second@modravlna.cz"})

    stored = Client.objects.get(pk=alice_client.pk)
    assert stored.email == "first@modravlna.cz"
    assert stored.version == 2


def test_invalidating_hides_a_client_from_lists_and_search_until_restored(alice, alice_client):
    client_invalidate(client=alice_client, user=alice)

    assert list(client_list(user=alice, filters=ClientFilters())) == []
    assert list(client_list(user=alice, filters=ClientFilters(search="modra"))) == []
    assert list(client_list(user=alice, filters=ClientFilters(status="all"))) == [alice_client]
    assert list(client_list(user=alice, filters=ClientFilters(status="invalid", search="modra"))) == [alice_client]

    client_restore(client=alice_client, user=alice)

    assert list(client_list(user=alice, filters=ClientFilters())) == [alice_client]
    assert Client.objects.get(pk=alice_client.pk).status == ClientStatus.ACTIVE


def test_deleting_a_client_with_contacts_is_refused_naming_them(alice, alice_client):
    make_contact(client=alice_client, user=alice, last_name="Novák")

    with pytest.raises(DomainError) as error:
        client_delete(client=alice_client, user=alice)

    assert "1 × contact" in error.value.message
    assert "Invalidate" in error.value.message
    assert Client.objects.filter(pk=alice_client.pk).exists()


def test_a_client_with_nothing_linked_is_deleted_for_good_and_its_groups_survive(alice, alice_client, group):
    client_delete(client=alice_client, user=alice)

    assert not Client.objects.filter(pk=alice_client.pk).exists()
    assert ClientGroup.objects.filter(pk=group.pk).exists()


def test_every_change_is_recorded_with_who_which_fields_and_values(alice, carol, alice_client, group):
    other = make_group(user=alice, name="Retail")
    client_update(client=alice_client, user=carol, version=1, values={"email": "new@modravlna.cz"}, groups=[other])

    latest, created = client_history(client=alice_client)

    assert created["type"] == "+"
    assert created["user"] == alice
    assert latest["user"] == carol
    assert {change["field"]: (change["old"], change["new"]) for change in latest["changes"]} == {
        "email": ("info@modravlna.cz", "new@modravlna.cz"),
        "groups": ("Wholesale", "Retail"),
    }


def test_a_client_can_be_restored_to_an_earlier_version_as_a_new_change(alice, alice_client, group):
    first = client_history(client=alice_client)[0]["id"]
    client = client_update(client=alice_client, user=alice, version=1, values={"name": "Renamed a.s."}, groups=[])

    client = client_restore_version(client=client, user=alice, history_id=first, version=client.version)

    assert client.name == "Modrá Vlna s.r.o."
    assert list(client.groups.all()) == [group]
    assert client.version == 3
    history = client_history(client=client)
    assert len(history) == 3
    assert history[0]["reason"].startswith("Restored the version of")


def test_group_names_are_unique_ignoring_case(alice, group):
    with pytest.raises(ValidationError) as error:
        group_create(user=alice, name="  WHOLESALE ")

    assert "name" in error.value.message_dict
    assert ClientGroup.objects.count() == 1


def test_a_group_can_be_renamed(alice, group):
    group_update(group=group, user=alice, name="Wholesale EU", description="")

    assert ClientGroup.objects.get(pk=group.pk).name == "Wholesale EU"


def test_deleting_a_group_keeps_its_clients(alice, alice_client, group):
    group_delete(group=group, user=alice)

    assert not ClientGroup.objects.exists()
    client = Client.objects.get(pk=alice_client.pk)
    assert list(client.groups.all()) == []
    assert client.status == ClientStatus.ACTIVE


def test_a_client_has_at_most_one_primary_contact(alice, alice_client):
    first = make_contact(client=alice_client, user=alice, last_name="První", is_primary=True)
    second = make_contact(client=alice_client, user=alice, last_name="Druhý", is_primary=True)

    first.refresh_from_db()
    assert not first.is_primary
    assert Contact.objects.get(pk=second.pk).is_primary


def test_contacts_are_validated_with_the_clients_country(alice, alice_client):
    contact = make_contact(client=alice_client, user=alice, first_name=" Jan ", last_name="Novák", phone="602 111 222")

    assert contact.first_name == "Jan"
    assert contact.phone == "+420602111222"

    with pytest.raises(ValidationError) as error:
        contact_update(contact=contact, user=alice, values={"email": "jan@"})
    assert list(error.value.message_dict) == ["email"]
    assert Contact.objects.get(pk=contact.pk).email == ""


def test_clients_are_found_by_their_contacts_names(alice, alice_client):
    contact = contact_create(client=alice_client, user=alice, values={"first_name": "Jiří", "last_name": "Dvořák"})

    assert list(client_list(user=alice, filters=ClientFilters(search="dvorak"))) == [alice_client]

    contact_delete(contact=contact, user=alice)

    assert list(client_list(user=alice, filters=ClientFilters(search="dvorak"))) == []


def test_contacts_are_found_by_their_names_as_written(alice, alice_client):
    from clientela.clients.selectors import contact_list

    contact = make_contact(client=alice_client, user=alice, first_name="Jiří", last_name="Dvořák")
    make_contact(client=alice_client, user=alice, first_name="Eva", last_name="Svobodová")

    assert list(contact_list(user=alice, search="Dvořák")) == [contact]
    assert list(contact_list(user=alice, search="jiří dvoř")) == [contact]


def test_history_reasons_are_shown_in_the_readers_language(alice, alice_client):
    from django.utils import translation

    client_invalidate(client=alice_client, user=alice)

    with translation.override("cs"):
        reasons = [entry["reason"] for entry in client_history(client=alice_client)]

    assert reasons == ["Zneplatněno", "Vytvořeno"]
