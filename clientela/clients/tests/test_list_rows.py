"""The client list's rows, written in Python (``ClientRowWriter``): what each cell shows, in the reader's language."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from clientela.clients.list_rows import ClientRowWriter
from clientela.clients.models import Client, ClientKind
from clientela.clients.selectors import attach_group_names
from clientela.clients.services import client_invalidate, client_lock
from clientela.clients.tests.factories import CZ_ICO, make_client, make_group
from clientela.clients.tests.test_views import as_user

pytestmark = pytest.mark.django_db


class _Rows(HTMLParser):
    """The table rows' cells as a reader meets them: text, and the attributes of links, boxes and badges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "client-row" in (found.get("class") or ""):
            self.rows.append({"class": found["class"], "cells": [], "tags": [], "badges": [], "titles": []})
        elif not self.rows:
            return
        row = self.rows[-1]
        if tag == "td":
            self._cell = []
            row["cells"].append(self._cell)
        elif tag == "input":
            row["box"] = found
        elif tag == "a":
            row["href"] = found["href"]
        elif tag == "span" and "badge" in (found.get("class") or ""):
            row["badges"].append(found["class"])
            if found.get("title"):
                row["titles"].append(found["title"])
        elif tag == "span" and found.get("class") == "tag":
            row["tags"].append(len(self._cell or []))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None

    @classmethod
    def of(cls, markup: str) -> list[dict]:
        parser = cls()
        parser.feed(markup)
        for row in parser.rows:
            row["texts"] = [" ".join("".join(cell).split()) for cell in row["cells"]]
        return parser.rows


def written(clients: list[Client], language: str = "en") -> list[dict]:
    attach_group_names(clients)
    with translation.override(language):
        return _Rows.of(ClientRowWriter().rows(clients))


def test_a_row_shows_the_clients_data_as_a_czech_reader_reads_it(alice):
    zakaznici, alfa = make_group(user=alice, name="Zákazníci"), make_group(user=alice, name="Alfa")
    client = make_client(
        user=alice, name="Modrá Vlna s.r.o.", registration_id=CZ_ICO, email="info@modravlna.cz",
        phone="+420601123456", groups=[zakaznici, alfa],
    )  # fmt: skip

    (row,) = written([client], "cs")

    with translation.override("cs"):
        company = str(ClientKind.COMPANY.label)
    assert company != "Company"  # the kind in Czech, not in English
    assert row["href"] == reverse("clients:detail", args=[client.pk])
    assert row["box"]["value"] == str(client.pk) and row["box"]["name"] == "selected"
    assert "Modrá Vlna s.r.o." in row["box"]["aria-label"] and "Select" not in row["box"]["aria-label"]
    assert row["texts"][1] == f"Modrá Vlna s.r.o. {company}"
    assert row["texts"][2] == CZ_ICO
    assert row["texts"][3] == "Česko"
    assert row["texts"][4] == "info@modravlna.cz +420 601 123 456"
    assert row["texts"][5] == "Alice Owner"
    assert row["texts"][6] == "AlfaZákazníci"  # two tags, by name
    assert row["class"] == "client-row" and row["badges"] == []


def test_names_and_values_are_shown_as_text_never_run_as_markup(alice):
    group = make_group(user=alice, name='<b>VIP</b> & "friends"')
    client = make_client(user=alice, name='<script>alert("x")</script> & Co', email="a&b@example.com", groups=[group])
    # A custom value is text; one a column formats as HTML itself comes marked safe.
    client.column_values = ["<i>tier</i>", mark_safe("<abbr>kept</abbr>")]

    attach_group_names([client])
    markup = ClientRowWriter().rows([client])
    (row,) = _Rows.of(markup)

    assert "<script>" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in markup
    assert row["texts"][1].startswith('<script>alert("x")</script> & Co')
    assert row["box"]["aria-label"] == 'Select <script>alert("x")</script> & Co'
    assert row["texts"][4] == "a&b@example.com"
    assert row["texts"][6] == '<b>VIP</b> & "friends"'
    assert row["texts"][7:] == ["<i>tier</i>", "kept"]  # escaped text; a value already safe is left as it is
    assert "<abbr>kept</abbr>" in markup


def test_an_invalid_or_locked_client_carries_its_badge(alice):
    invalid = client_invalidate(client=make_client(user=alice, name="Gone s.r.o."), user=alice)
    locked = client_lock(client=make_client(user=alice, name="Busy s.r.o."), user=alice)
    plain = make_client(user=alice, name="Plain s.r.o.")

    rows = written([invalid, locked, plain], "es")

    assert [row["class"] for row in rows] == ["client-row is-invalid", "client-row", "client-row"]
    assert rows[0]["badges"] == ["badge badge-invalid"] and "Gone s.r.o. " in rows[0]["texts"][1]
    with translation.override("es"):
        assert str(invalid.get_status_display()) in rows[0]["texts"][1]
    assert rows[1]["badges"] == ["badge badge-locked"] and rows[1]["titles"] == ["Bloqueado"]
    assert rows[2]["badges"] == []


def test_a_client_without_ids_email_phone_or_groups_shows_dashes(alice):
    client = make_client(user=alice, name="Jana Malá", kind="individual")
    client.column_values = ["", None]

    (row,) = written([client])

    assert row["texts"][2] == "—" and row["texts"][4] == "—" and row["texts"][6] == "—"
    assert row["texts"][7:] == ["—", "—"]
    assert row["tags"] == []


def test_group_names_are_read_in_one_query_for_the_whole_page(alice, django_assert_num_queries):
    beta, alfa = make_group(user=alice, name="Beta"), make_group(user=alice, name="Alfa")
    clients = [
        make_client(user=alice, groups=[beta, alfa]),
        make_client(user=alice),
        make_client(user=alice, groups=[beta]),
    ]
    page = list(Client.objects.filter(pk__in=[c.pk for c in clients]).order_by("id"))

    with django_assert_num_queries(1):
        attach_group_names(page)

    assert [client.group_names for client in page] == [["Alfa", "Beta"], [], ["Beta"]]  # by name


def test_the_list_page_writes_its_rows_with_the_writer(client, alice, unhashed_static_files):
    make_client(user=alice, name="Modrá Vlna s.r.o.", groups=[make_group(user=alice, name="Wholesale")])

    response = as_user(client, alice).get(reverse("clients:list"))

    (row,) = _Rows.of(response.content.decode())
    assert row["texts"][1].startswith("Modrá Vlna s.r.o.") and row["texts"][6] == "Wholesale"
