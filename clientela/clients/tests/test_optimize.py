"""``manage.py optimize_register``: the table in name order on PostgreSQL, a merged search index on SQLite."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from clientela.clients.selectors import ClientFilters, client_list
from clientela.clients.tests.factories import make_client

# transaction=True: CLUSTER refuses to run in a transaction that still has deferred foreign-key checks.
pytestmark = pytest.mark.django_db(transaction=True)


def physical_order() -> list[str]:
    """The clients' names as the table stores them (PostgreSQL: by row position)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM clients_client ORDER BY ctid")
        return [row[0] for row in cursor.fetchall()]


def test_the_register_is_reorganised_and_still_searched_alike(alice):
    for name in ("Cedr Stavby", "Akát Stavby", "Buk Stavby", "Dub Pekárna"):
        make_client(user=alice, name=name)
    before = list(client_list(user=alice, filters=ClientFilters(search="stavby")).values_list("name", flat=True))
    out = io.StringIO()

    call_command("optimize_register", stdout=out)

    after = list(client_list(user=alice, filters=ClientFilters(search="stavby")).values_list("name", flat=True))
    assert before == after == ["Akát Stavby", "Buk Stavby", "Cedr Stavby"]
    assert "Done in" in out.getvalue()
    if connection.vendor == "postgresql":
        assert physical_order() == ["Akát Stavby", "Buk Stavby", "Cedr Stavby", "Dub Pekárna"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT indisclustered FROM pg_index WHERE indexrelid = 'clients_status_name_idx'::regclass")
            assert cursor.fetchone() == (True,)
