"""The list dumper registered on PostgreSQL connections: the bytes psycopg writes, sooner."""

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.array import ListDumper

from clientela.clients import field_services as fs
from clientela.clients.fields import FieldType
from clientela.clients.models import Client
from clientela.clients.services import client_bulk_create
from clientela.core.postgres import TextListDumper

TRICKY = ['say "hi"', "back\\slash", '\\"', "", "NULL", "null", "{braces}", "a,b", " spaced ", "tab\there", "ž蓝"]


def dumped(dumper_class: type[ListDumper], value: list) -> bytes:
    dumper = dumper_class(list, Transformer()).upgrade(value, PyFormat.TEXT)
    return bytes(dumper.dump(value))


texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


@given(st.lists(st.one_of(st.none(), texts, st.sampled_from(TRICKY)), max_size=20))
def test_a_list_of_texts_is_dumped_as_psycopg_dumps_it(value):
    assert dumped(TextListDumper, value) == dumped(ListDumper, value)


@pytest.mark.parametrize(
    "value",
    [[], [None], TRICKY, [TRICKY, TRICKY[::-1]], [[None, "x"], ["y", None]], [1, 2, None], ['{"key": "v\\"q"}']],
)
def test_lists_of_every_shape_are_dumped_as_psycopg_dumps_them(value):
    assert dumped(TextListDumper, value) == dumped(ListDumper, value)
    assert dumped(TextListDumper, value).count(b'\\"') == dumped(ListDumper, value).count(b'\\"')


@pytest.mark.django_db
def test_bulk_created_clients_keep_quotes_and_backslashes_in_their_values(admin_user):
    fs.field_create(
        actor=admin_user, record_type="client", name="code", field_type=FieldType.TEXT, labels={"en": "Code"}
    )
    rows = [
        {"name": f'Firma "{n}" \\ spol.', "country": "CZ", "custom_fields": {"code": f'K"{n}"\\{TRICKY[n]}'}}
        for n in range(len(TRICKY))
    ]

    assert client_bulk_create(user=admin_user, rows=rows) == len(rows)

    stored = list(Client.objects.filter(name__startswith="Firma").order_by("pk"))
    assert [(c.name, c.custom_fields.get("code")) for c in stored] == [
        (row["name"], " ".join(row["custom_fields"]["code"].split())) for row in rows
    ]
    history = Client.history.filter(id__in=[client.pk for client in stored]).order_by("id")
    assert [h.custom_fields for h in history] == [c.custom_fields for c in stored]
    if connection.vendor == "postgresql":  # the dumper that sent them
        assert connection.connection.adapters.get_dumper(list, PyFormat.TEXT) is TextListDumper
