"""A register past a thousand records: the ids a page writes into its forms and links come back whole.

Tests start their ids at one, so a number grouped as 1 234 567 (or 1,234,567) in a checkbox's
value or a link would go unnoticed; here the ids start in the millions and the pages are read in
Czech and English, whose groupings differ.
"""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.urls import reverse

from clientela.accounts.models import BuiltinRole
from clientela.accounts.services import builtin_role
from clientela.clients.models import Client, ClientGroup
from clientela.clients.tests.factories import make_client, make_group

pytestmark = pytest.mark.django_db

FIRST_ID = 1_234_567


def _ids_start_at(model: type[Model], first_id: int) -> None:
    """The next row of ``model``'s table gets ``first_id`` (a register that has seen a million rows)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, first_id])
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first_id - 1])


@pytest.fixture
def big_ids(db):
    _ids_start_at(Client, FIRST_ID)
    _ids_start_at(ClientGroup, FIRST_ID)


def _values(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]*)"', html)


@pytest.mark.parametrize("language", ["cs", "en"])
def test_a_client_ticked_in_the_list_is_the_one_the_bulk_action_changes(client, alice, big_ids, language):
    record = make_client(user=alice, name="Modrá Vlna s.r.o.")
    assert record.pk >= FIRST_ID
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(alice)

    ticked = _values(client.get(reverse("clients:list")).content.decode(), "selected")
    response = client.post(reverse("clients:bulk"), {"action": "lock", "selected": ticked, "next": "/clients/"})

    assert ticked == [str(record.pk)]
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.locked_by == alice


def test_a_group_link_in_the_group_list_filters_by_that_group(client, alice, big_ids):
    group = make_group(user=alice, name="Velkoobchod")
    member = make_client(user=alice, name="Člen s.r.o.", groups=[group])
    make_client(user=alice, name="Jiný s.r.o.")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cs"
    client.force_login(alice)

    links = re.findall(r'href="([^"]*\?group=[^"]*)"', client.get(reverse("clients:group_list")).content.decode())
    listed = client.get(links[0].replace("&amp;", "&"))

    assert links == [f"{reverse('clients:list')}?group={group.pk}"]
    assert [row.pk for row in listed.context["page"].items] == [member.pk]


def test_the_merge_screen_posts_back_the_clients_it_shows(client, alice, big_ids):
    alice.role = builtin_role(BuiltinRole.MANAGER)
    alice.save()
    survivor = make_client(user=alice, name="Modrá Vlna s.r.o.", email="info@modravlna.cz")
    other = make_client(user=alice, name="Modra Vlna", website="https://modravlna.cz")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cs"
    client.force_login(alice)
    url = reverse("clients:merge", args=[survivor.pk]) + f"?others={other.pk}"

    html = client.get(url).content.decode()
    form = {
        "others": _values(html, "others"),
        f"version_{survivor.pk}": _values(html, f"version_{survivor.pk}"),
        f"version_{other.pk}": _values(html, f"version_{other.pk}"),
        "value_website": [value for value in _values(html, "value_website") if value == str(other.pk)],
    }
    response = client.post(url, form)

    assert form["others"] == [str(other.pk)]
    assert form["value_website"] == [str(other.pk)]
    assert response.status_code == 302
    survivor.refresh_from_db()
    assert survivor.website == "https://modravlna.cz"
    assert Client.objects.get(pk=other.pk).merged_into_id == survivor.pk


def test_counts_shown_to_people_are_still_grouped_the_czech_way(client, alice, big_ids):
    make_client(user=alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cs"
    client.force_login(alice)

    page = client.get(reverse("clients:list"), {"counted": "9876", "after": "bad"})

    assert "9\xa0876 klientů" in page.content.decode()
