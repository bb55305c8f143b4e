"""manage.py export_clients: a user's view of the clients to a file or standard output, with a summary."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clientela.accounts.models import Action, Role
from clientela.accounts.services import user_create
from clientela.clients.services import client_invalidate
from clientela.clients.tests.factories import make_client
from clientela.exchange.tests.test_exports import by_header, parse_csv, read_xlsx

pytestmark = pytest.mark.django_db


def export(*args: str) -> str:
    """Run the command; returns what it said on standard error."""
    stderr = io.StringIO()
    call_command("export_clients", *args, stderr=stderr)
    return stderr.getvalue()


def names_in(path, **csv_options) -> list[str]:
    return [row["Name"] for row in by_header(parse_csv(path.read_bytes(), **csv_options))]


def test_it_writes_the_users_clients_to_the_file_with_a_summary(tmp_path, alice, alice_client, bob_client):
    target = tmp_path / "clients.csv"

    said = export("--user", "alice", str(target))

    assert sorted(names_in(target)) == sorted([alice_client.name, bob_client.name])
    assert said.startswith(f"Exported 2 clients as alice to {target} in ")
    assert said.rstrip().endswith("rows/s).")
    assert said.count("\n") == 1


def test_it_respects_the_users_visibility(tmp_path, alice, dave, alice_client, bob_client):
    own = make_client(user=dave, name="Dave's Own Ltd", country="GB")
    target = tmp_path / "dave.csv"

    export("--user", "dave", "--status", "all", str(target))

    assert names_in(target) == [own.name]


def test_status_search_and_columns(tmp_path, alice, alice_client, bob_client):
    client_invalidate(client=alice_client, user=alice)
    target = tmp_path / "clients.csv"

    export("--user", "alice", str(target))
    assert names_in(target) == [bob_client.name]
    export("--user", "alice", "--status", "all", "--search", "modra", "--columns", "shown", str(target))
    (header, row) = parse_csv(target.read_bytes())
    assert header == [
        "Clientela id", "Name", "Kind", "Registration id", "Tax id", "VAT id", "Country", "E-mail", "Phone", "Owner",
        "Groups", "Status",
    ]  # fmt: skip
    assert row[1] == alice_client.name and row[-1] == "Invalid"


def test_encoding_delimiter_and_the_count_of_replaced_characters(tmp_path, alice):
    make_client(user=alice, name="蓝色波浪 Příliš", country="CN")
    target = tmp_path / "clients.csv"

    said = export("--user", "alice", "--encoding", "cp1250", "--delimiter", "tab", str(target))

    assert names_in(target, encoding="cp1250", delimiter="\t") == ["???? Příliš"]
    assert "4 characters that cp1250 cannot hold were written as ?." in said


def test_csv_goes_to_standard_output_when_no_file_is_named(capsysbinary, alice, alice_client):
    call_command("export_clients", "--user", "alice", "--encoding", "utf-8")

    out = capsysbinary.readouterr().out
    assert out.startswith(b"Clientela id,Kind,Name,")
    assert [row["Name"] for row in by_header(parse_csv(out, encoding="utf-8"))] == [alice_client.name]


def test_xlsx_and_vcard_files(tmp_path, alice, alice_client):
    export("--user", "alice", "--format", "xlsx", str(tmp_path / "clients.xlsx"))
    export("--user", "alice", "--format", "vcf", "--vcard-version", "4.0", str(tmp_path / "clients.vcf"))

    sheet = read_xlsx((tmp_path / "clients.xlsx").read_bytes())
    assert [row[2].value for row in sheet.iter_rows(min_row=2)] == [alice_client.name]
    text = (tmp_path / "clients.vcf").read_text()
    assert text.count("BEGIN:VCARD") == 1 and "VERSION:4.0" in text


def test_xlsx_needs_a_file(alice):
    with pytest.raises(CommandError, match=re.escape("An XLSX file is written to a FILE, not to standard output.")):
        export("--user", "alice", "--format", "xlsx")


def test_the_only_admin_is_the_default_user(tmp_path, admin_user, alice, dave, alice_client):
    make_client(user=dave, name="Dave's Own Ltd", country="GB")
    target = tmp_path / "all.csv"

    said = export(str(target))

    assert sorted(names_in(target)) == ["Dave's Own Ltd", alice_client.name]
    assert " as admin to " in said


@pytest.mark.parametrize("admins", [0, 2])
def test_without_exactly_one_admin_the_user_must_be_named(tmp_path, alice, admins):
    for number in range(admins):
        user_create(username=f"admin{number}", password="x" * 12, is_admin=True)
    target = tmp_path / "clients.csv"

    with pytest.raises(CommandError, match=re.escape("Name the user whose clients to export with --user")):
        export(str(target))
    assert not target.exists()


def test_an_unknown_user_or_a_role_without_export_gets_nothing(tmp_path, alice, alice_client):
    target = tmp_path / "clients.csv"
    with pytest.raises(CommandError, match=re.escape("There is no active user 'nobody'.")):
        export("--user", "nobody", str(target))
    alice.role = Role.objects.create(name="Look only", actions=[Action.VIEW])
    alice.save()

    with pytest.raises(CommandError, match=re.escape("Your role does not allow this: Export.")):
        export("--user", "alice", str(target))
    assert not target.exists()


def test_a_bad_delimiter_is_refused(tmp_path, alice):
    with pytest.raises(CommandError, match=re.escape("Choose a comma, a semicolon or a tab as the delimiter.")):
        export("--user", "alice", "--delimiter", "|", str(tmp_path / "x.csv"))


def test_a_failure_part_way_leaves_a_file_that_says_so_and_fails_the_command(monkeypatch, tmp_path, alice, group):
    from clientela.exchange import exports

    for number in range(3):
        make_client(user=alice, name=f"Client {number}", groups=[group])
    monkeypatch.setattr(exports, "CHUNK_SIZE", 1)
    reading = exports.ClientRows._value_chunks

    def failing(self, *args, **kwargs):  # the database goes away while the third chunk is read
        chunks = reading(self, *args, **kwargs)
        yield next(chunks)
        yield next(chunks)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(exports.ClientRows, "_value_chunks", failing)
    target = tmp_path / "clients.csv"

    with pytest.raises(CommandError, match="The export failed after 2 clients: the database went away"):
        export("--user", "alice", str(target))

    lines = target.read_bytes().decode("utf-8-sig").split("\r\n")
    assert [line.split(",")[2] for line in lines[1:3]] == ["Client 0", "Client 1"]
    assert lines[3:] == ["EXPORT FAILED: This file is incomplete: it stops after 2 clients. Export again.", ""]
