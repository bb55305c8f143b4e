"""Custom values everywhere: services, forms, API, history, search, merge, detail panel, list and exports."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from clientela.clients import field_services as fs
from clientela.clients.field_selectors import field_definitions
from clientela.clients.fields import FieldType
from clientela.clients.merge import merge_fields
from clientela.clients.models import Client
from clientela.clients.selectors import ClientFilters, client_history, client_list
from clientela.clients.services import (
    client_bulk_create,
    client_restore_version,
    client_update,
    contact_create,
    contact_update,
)
from clientela.clients.tests.factories import make_client
from clientela.clients.tests.test_api import api, client_url, clients_url
from clientela.clients.tests.test_views import as_user, new_client_data

pytestmark = pytest.mark.django_db


def _field(admin, name, field_type=FieldType.TEXT, record_type="client", options=(), **settings):
    settings.setdefault("labels", {"en": name.replace("_", " ").title()})
    settings.setdefault("subordinates_may_edit", True)
    return fs.field_create(
        actor=admin,
        record_type=record_type,
        name=name,
        field_type=field_type,
        options=[{"key": key, "labels": labels} for key, labels in options],
        **settings,
    )


def _builtin(record_type, name):
    return next(d for d in field_definitions(record_type=record_type, enabled_only=False) if d.name == name)


TIER_OPTIONS = [("tier1", {"en": "Tier 1", "zh-hans": "一线"}), ("tier2", {"en": "Tier 2", "zh-hans": "二线"})]


@pytest.fixture
def every_type(admin_user):
    """One custom client field of each type."""
    _field(admin_user, "code")
    _field(admin_user, "notes", FieldType.LONG_TEXT)
    _field(admin_user, "staff", FieldType.INTEGER)
    _field(admin_user, "revenue", FieldType.DECIMAL)
    _field(admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS)
    _field(admin_user, "sectors", FieldType.MULTI_CHOICE, options=[("food", {"en": "Food"}), ("it", {"en": "IT"})])
    _field(admin_user, "founded", FieldType.DATE)
    _field(admin_user, "vip", FieldType.BOOLEAN)
    _field(admin_user, "billing_mail", FieldType.EMAIL)
    _field(admin_user, "hotline", FieldType.PHONE)
    _field(admin_user, "portal", FieldType.URL)


TYPED_INPUT = {
    "code": " A-1 ",
    "notes": "Line one\nline two",
    "staff": "1 200",
    "revenue": "1234,50",
    "tier": "tier2",
    "sectors": ["food", "it", "food"],
    "founded": "2001-02-03",
    "vip": "yes",
    "billing_mail": "Billing@Example.CZ",
    "hotline": "602 111 222",
    "portal": "example.cz",
}
STORED = {
    "code": "A-1",
    "notes": "Line one\nline two",
    "staff": 1200,
    "revenue": "1234.5",
    "tier": "tier2",
    "sectors": ["food", "it"],
    "founded": "2001-02-03",
    "vip": True,
    "billing_mail": "Billing@example.cz",
    "hotline": "+420602111222",
    "portal": "https://example.cz",
}


# Services ------------------------------------------------------------------------------------------


def test_each_type_is_stored_normalised_through_the_service(every_type, alice):
    client = make_client(user=alice, custom_fields=TYPED_INPUT)
    client.refresh_from_db()
    assert client.custom_fields == STORED


def test_a_change_is_partial_and_an_empty_value_clears(every_type, alice):
    client = make_client(user=alice, custom_fields={"code": "X", "staff": 5})
    changed = client_update(client=client, user=alice, version=client.version, values={}, custom_fields={"staff": ""})
    assert Client.objects.get(pk=changed.pk).custom_fields == {"code": "X"}


def test_refused_values_are_named_by_field_and_nothing_is_saved(every_type, alice):
    client = make_client(user=alice, custom_fields={"code": "X"})
    with pytest.raises(ValidationError) as refused:
        client_update(
            client=client, user=alice, version=1, values={"name": "Renamed"},
            custom_fields={"staff": "many", "tier": "tier9", "nope": "1"},
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"cf_staff", "cf_tier", "cf_nope"}
    stored = Client.objects.get(pk=client.pk)
    assert (stored.name, stored.custom_fields, stored.version) != ("Renamed", {}, 2)
    assert stored.custom_fields == {"code": "X"} and stored.version == 1


def test_a_required_custom_field_is_required_on_create_only_where_it_applies(admin_user, alice):
    _field(admin_user, "ico_note", is_required=True, applies_to="company")
    with pytest.raises(ValidationError) as refused:
        make_client(user=alice, kind="company")
    assert list(refused.value.message_dict) == ["cf_ico_note"]
    person = make_client(user=alice, kind="individual", name="Jana Nová")
    assert person.custom_fields == {}


def test_a_value_of_a_field_for_companies_is_ignored_on_an_individual(admin_user, alice):
    _field(admin_user, "headcount", FieldType.INTEGER, applies_to="company")
    person = make_client(user=alice, kind="individual", name="Jana Nová", custom_fields={"headcount": 3})
    assert person.custom_fields == {}


def test_a_unique_custom_field_refuses_a_second_client_on_every_path(admin_user, alice):
    _field(admin_user, "code", is_unique=True)
    first = make_client(user=alice, custom_fields={"code": "K1"})
    with pytest.raises(ValidationError) as refused:
        make_client(user=alice, custom_fields={"code": "K1"})
    assert refused.value.message_dict["cf_code"] == ["Another client already has this Code: K1."]
    with pytest.raises(ValidationError):
        client_bulk_create(user=alice, rows=[{"name": "Bulk", "country": "CZ", "custom_fields": {"code": "K1"}}])
    # Two rows of one batch: the database's index refuses the second.
    with pytest.raises(ValidationError) as batch:
        client_bulk_create(
            user=alice,
            rows=[{"name": n, "country": "CZ", "custom_fields": {"code": "K2"}} for n in ("A", "B")],
        )
    assert "cf_code" in batch.value.message_dict
    assert Client.objects.count() == 1
    # Empty values never clash, and a client keeps its own value.
    make_client(user=alice)
    make_client(user=alice)
    client_update(client=first, user=alice, version=1, values={"name": "Same code"}, custom_fields={"code": "K1"})


def test_bulk_create_checks_custom_values_and_required_fields(admin_user, alice):
    _field(admin_user, "staff", FieldType.INTEGER, is_required=True)
    assert client_bulk_create(user=alice, rows=[{"name": "A", "country": "CZ", "custom_fields": {"staff": "7"}}]) == 1
    assert Client.objects.get().custom_fields == {"staff": 7}
    with pytest.raises(ValidationError) as refused:
        client_bulk_create(user=alice, rows=[{"name": "B", "country": "CZ"}])
    assert list(refused.value.message_dict) == ["cf_staff"]


def test_a_field_subordinates_may_not_edit_is_refused_to_them_on_every_path(admin_user, alice, bob, carol):
    _field(admin_user, "rating", FieldType.INTEGER, subordinates_may_edit=False)
    client = make_client(user=bob, custom_fields={"rating": 1})  # entering a record is not editing it
    with pytest.raises(ValidationError) as refused:
        client_update(client=client, user=bob, version=1, values={}, custom_fields={"rating": 5})
    assert list(refused.value.message_dict) == ["cf_rating"]
    response = api(bob).patch(client_url(client), {"version": 1, "custom_fields": {"rating": 5}}, format="json")
    assert response.status_code == 400
    assert list(response.json()["custom_fields"]) == ["rating"]
    assert Client.objects.get(pk=client.pk).custom_fields == {"rating": 1}
    # Bob's superiors may.
    client_update(client=client, user=alice, version=1, values={}, custom_fields={"rating": 5})
    assert Client.objects.get(pk=client.pk).custom_fields == {"rating": 5}


def test_a_built_in_field_subordinates_may_not_edit_is_refused_to_them(admin_user, alice, bob):
    fs.field_update(actor=admin_user, field=_builtin("client", "tax_id"), subordinates_may_edit=False)
    client = make_client(user=bob)
    with pytest.raises(ValidationError) as refused:
        client_update(client=client, user=bob, version=1, values={"tax_id": "CZ27168352"})
    assert list(refused.value.message_dict) == ["tax_id"]
    client_update(client=client, user=bob, version=1, values={"name": "Other name"})  # other fields stay open


def test_a_required_built_in_field_refuses_an_empty_value(admin_user, alice):
    fs.field_update(actor=admin_user, field=_builtin("client", "email"), is_required=True)
    with pytest.raises(ValidationError) as refused:
        make_client(user=alice)
    assert list(refused.value.message_dict) == ["email"]
    client = make_client(user=alice, email="a@example.cz")
    with pytest.raises(ValidationError):
        client_update(client=client, user=alice, version=1, values={"email": ""})
    # A change that does not touch the field is not held up by it.
    client_update(client=client, user=alice, version=1, values={"name": "Renamed"})


def test_contacts_carry_custom_values(admin_user, alice, alice_client):
    _field(admin_user, "birthday", FieldType.DATE, record_type="contact", is_required=True)
    with pytest.raises(ValidationError) as refused:
        contact_create(client=alice_client, user=alice, values={"last_name": "Novák"})
    assert list(refused.value.message_dict) == ["cf_birthday"]
    contact = contact_create(
        client=alice_client, user=alice, values={"last_name": "Novák"}, custom_fields={"birthday": "1980-05-01"}
    )
    contact = contact_update(contact=contact, user=alice, values={}, custom_fields={"birthday": "1981-05-01"})
    assert contact.custom_fields == {"birthday": "1981-05-01"}
    assert contact.history_entries.count() == 2


# History ---------------------------------------------------------------------------------------------


def test_history_has_one_entry_per_change_with_labelled_custom_values(admin_user, alice, client):
    _field(
        admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS, labels={"en": "City tier", "zh-hans": "城市等级"}
    )
    _field(admin_user, "vip", FieldType.BOOLEAN)
    record = make_client(user=alice, custom_fields={"tier": "tier1"})
    client_update(client=record, user=alice, version=1, values={}, custom_fields={"tier": "tier2", "vip": True})
    entries = client_history(client=record)
    assert len(entries) == 2
    assert entries[0]["changes"] == [
        {"field": "custom_fields.tier", "label": "City tier", "old": "tier1", "new": "tier2"},
        {"field": "custom_fields.vip", "label": "Vip", "old": None, "new": True},
    ]
    page = as_user(client, alice).get(reverse("clients:history", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="en")
    content = page.content.decode()
    assert "City tier" in content and "Tier 1" in content and "Tier 2" in content and "Yes" in content
    assert "tier1" not in content and "custom_fields" not in content


def test_restoring_a_version_restores_custom_values_and_skips_deleted_fields(admin_user, alice):
    _field(admin_user, "code")
    gone = _field(admin_user, "gone")
    record = make_client(user=alice, custom_fields={"code": "OLD", "gone": "x"})
    first = record.history_entries.get()
    record = client_update(client=record, user=alice, version=1, values={}, custom_fields={"code": "NEW"})
    fs.field_delete(actor=admin_user, field=gone)
    record.refresh_from_db()
    assert record.custom_fields == {"code": "NEW"}
    restored = client_restore_version(client=record, user=alice, history_id=first.history_id, version=record.version)
    assert Client.objects.get(pk=restored.pk).custom_fields == {"code": "OLD"}


# Search and merge ------------------------------------------------------------------------------------


def test_search_finds_a_text_custom_value(admin_user, alice):
    _field(admin_user, "nickname")
    make_client(user=alice, name="Alpha", custom_fields={"nickname": "Zelený Drak"})
    make_client(user=alice, name="Beta")
    found = client_list(user=alice, filters=ClientFilters(search="zeleny drak"))
    assert [c.name for c in found] == ["Alpha"]


def test_custom_fields_are_choosable_on_the_merge_screen(admin_user):
    _field(admin_user, "code", labels={"en": "Customer code"})
    keys = {f.key: str(f.label) for f in merge_fields()}
    assert keys["cf_code"] == "Customer code"


# Forms and pages ---------------------------------------------------------------------------------------


def _post_new(client, owner, **extra: Any):
    return client.post(reverse("clients:create"), new_client_data(owner, **extra))


def test_the_form_shows_custom_fields_in_order_with_widgets_and_saves_each_type(every_type, alice, client):
    as_user(client, alice)
    page = client.get(reverse("clients:create")).content.decode()
    positions = [page.index(f'name="cf_{name}"') for name in ("code", "notes", "staff", "tier", "founded")]
    assert positions == sorted(positions)
    assert 'type="date" name="cf_founded"' in page
    assert 'type="number" name="cf_staff"' in page and 'step="1"' in page
    assert '<option value="tier2">Tier 2</option>' in page
    assert 'type="checkbox" name="cf_vip"' in page
    form_input = {f"cf_{name}": value for name, value in TYPED_INPUT.items()}
    form_input["cf_vip"] = "on"
    response = _post_new(client, alice, **form_input)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Client.objects.get(name="Horská Energie a.s.").custom_fields == STORED


def test_the_form_marks_required_fields_and_shows_the_service_error(admin_user, alice, client):
    _field(admin_user, "code", is_required=True, help_texts={"en": "Our customer code."})
    as_user(client, alice)
    page = client.get(reverse("clients:create")).content.decode()
    assert "Our customer code." in page and "is-required" in page
    response = _post_new(client, alice)
    assert response.status_code == 200
    assert Client.objects.count() == 0


def test_a_retired_option_is_offered_only_where_it_is_chosen(admin_user, alice, client):
    field = _field(admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS)
    record = make_client(user=alice, custom_fields={"tier": "tier1"})
    fs.field_option_update(actor=admin_user, option=field.options.get(key="tier1"), is_retired=True)
    as_user(client, alice)
    assert 'value="tier1"' not in client.get(reverse("clients:create")).content.decode()
    assert 'value="tier1" selected' in client.get(reverse("clients:edit", args=[record.pk])).content.decode()


def test_fields_the_user_may_not_change_are_read_only_in_the_form(admin_user, alice, bob, client):
    _field(admin_user, "rating", FieldType.INTEGER, subordinates_may_edit=False)
    record = make_client(user=bob, custom_fields={"rating": 3})
    page = as_user(client, bob).get(reverse("clients:edit", args=[record.pk])).content.decode()
    assert 'name="cf_rating"' in page and "disabled" in page.split('name="cf_rating"')[1].split(">")[0]
    data = new_client_data(bob, name=record.name, version=1, cf_rating="9")
    response = client.post(reverse("clients:edit", args=[record.pk]), data)
    assert response.status_code == 302
    assert Client.objects.get(pk=record.pk).custom_fields == {"rating": 3}


def test_a_hidden_built_in_field_leaves_the_form_and_keeps_its_value(admin_user, alice, client, alice_client):
    fs.field_update(actor=admin_user, field=_builtin("client", "vat_id"), is_enabled=False)
    as_user(client, alice)
    page = client.get(reverse("clients:edit", args=[alice_client.pk])).content.decode()
    assert 'name="vat_id"' not in page
    data = new_client_data(alice, name="Renamed", version=alice_client.version, registration_id="27168352")
    data.pop("vat_id", None)
    assert client.post(reverse("clients:edit", args=[alice_client.pk]), data).status_code == 302
    assert Client.objects.get(pk=alice_client.pk).vat_id == "CZ27168352"


def test_the_compact_form_shows_required_and_mobile_fields_only(admin_user, alice, client):
    _field(admin_user, "code", is_required=True)
    _field(admin_user, "floor", shown_on_mobile=True)
    _field(admin_user, "notes", FieldType.LONG_TEXT)
    as_user(client, alice)
    page = client.get(reverse("clients:create"), {"compact": "1"}).content.decode()
    assert 'name="cf_code"' in page and 'name="cf_floor"' in page and 'name="cf_notes"' not in page
    assert 'name="website"' not in page and 'name="name"' in page and 'name="country"' in page
    assert "Show the full form" in page
    full = client.get(reverse("clients:create")).content.decode()
    assert 'name="cf_notes"' in full and 'name="website"' in full


def test_the_side_panel_lists_custom_values_in_the_readers_language(admin_user, alice, client):
    _field(
        admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS, labels={"en": "City tier", "zh-hans": "城市等级"}
    )
    _field(admin_user, "revenue", FieldType.DECIMAL)
    _field(admin_user, "founded", FieldType.DATE)
    _field(admin_user, "vip", FieldType.BOOLEAN)
    record = make_client(
        user=alice, custom_fields={"tier": "tier1", "revenue": "1234.5", "founded": "2001-02-03", "vip": False}
    )
    as_user(client, alice)
    with translation.override("en"):
        page = client.get(reverse("clients:detail", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panel = page.split('id="custom-fields-panel"')[1].split("</section>")[0]
    assert "City tier" in panel and "Tier 1" in panel and "1,234.5" in panel and "No" in panel
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    page = client.get(reverse("clients:detail", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    panel = page.split('id="custom-fields-panel"')[1].split("</section>")[0]
    assert "城市等级" in panel and "一线" in panel


def test_the_contact_form_saves_custom_values(admin_user, alice, client, alice_client):
    _field(admin_user, "birthday", FieldType.DATE, record_type="contact")
    as_user(client, alice)
    response = client.post(
        reverse("clients:contact_create", args=[alice_client.pk]),
        {"last_name": "Novák", "language": "cs", "cf_birthday": "1980-05-01"},
    )
    assert response.status_code == 302
    assert alice_client.contacts.get().custom_fields == {"birthday": "1980-05-01"}


# API -------------------------------------------------------------------------------------------------


def test_the_api_reads_and_writes_each_type(every_type, alice):
    created = api(alice).post(
        clients_url(), {"name": "API s.r.o.", "country": "CZ", "custom_fields": TYPED_INPUT}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["custom_fields"] == STORED
    record = Client.objects.get(name="API s.r.o.")
    patched = api(alice).patch(
        client_url(record), {"version": 1, "custom_fields": {"staff": 3, "code": None}}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["custom_fields"] == {**{k: v for k, v in STORED.items() if k != "code"}, "staff": 3}


def test_api_errors_are_nested_under_custom_fields(every_type, alice):
    response = api(alice).post(
        clients_url(),
        {"name": "Bad", "country": "CZ", "custom_fields": {"staff": "x", "tier": "nope", "unknown": 1}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"custom_fields"}
    assert set(response.json()["custom_fields"]) == {"staff", "tier", "unknown"}
    assert Client.objects.count() == 0
    not_an_object = api(alice).post(
        clients_url(), {"name": "Bad", "country": "CZ", "custom_fields": [1]}, format="json"
    )
    assert not_an_object.status_code == 400 and "custom_fields" in not_an_object.json()


def test_api_refuses_a_duplicate_unique_and_a_missing_required_value(admin_user, alice):
    _field(admin_user, "code", is_unique=True)
    _field(admin_user, "staff", FieldType.INTEGER, is_required=True)
    make_client(user=alice, custom_fields={"code": "K1", "staff": 1})
    response = api(alice).post(
        clients_url(), {"name": "Two", "country": "CZ", "custom_fields": {"code": "K1"}}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["custom_fields"]) == {"code", "staff"}


def test_the_api_leaves_hidden_fields_out_of_the_answer(admin_user, alice):
    field = _field(admin_user, "code")
    record = make_client(user=alice, custom_fields={"code": "X"})
    fs.field_update(actor=admin_user, field=field, is_enabled=False)
    assert api(alice).get(client_url(record)).json()["custom_fields"] == {}
    assert Client.objects.get(pk=record.pk).custom_fields == {"code": "X"}


def test_contacts_api_carries_custom_fields(admin_user, alice, alice_client):
    _field(admin_user, "shoe", FieldType.INTEGER, record_type="contact")
    response = api(alice).post(
        reverse("api:contact-list"),
        {"client": alice_client.pk, "last_name": "Novák", "custom_fields": {"shoe": "44"}},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["custom_fields"] == {"shoe": 44}
    bad = api(alice).patch(
        reverse("api:contact-detail", args=[response.json()["id"]]), {"custom_fields": {"shoe": "big"}}, format="json"
    )
    assert bad.status_code == 400 and list(bad.json()["custom_fields"]) == ["shoe"]


def test_the_schema_describes_custom_fields_as_an_object(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    for component in ("Client", "ClientRequest", "Contact", "ContactRequest"):
        prop = schema["components"]["schemas"][component]["properties"]["custom_fields"]
        assert prop["type"] == "object" and prop["additionalProperties"] is True
        assert "original name" in prop["description"]


# The list: filters, sorts, columns -------------------------------------------------------------------


@pytest.fixture
def listed(admin_user, alice):
    """Clients with a dropdown, a number, a yes/no and a text custom field."""
    _field(admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS)
    _field(admin_user, "staff", FieldType.INTEGER)
    _field(admin_user, "vip", FieldType.BOOLEAN)
    _field(admin_user, "nickname")
    make_client(user=alice, name="A", custom_fields={"tier": "tier1", "staff": 50, "vip": True, "nickname": "Drak"})
    make_client(user=alice, name="B", custom_fields={"tier": "tier2", "staff": 5, "nickname": "Kocour"})
    make_client(user=alice, name="C", custom_fields={"tier": "tier1", "staff": 500, "vip": False})
    make_client(user=alice, name="D")


def _names(response) -> list[str]:
    from clientela.clients.tests.test_views import names_in

    return names_in(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cf_tier": "tier1"}, ["A", "C"]),
        ({"cf_staff": "50"}, ["A"]),
        ({"cf_staff": "10..500"}, ["A", "C"]),
        ({"cf_staff": "..49"}, ["B"]),
        ({"cf_vip": "yes"}, ["A"]),
        ({"cf_vip": "no"}, ["C"]),
        ({"cf_nickname__contains": "ocou"}, ["B"]),
        # Clients without a value stay in a sorted list: first when ascending, last when descending.
        ({"sort": "cf_staff"}, ["D", "B", "A", "C"]),
        ({"sort": "-cf_staff"}, ["C", "A", "B", "D"]),
        ({"sort": "cf_nickname"}, ["C", "D", "A", "B"]),
        ({"sort": "cf_vip"}, ["B", "D", "C", "A"]),
        ({"sort": "cf_tier", "cf_staff": "6.."}, ["A", "C"]),
    ],
)
def test_the_list_filters_and_sorts_by_custom_fields(listed, alice, client, params, expected):
    response = as_user(client, alice).get(reverse("clients:list"), params)
    assert _names(response) == expected


def test_the_api_filters_and_sorts_by_custom_fields(listed, alice):
    data = api(alice).get(clients_url(cf_tier="tier1", ordering="-cf_staff")).json()
    assert [row["name"] for row in data["results"]] == ["C", "A"]
    assert api(alice).get(clients_url(ordering="cf_nope")).status_code == 400


def test_sorted_pages_by_a_custom_field_follow_each_other(admin_user, alice, client, settings):
    _field(admin_user, "staff", FieldType.INTEGER)
    for number in range(7):
        make_client(user=alice, name=f"N{number}", custom_fields={"staff": 10 - number})
    settings.CLIENTELA_PAGE_SIZE = 3
    data = api(alice).get(clients_url(ordering="cf_staff", page_size=3)).json()
    names = [row["name"] for row in data["results"]]
    while data.get("next"):
        data = api(alice).get(data["next"]).json()
        names += [row["name"] for row in data["results"]]
    assert names == [f"N{n}" for n in range(6, -1, -1)]


def test_chosen_columns_show_custom_values_and_are_remembered(listed, alice, client):
    as_user(client, alice)
    response = client.get(reverse("clients:list"), {"columns_set": "1", "columns": ["tier", "staff"]})
    content = response.content.decode()
    assert '<th scope="col" class="custom-column">Tier</th>' in content
    assert '<td class="custom-column">Tier 1</td>' in content and '<td class="custom-column">500</td>' in content
    again = client.get(reverse("clients:list")).content.decode()
    assert '<th scope="col" class="custom-column">Staff</th>' in again
    cleared = client.get(reverse("clients:list"), {"columns_set": "1"}).content.decode()
    assert "custom-column" not in cleared


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_with_custom_columns_filter_and_sort_runs_the_same_queries(
    admin_user, alice, client, django_assert_num_queries, count
):
    _field(admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS)
    _field(admin_user, "staff", FieldType.INTEGER)
    for number in range(count):
        make_client(user=alice, name=f"C{number}", custom_fields={"tier": "tier1", "staff": number})
    as_user(client, alice)
    params = {"columns_set": "1", "columns": ["tier", "staff"], "cf_tier": "tier1", "sort": "-cf_staff"}
    client.get(reverse("clients:list"), params)  # the session remembers the columns: a write, once
    with django_assert_num_queries(9):
        response = client.get(reverse("clients:list"), params)
    assert len(_names(response)) == min(count, 50)


# Exports -----------------------------------------------------------------------------------------------


def test_the_pdf_lists_custom_values_in_the_readers_language(admin_user, alice):
    import io

    from pypdf import PdfReader

    from clientela.exchange.pdf import client_pdf

    _field(
        admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS, labels={"en": "City tier", "zh-hans": "城市等级"}
    )
    _field(admin_user, "staff", FieldType.INTEGER)
    record = make_client(user=alice, custom_fields={"tier": "tier1", "staff": 1200})
    with translation.override("zh-hans"):
        content = client_pdf(Client.objects.get(pk=record.pk), user=alice)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "城市等级 一线" in text and "Staff 1200" in text  # Chinese groups by four digits: 1200 stays whole


def test_the_vcard_carries_custom_values_as_x_properties(admin_user, alice):
    import vobject

    from clientela.exchange.vcard import client_vcard

    _field(admin_user, "tier", FieldType.CHOICE, options=TIER_OPTIONS)
    _field(admin_user, "customer_code")
    record = make_client(user=alice, custom_fields={"tier": "tier2", "customer_code": "A;1,2"})
    with translation.override("en"):
        card = next(vobject.readComponents(client_vcard(Client.objects.get(pk=record.pk), version="3.0")))
    assert card.contents["x-clientela-tier"][0].value == "Tier 2"
    assert card.contents["x-clientela-customer-code"][0].value == "A;1,2"


def test_a_filtered_list_sorts_ids_from_the_fields_index_then_fetches_the_page(admin_user, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clientela.clients import custom_list
    from clientela.clients.selectors import client_ordering
    from clientela.core.pagination import keyset_page

    staff = _field(admin_user, "staff", FieldType.INTEGER)
    for number, name in enumerate(("Cedr", "Akát", "Buk", "Dub")):
        make_client(user=alice, name=name, custom_fields={"staff": 10 * number})
    filters = ClientFilters(custom=[custom_list.CustomFilter(staff, "range", (5, 25))])

    with CaptureQueriesContext(connection) as queries:
        page = keyset_page(client_list(user=alice, filters=filters), ordering=client_ordering(""), size=50)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [staff.index_name])
            indexed = cursor.fetchone()[0]
        else:
            cursor.execute(f'PRAGMA index_xinfo("{staff.index_name}")')
            indexed = " ".join(str(row[2]) for row in cursor.fetchall())

    assert [client.name for client in page.items] == ["Akát", "Buk"]
    assert queries[0]["sql"].startswith('SELECT "clients_client"."id" AS "pk" FROM')  # the ids, sorted
    assert "name" in indexed and "owner_id" in indexed
