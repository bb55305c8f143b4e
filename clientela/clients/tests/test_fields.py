"""Field settings: definitions, rules, custom values, database-enforced uniqueness and city lists."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import translation

from clientela.clients import field_services as fs
from clientela.clients.custom_values import clean_custom_values, unique_values_guard
from clientela.clients.field_selectors import field_definitions
from clientela.clients.fields import CustomValue, FieldDefinition, FieldType
from clientela.clients.models import Client
from clientela.clients.selectors import ClientFilters, client_list
from clientela.clients.tests.factories import make_client
from clientela.core.errors import DomainError, PermissionDenied

pytestmark = pytest.mark.django_db


def _field(admin, name="code", field_type=FieldType.TEXT, **settings):
    settings.setdefault("labels", {"en": name.title()})
    return fs.field_create(actor=admin, record_type="client", name=name, field_type=field_type, **settings)


def _set(client, **values):
    Client.objects.filter(pk=client.pk).update(custom_fields=values)


def _clean(admin, values, *, current=None, kind="company", user=None, owner=None):
    return clean_custom_values(
        record_type="client", kind=kind, values=values, current=current, user=user or admin, owner=owner or admin
    )


# Built-in definitions ------------------------------------------------------------------------------


def test_every_built_in_field_has_a_definition_in_model_order():
    names = [d.name for d in field_definitions(record_type="client", enabled_only=False)]
    assert names[:3] == ["kind", "name", "tax_id"]
    assert {"owner", "groups", "currency", "billing_city"} <= set(names)
    assert "search_text" not in names and "custom_fields" not in names
    contact = [d.name for d in field_definitions(record_type="contact", enabled_only=False)]
    assert contact == ["first_name", "last_name", "position", "email", "phone", "language", "is_primary"]


def test_a_missing_built_in_definition_is_made_again():
    FieldDefinition.objects.filter(record_type="client", name="website").delete()
    assert fs.field_sync_builtins() == 1
    assert FieldDefinition.objects.filter(record_type="client", name="website", is_builtin=True).exists()
    assert fs.field_sync_builtins() == 0


def test_labels_follow_the_language_and_fall_back(admin_user):
    name = FieldDefinition.objects.get(record_type="client", name="name")
    with translation.override("cs"):
        assert name.label == "název" or name.label != "name"  # the built-in name, translated
    fs.field_update(actor=admin_user, field=name, labels={"en": "Legal name", "zh-hans": "客户名称"})
    name.refresh_from_db()
    with translation.override("zh-hans"):
        assert name.label == "客户名称"
    with translation.override("en"):
        assert name.label == "Legal name"
    custom = _field(admin_user, "region_code", labels={"es": "Código"})
    with translation.override("es"):
        assert custom.label == "Código"
    with translation.override("ro"):
        assert custom.label == "Código"  # no Romanian label and no English one: the one there is


def test_the_legal_name_and_kind_cannot_be_hidden_but_others_can(admin_user):
    for name in ("name", "kind", "country"):
        field = FieldDefinition.objects.get(record_type="client", name=name)
        with pytest.raises(ValidationError):
            fs.field_update(actor=admin_user, field=field, is_enabled=False)
    website = FieldDefinition.objects.get(record_type="client", name="website")
    fs.field_update(actor=admin_user, field=website, is_enabled=False, is_required=False)
    assert not FieldDefinition.objects.get(pk=website.pk).is_enabled


def test_a_built_in_type_never_changes(admin_user):
    field = FieldDefinition.objects.get(record_type="client", name="email")
    with pytest.raises(ValidationError) as error:
        fs.field_update(actor=admin_user, field=field, field_type=FieldType.INTEGER)
    assert "field_type" in error.value.message_dict


def test_only_admins_change_field_settings(alice, carol):
    for actor in (alice, carol):
        with pytest.raises(PermissionDenied):
            fs.field_create(actor=actor, record_type="client", name="x", field_type="text", labels={"en": "X"})
    assert not FieldDefinition.objects.filter(name="x").exists()


def test_reorder_puts_fields_in_the_given_order(admin_user):
    a, b = _field(admin_user, "aaa"), _field(admin_user, "bbb")
    name = FieldDefinition.objects.get(record_type="client", name="name")
    fs.field_reorder(actor=admin_user, record_type="client", ordered_ids=[b.pk, a.pk, name.pk])
    assert [d.name for d in field_definitions(record_type="client")][:4] == ["bbb", "aaa", "name", "kind"]


# Values by type ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "given", "stored"),
    [
        (FieldType.TEXT, "  Blue   sea ", "Blue sea"),
        (FieldType.LONG_TEXT, "line one\nline two ", "line one\nline two"),
        (FieldType.INTEGER, "1 200", 1200),
        (FieldType.INTEGER, 7, 7),
        (FieldType.DECIMAL, "12,50", "12.5"),
        (FieldType.DECIMAL, "1e3", "1000"),
        (FieldType.DATE, "2024-02-29", "2024-02-29"),
        (FieldType.BOOLEAN, "yes", True),
        (FieldType.BOOLEAN, False, False),
        (FieldType.EMAIL, "Info@Example.COM", "Info@example.com"),
        (FieldType.PHONE, "+420 601 123 456", "+420601123456"),
        (FieldType.URL, "example.cz", "https://example.cz"),
    ],
)
def test_each_type_is_normalised(admin_user, field_type, given, stored):
    _field(admin_user, "value", field_type)
    assert _clean(admin_user, {"value": given}) == {"value": stored}


@pytest.mark.parametrize(
    ("field_type", "given"),
    [
        (FieldType.INTEGER, "12.5"),
        (FieldType.INTEGER, "twelve"),
        (FieldType.INTEGER, True),
        (FieldType.DECIMAL, "1.2.3"),
        (FieldType.DATE, "2023-02-29"),
        (FieldType.BOOLEAN, "maybe"),
        (FieldType.EMAIL, "not-an-address"),
        (FieldType.PHONE, "12"),
        (FieldType.URL, "http://"),
        (FieldType.TEXT, "x" * 501),
    ],
)
def test_each_type_refuses_what_does_not_fit(admin_user, field_type, given):
    _field(admin_user, "value", field_type)
    with pytest.raises(ValidationError) as error:
        _clean(admin_user, {"value": given})
    assert list(error.value.message_dict) == ["value"]


def test_empty_values_clear_and_unknown_keys_are_refused(admin_user):
    _field(admin_user, "code")
    assert _clean(admin_user, {"code": ""}, current={"code": "A"}) == {}
    with pytest.raises(ValidationError, match="Unknown fields: nope"):
        _clean(admin_user, {"nope": 1})


def test_required_fields_must_be_filled_only_where_they_apply(admin_user):
    _field(admin_user, "ico", is_required=True, applies_to="company")
    with pytest.raises(ValidationError) as error:
        _clean(admin_user, {}, kind="company")
    assert error.value.message_dict == {"ico": ["Fill in “Ico”."]}
    assert _clean(admin_user, {}, kind="individual") == {}
    # A value for a field that does not apply to the kind is ignored (and what was stored stays).
    assert _clean(admin_user, {"ico": "1"}, kind="individual", current={"ico": "0"}) == {"ico": "0"}


def test_dropdown_options_and_retired_ones(admin_user):
    field = _field(admin_user, "size", FieldType.CHOICE)
    small = fs.field_option_add(actor=admin_user, field=field, labels={"en": "Small", "zh-hans": "小"})
    big = fs.field_option_add(actor=admin_user, field=field, labels={"en": "Big"})
    assert (small.key, big.key) == ("small", "big")
    assert _clean(admin_user, {"size": "small"}) == {"size": "small"}
    with pytest.raises(ValidationError):
        _clean(admin_user, {"size": "huge"})
    fs.field_option_update(actor=admin_user, option=small, is_retired=True)
    with pytest.raises(ValidationError, match="no longer offered"):
        _clean(admin_user, {"size": "small"}, current={})
    # Kept on a record that already has it.
    assert _clean(admin_user, {"size": "small"}, current={"size": "small"}) == {"size": "small"}
    with translation.override("zh-hans"):
        assert FieldDefinition.objects.get(pk=field.pk).options.get(key="small").label == "小"


def test_multi_select_keeps_each_choice_once(admin_user):
    field = _field(admin_user, "tags", FieldType.MULTI_CHOICE)
    for label in ("Red", "Green"):
        fs.field_option_add(actor=admin_user, field=field, labels={"en": label})
    assert _clean(admin_user, {"tags": ["green", "red", "green"]}) == {"tags": ["green", "red"]}


# The subordinate rule ------------------------------------------------------------------------------


def test_only_superiors_and_admins_change_a_field_subordinates_may_not_edit(admin_user, alice, bob, carol):
    _field(admin_user, "rating", FieldType.INTEGER, subordinates_may_edit=False)
    current = {"rating": 1}
    # bob owns the record; alice is his manager, carol hers.
    with pytest.raises(ValidationError, match="Only the owner's superiors"):
        _clean(admin_user, {"rating": 2}, current=current, user=bob, owner=bob)
    for user in (alice, carol, admin_user):
        assert _clean(admin_user, {"rating": 2}, current=current, user=user, owner=bob) == {"rating": 2}
    # Unchanged values and a new record are not edits.
    assert _clean(admin_user, {"rating": 1}, current=current, user=bob, owner=bob) == current
    assert _clean(admin_user, {"rating": 3}, user=bob, owner=bob) == {"rating": 3}


def test_a_field_subordinates_may_edit_is_open_to_them(admin_user, bob):
    _field(admin_user, "note", subordinates_may_edit=True)
    assert _clean(admin_user, {"note": "x"}, current={}, user=bob, owner=bob) == {"note": "x"}


# Type changes --------------------------------------------------------------------------------------


def test_a_type_change_is_refused_with_the_count_of_values_in_the_way(admin_user, alice):
    field = _field(admin_user, "code")
    for value in ("12", "x1", "y2"):
        _set(make_client(user=alice), code=value)
    with pytest.raises(ValidationError) as error:
        fs.field_update(actor=admin_user, field=field, field_type=FieldType.INTEGER)
    assert error.value.message_dict == {
        "field_type": ["2 stored values do not fit the type Whole number; change or clear them first."]
    }
    assert FieldDefinition.objects.get(pk=field.pk).field_type == FieldType.TEXT


def test_a_type_change_converts_values_that_fit(admin_user, alice):
    field = _field(admin_user, "code")
    client = make_client(user=alice)
    _set(client, code="12")
    fs.field_update(actor=admin_user, field=field, field_type=FieldType.INTEGER)
    client.refresh_from_db()
    assert client.custom_fields == {"code": 12}


# Uniqueness ------------------------------------------------------------------------------------------


def test_making_a_field_unique_is_refused_while_values_repeat(admin_user, alice):
    field = _field(admin_user, "code")
    first, second = make_client(user=alice, name="First"), make_client(user=alice, name="Second")
    _set(first, code="A")
    _set(second, code="A")
    _set(make_client(user=alice), code="")
    with pytest.raises(ValidationError) as error:
        fs.field_update(actor=admin_user, field=field, is_unique=True)
    message = error.value.message_dict["is_unique"][0]
    assert f"“A”: First (#{first.pk}), Second (#{second.pk})" in message
    assert not FieldDefinition.objects.get(pk=field.pk).is_unique


def test_a_unique_custom_field_is_enforced_by_the_database(admin_user, alice):
    _field(admin_user, "code", is_unique=True)
    client = make_client(user=alice)
    _set(client, code="A")
    other = make_client(user=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.filter(pk=other.pk).update(custom_fields={"code": "A"})
    # Empty and missing values never clash.
    for _ in range(2):
        _set(make_client(user=alice), code="")
        make_client(user=alice)


def test_the_unique_index_goes_with_uniqueness_and_with_the_field(admin_user, alice):
    field = _field(admin_user, "code", is_unique=True)
    fs.field_update(actor=admin_user, field=field, is_unique=False)
    for client in (make_client(user=alice), make_client(user=alice)):
        _set(client, code="A")
    fs.field_update(actor=admin_user, field=field, field_type=FieldType.LONG_TEXT)
    assert fs.field_delete(actor=admin_user, field=field) == 2
    assert list(Client.objects.filter(custom_fields__has_key="code")) == []


def test_a_unique_built_in_field_ignores_empty_values(admin_user, alice):
    field = FieldDefinition.objects.get(record_type="client", name="website")
    make_client(user=alice, website="a.cz")
    make_client(user=alice)
    make_client(user=alice)
    fs.field_update(actor=admin_user, field=field, is_unique=True)
    with pytest.raises(ValidationError) as error, unique_values_guard(record_type="client"):
        make_client(user=alice, website="a.cz")
    assert list(error.value.message_dict) == ["website"]
    make_client(user=alice)


def test_the_check_names_a_value_another_record_has(admin_user, alice):
    _field(admin_user, "code", FieldType.INTEGER, is_unique=True)
    client = make_client(user=alice)
    _set(client, code=5)
    with pytest.raises(ValidationError, match="Another client already has this Code: 5"):
        _clean(admin_user, {"code": "5"})
    assert _clean(admin_user, {"code": "5"}, current={"code": 5}) == {"code": 5}


@pytest.mark.django_db(transaction=True)
def test_two_users_saving_the_same_unique_value_at_once_one_wins(admin_user, alice):
    _field(admin_user, "code", is_unique=True)
    clients = [make_client(user=alice), make_client(user=alice)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(client):
        try:
            barrier.wait()
            for _attempt in range(100):
                try:
                    with unique_values_guard(record_type="client", values={"code": "SAME"}):
                        Client.objects.filter(pk=client.pk).update(custom_fields={"code": "SAME"})
                        time.sleep(0.2)  # hold the transaction open: the other one waits on the index
                    outcomes.append("saved")
                    return
                except OperationalError:  # SQLite: the other writer holds the lock; try again
                    time.sleep(0.05)
            outcomes.append("gave up")
        except ValidationError as error:
            outcomes.append(error.message_dict["code"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Another client already has this Code: SAME.", "saved"]
    assert Client.objects.filter(custom_fields__code="SAME").count() == 1


def test_sorting_by_a_custom_field_uses_its_index(admin_user, alice):
    field = _field(admin_user, "score", FieldType.INTEGER)
    for score in (10, 9, 100):
        _set(make_client(user=alice), score=score)
    ordered = Client.objects.filter(status="active").order_by(fs.sort_expression(field), "id")
    assert [c.custom_fields["score"] for c in ordered] == [9, 10, 100]
    if connection.vendor == "postgresql":
        # Three rows: PostgreSQL would rightly scan them; ask whether the index can serve at all.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
    assert field.index_name in ordered.explain()


def _index_statistics(index: str) -> list:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
        else:  # the statistics of an index's expressions are kept under the index's name
            cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [index])
        return cursor.fetchall()


def test_a_new_fields_indexes_have_statistics_for_the_query_planner(admin_user, alice):
    code = _field(admin_user, "code")
    for number in range(40):
        _set(make_client(user=alice, name=f"Client {number:02}"), code=f"C{number}")
    with connection.cursor() as cursor:  # a register that has been analysed, as optimize_register leaves it
        cursor.execute("ANALYZE")

    field = _field(admin_user, "score", FieldType.INTEGER)
    fs.field_update(actor=admin_user, field=code, is_unique=True)

    # Without them, at a million clients SQLite took an equality on the new sort index (led by the
    # status, as the name index is) to match a handful of rows, and sorted the whole register for the
    # export and the list (docs/performance.md, finding 28).
    assert _index_statistics(field.index_name)
    assert _index_statistics(code.unique_index_name)


# Storage and search ----------------------------------------------------------------------------------


def test_search_finds_a_client_created_after_the_migration(alice):
    make_client(user=alice, name="Zlatá Rybka s.r.o.")
    found = client_list(user=alice, filters=ClientFilters(search="rybka"))
    assert [c.name for c in found] == ["Zlatá Rybka s.r.o."]


def test_custom_values_are_in_the_history_one_entry_per_action(alice):
    client = make_client(user=alice)
    assert client.history_entries.count() == 1
    assert client.history_entries.get().custom_fields == {}


def test_custom_value_reads_the_json_key(admin_user, alice):
    _field(admin_user, "code")
    _set(make_client(user=alice, name="One"), code="Q")
    assert list(Client.objects.annotate(v=CustomValue("code")).filter(v="Q").values_list("name", flat=True)) == ["One"]


# Cities ----------------------------------------------------------------------------------------------


def test_importing_the_chinese_city_list_names_cities_in_chinese(admin_user):
    field = _field(admin_user, "city", FieldType.CHOICE)
    added = fs.field_import_cities(actor=admin_user, field=field, country="CN")
    assert added > 1000
    labels = {o.labels.get("zh-hans") for o in field.options.all()}
    assert {"北京", "上海"} <= labels
    with translation.override("zh-hans"):
        assert field.options.get(labels__en="Beijing").label == "北京"
    assert fs.field_import_cities(actor=admin_user, field=field, country="CN") == 0


def test_importing_the_czech_city_list_keeps_diacritics_and_skips_existing(admin_user):
    field = _field(admin_user, "city", FieldType.CHOICE)
    fs.field_option_add(actor=admin_user, field=field, labels={"cs": "Brno"})
    added = fs.field_import_cities(actor=admin_user, field=field, country="cz")
    names = [o.labels.get("cs") for o in field.options.all()]
    assert "Praha" in names and "Zlín" in names and "Ústí nad Labem" in names
    assert names.count("Brno") == 1
    assert added == field.options.count() - 1


def test_importing_cities_needs_a_dropdown_and_a_known_country(admin_user):
    text = _field(admin_user, "town")
    with pytest.raises(ValidationError):
        fs.field_import_cities(actor=admin_user, field=text, country="CZ")
    field = _field(admin_user, "city", FieldType.CHOICE)
    with pytest.raises(ValidationError):
        fs.field_import_cities(actor=admin_user, field=field, country="XX")


def test_an_option_in_use_cannot_be_deleted(admin_user, alice):
    field = _field(admin_user, "size", FieldType.CHOICE)
    option = fs.field_option_add(actor=admin_user, field=field, labels={"en": "Small"})
    _set(make_client(user=alice), size="small")
    with pytest.raises(DomainError, match="1 record has chosen"):
        fs.field_option_delete(actor=admin_user, option=option)
