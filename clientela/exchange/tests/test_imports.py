"""Imports through the services: matching, create/update/skip, contacts and groups once per file, errors, revert.

Each test writes a real-shaped file, uploads it with ``import_upload``, sets the mapping and
options as the wizard would, and runs the pass as the worker does (``import_execute``).
"""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clientela.accounts.services import user_create
from clientela.clients import field_services as fs
from clientela.clients.fields import FieldType
from clientela.clients.models import Client, ClientGroup, Contact
from clientela.clients.services import client_update
from clientela.clients.tests.factories import make_client
from clientela.core.errors import DomainError, PermissionDenied
from clientela.exchange import selectors, services
from clientela.exchange.models import ImportJob, ImportRow, ImportStatus, RowOutcome

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_file(rows: list[list[str]], *, name: str = "clients.csv", delimiter: str = ",", encoding: str = "utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def run(user, upload, mapping: dict[str, str], *, dry_run: bool = False, **options: Any) -> ImportJob:
    """Upload, map each header to a key (unnamed headers are not imported), run the pass in process."""
    job = services.import_upload(user=user, file=upload, filename=upload.name)
    options.setdefault("match_keys", ["id", "tax_id", "registration_id", "vat_id", "name_country"])
    services.import_set_options(
        job=job, user=user, mapping=[mapping.get(header, "") for header in job.headers], **options
    )
    services.import_start(job=job, user=user, dry_run=dry_run, enqueue=False)
    result = services.import_execute(job.pk)
    assert result is not None
    return result


def outcomes(job: ImportJob) -> list[tuple[int, str]]:
    return list(job.rows.order_by("number").values_list("number", "outcome"))


HEADER = ["Název", "IČO", "Země", "Město", "Telefon"]
MAPPING = {"Název": "name", "IČO": "registration_id", "Země": "country", "Město": "billing_city", "Telefon": "phone"}


def test_a_dry_run_reports_every_row_and_changes_nothing(alice, alice_client):
    upload = csv_file(
        [
            HEADER,
            ["Pekárna U Zlatého klasu", "25596641", "CZ", "Olomouc", "+420 585 000 111"],
            ["Modrá Vlna s.r.o.", "27168352", "CZ", "Praha", ""],
            ["Bez čísla", "12345678", "CZ", "Brno", ""],
        ]
    )
    history_before = alice_client.history_entries.count()

    job = run(alice, upload, MAPPING, dry_run=True)

    assert job.status == ImportStatus.CHECKED
    assert outcomes(job) == [(2, RowOutcome.CREATE), (3, RowOutcome.UPDATE), (4, RowOutcome.ERROR)]
    update = job.rows.get(number=3)
    assert update.changes == {"Billing city": ["Brno", "Praha"]}
    assert update.client_id == alice_client.pk
    error = job.rows.get(number=4)
    assert error.messages == ["Registration id: “12345678” is not a valid company registration id for CZ."]
    assert error.cells == ["Bez čísla", "12345678", "CZ", "Brno", ""]
    assert (job.created_count, job.updated_count, job.rejected_count) == (1, 1, 1)
    # Nothing changed: no new client, no change to the matched one, no history entry.
    assert list(Client.objects.values_list("name", flat=True)) == ["Modrá Vlna s.r.o."]
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Brno"
    assert alice_client.history_entries.count() == history_before


def test_the_run_creates_updates_and_rejects_row_by_row_with_history(alice, alice_client):
    upload = csv_file(
        [
            HEADER,
            ["Pekárna U Zlatého klasu", "25596641", "CZ", "Olomouc", "+420 585 000 111"],
            ["Modrá Vlna s.r.o.", "27168352", "Česká republika", "Praha", ""],
            ["Bez čísla", "12345678", "CZ", "Brno", ""],
        ]
    )

    job = run(alice, upload, MAPPING)

    assert job.status == ImportStatus.DONE
    assert outcomes(job) == [(2, RowOutcome.CREATE), (3, RowOutcome.UPDATE), (4, RowOutcome.ERROR)]
    created = Client.objects.get(registration_id="25596641")
    assert (created.name, created.phone, created.owner, created.created_by) == (
        "Pekárna U Zlatého klasu",
        "+420585000111",
        alice,
        alice,
    )
    assert created.history_entries.get().history_change_reason == f"imported:{job.pk}"
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Praha"
    assert alice_client.history_entries.first().history_change_reason == f"imported:{job.pk}"
    assert not Client.objects.filter(name="Bez čísla").exists()
    assert Client.objects.count() == 2


def test_a_row_that_repeats_what_is_stored_is_unchanged_and_writes_no_history(alice, alice_client):
    upload = csv_file([HEADER, ["Modrá Vlna s.r.o.", "27168352", "CZ", "Brno", "+420601123456"]])
    version, entries = alice_client.version, alice_client.history_entries.count()

    job = run(alice, upload, MAPPING)

    assert outcomes(job) == [(2, RowOutcome.UNCHANGED)]
    alice_client.refresh_from_db()
    assert (alice_client.version, alice_client.history_entries.count()) == (version, entries)


def test_a_value_written_differently_but_meaning_the_same_is_unchanged(alice, alice_client):
    # The phone with spaces and the country by name clean to what is stored: nothing to record.
    upload = csv_file([HEADER, ["Modrá Vlna s.r.o.", "27 168 352", "Czechia", "Brno", "+420 601 123 456"]])
    version = alice_client.version

    job = run(alice, upload, MAPPING)

    assert outcomes(job) == [(2, RowOutcome.UNCHANGED)]
    alice_client.refresh_from_db()
    assert alice_client.version == version


def test_create_only_skips_a_row_that_matches_and_never_makes_a_second_client(alice, alice_client):
    upload = csv_file([HEADER, ["Modrá Vlna (copy)", "27168352", "CZ", "Praha", ""]])

    job = run(alice, upload, MAPPING, mode="create")

    assert outcomes(job) == [(2, RowOutcome.SKIP)]
    assert job.rows.get().messages == [
        f"A client matches this row (id {alice_client.pk}) and this import only creates new clients."
    ]
    assert Client.objects.count() == 1
    alice_client.refresh_from_db()
    assert alice_client.name == "Modrá Vlna s.r.o."


def test_update_only_skips_a_row_that_matches_nothing(alice, alice_client):
    upload = csv_file(
        [HEADER, ["Pekárna", "25596641", "CZ", "Olomouc", ""], ["Modrá Vlna s.r.o.", "27168352", "CZ", "Zlín", ""]]
    )

    job = run(alice, upload, MAPPING, mode="update")

    assert outcomes(job) == [(2, RowOutcome.SKIP), (3, RowOutcome.UPDATE)]
    assert Client.objects.count() == 1


def test_rows_of_one_company_make_it_once_and_attach_each_contact(alice):
    # A people export: three people at two companies, in one file.
    upload = csv_file(
        [
            ["Company", "Country", "First Name", "Last Name", "E-mail Address", "Job Title"],
            ["Col·legi Oficial de Lleida", "ES", "Núria", "Puig", "nuria@collegi.cat", "Directora"],
            ["Col·legi Oficial de Lleida", "ES", "Jordi", "Vilanova", "jordi@collegi.cat", ""],
            ["北京科技有限公司", "CN", "伟", "张", "zhang@example.cn", "经理"],
        ]
    )
    mapping = {
        "Company": "name",
        "Country": "country",
        "First Name": "contact_first_name",
        "Last Name": "contact_last_name",
        "E-mail Address": "contact_email",
        "Job Title": "contact_position",
    }

    job = run(alice, upload, mapping)

    assert outcomes(job) == [(2, RowOutcome.CREATE), (3, RowOutcome.UPDATE), (4, RowOutcome.CREATE)]
    assert Client.objects.count() == 2
    college = Client.objects.get(country="ES")
    assert list(college.contacts.order_by("last_name").values_list("first_name", "last_name", "is_primary")) == [
        ("Núria", "Puig", True),
        ("Jordi", "Vilanova", False),
    ]
    assert Contact.objects.get(email="zhang@example.cn").position == "经理"


def test_a_row_that_matches_an_earlier_row_in_a_later_batch_updates_its_client(alice, monkeypatch):
    from clientela.exchange import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    rows = [HEADER] + [[f"Firma {n}", "", "CZ", "Brno", ""] for n in range(3)] + [["Firma 0", "", "CZ", "Ostrava", ""]]

    dry = run(alice, csv_file(rows), MAPPING, dry_run=True)
    real = run(alice, csv_file(rows), MAPPING)

    assert outcomes(dry)[-1] == (5, RowOutcome.UPDATE)
    assert dry.rows.get(number=5).messages == ["Updates the client that row 2 creates."]
    assert outcomes(real) == [(2, "create"), (3, "create"), (4, "create"), (5, "update")]
    assert Client.objects.get(name="Firma 0").billing_city == "Ostrava"
    assert Client.objects.count() == 3


def test_groups_named_in_a_column_are_matched_ignoring_case_or_made_once(alice, group):
    upload = csv_file(
        [
            ["Name", "Country", "Groups"],
            ["Alfa", "CZ", "wholesale; Nové"],
            ["Beta", "CZ", "NOVÉ"],
        ]
    )

    job = run(alice, upload, {"Name": "name", "Country": "country", "Groups": "groups"})

    assert outcomes(job) == [(2, "create"), (3, "create")]
    new = ClientGroup.objects.get(name="Nové")
    assert sorted(Client.objects.get(name="Alfa").groups.values_list("name", flat=True)) == ["Nové", "Wholesale"]
    assert list(Client.objects.get(name="Beta").groups.all()) == [new]
    assert ClientGroup.objects.count() == 2
    # The groups are in the first history entry too, so a restore brings them back.
    entry = Client.objects.get(name="Alfa").history_entries.get()
    assert sorted(m.clientgroup.name for m in entry.groups.all()) == ["Nové", "Wholesale"]
    assert job.groups_created == [new.pk]


def test_empty_cells_keep_or_clear_stored_values_as_chosen(alice, alice_client):
    upload_rows = [HEADER, ["Modrá Vlna s.r.o.", "27168352", "CZ", "", ""]]

    kept = run(alice, csv_file(upload_rows), MAPPING, empty_cells="keep")
    alice_client.refresh_from_db()
    assert (outcomes(kept), alice_client.billing_city, alice_client.phone) == (
        [(2, "unchanged")],
        "Brno",
        "+420601123456",
    )

    cleared = run(alice, csv_file(upload_rows), MAPPING, empty_cells="clear")
    alice_client.refresh_from_db()
    assert outcomes(cleared) == [(2, "update")]
    assert (alice_client.billing_city, alice_client.phone) == ("", "")


def test_all_or_nothing_imports_nothing_when_a_row_is_rejected_and_lists_it(alice, alice_client):
    upload = csv_file(
        [HEADER, ["Pekárna", "25596641", "CZ", "Olomouc", ""], ["Modrá Vlna s.r.o.", "27168352", "CZ", "Praha", "12"]]
    )

    job = run(alice, upload, MAPPING, all_or_nothing=True)

    assert job.status == ImportStatus.FAILED
    assert job.error == "Nothing was imported: 1 row was rejected and this import is all or nothing."
    assert outcomes(job) == [(3, RowOutcome.ERROR)]
    assert job.rows.get().messages[0].startswith("Phone: “12”")
    assert Client.objects.count() == 1
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Brno"


def test_an_import_matches_only_clients_the_importer_can_see(alice_client, dave):
    upload = csv_file([HEADER, ["Modrá Vlna s.r.o.", "27168352", "CZ", "Ostrava", ""]])

    job = run(dave, upload, MAPPING)

    assert outcomes(job) == [(2, RowOutcome.CREATE)]
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Brno"  # alice's client is not touched
    assert Client.objects.get(owner=dave).billing_city == "Ostrava"


def test_an_owner_column_gives_clients_to_the_team_only(alice, bob, dave):
    upload = csv_file([["Name", "Country", "Owner"], ["Alfa", "CZ", "bob"], ["Beta", "CZ", "dave"], ["Gama", "CZ", ""]])

    job = run(alice, upload, {"Name": "name", "Country": "country", "Owner": "owner"})

    assert outcomes(job) == [(2, "create"), (3, "error"), (4, "create")]
    assert job.rows.get(number=3).messages == [
        "Owner: “dave” is not you or anyone in your team (give a user name or e-mail)."
    ]
    assert dict(Client.objects.values_list("name", "owner__username")) == {"Alfa": "bob", "Gama": "alice"}


def test_custom_fields_are_filled_matched_and_checked(admin_user, alice):
    fs.field_create(
        actor=admin_user, record_type="client", name="crm_code", field_type=FieldType.TEXT, is_unique=True,
        labels={"en": "CRM code"}, subordinates_may_edit=True,
    )  # fmt: skip
    fs.field_create(
        actor=admin_user, record_type="client", name="tier", field_type=FieldType.CHOICE,
        labels={"en": "Tier", "cs": "Úroveň"}, subordinates_may_edit=True,
        options=[
            {"key": "gold", "labels": {"en": "Gold", "cs": "Zlatá"}}, {"key": "silver", "labels": {"en": "Silver"}},
        ],
    )  # fmt: skip
    existing = make_client(user=alice, name="Alfa", custom_fields={"crm_code": "A-1"})
    upload = csv_file(
        [
            ["Name", "Country", "Code", "Tier"],
            ["Alfa renamed", "CZ", "A-1", "Zlatá"],
            ["Beta", "CZ", "B-2", "silver"],
            ["Gama", "CZ", "C-3", "platinum"],
        ]
    )

    job = run(
        alice, upload, {"Name": "name", "Country": "country", "Code": "cf:crm_code", "Tier": "cf:tier"},
        match_keys=["cf:crm_code"],
    )  # fmt: skip

    assert outcomes(job) == [(2, "update"), (3, "create"), (4, "error")]
    existing.refresh_from_db()
    assert (existing.name, existing.custom_fields) == ("Alfa renamed", {"crm_code": "A-1", "tier": "gold"})
    assert Client.objects.get(name="Beta").custom_fields == {"crm_code": "B-2", "tier": "silver"}
    assert job.rows.get(number=4).messages == ["Tier: “platinum” is not one of the choices of “Tier”."]


def test_two_new_rows_with_one_unique_value_make_one_client_and_reject_the_other(admin_user, alice):
    fs.field_create(
        actor=admin_user, record_type="client", name="crm_code", field_type=FieldType.TEXT, is_unique=True,
        labels={"en": "CRM code"}, subordinates_may_edit=True,
    )  # fmt: skip
    upload = csv_file(
        [["Name", "Country", "Code"], ["Alfa", "CZ", "X-1"], ["Beta", "CZ", "X-1"], ["Gama", "CZ", "X-2"]]
    )

    job = run(alice, upload, {"Name": "name", "Country": "country", "Code": "cf:crm_code"}, match_keys=["tax_id"])

    # The unique index refuses the batch's insert; the rows are then taken one at a time.
    assert outcomes(job) == [(2, "create"), (3, "error"), (4, "create")]
    assert "CRM code" in job.rows.get(number=3).messages[0]
    assert sorted(Client.objects.values_list("name", flat=True)) == ["Alfa", "Gama"]


def test_a_client_whose_contact_is_refused_is_not_created(alice):
    upload = csv_file([["Name", "Country", "Contact e-mail"], ["Alfa", "CZ", "not-an-address"]])

    job = run(alice, upload, {"Name": "name", "Country": "country", "Contact e-mail": "contact_email"})

    assert outcomes(job) == [(2, "error")]
    assert not Client.objects.exists()
    assert not Contact.objects.exists()


def test_a_user_without_the_create_right_cannot_import(db):
    from clientela.accounts.models import BuiltinRole, Role

    reader = user_create(username="reader", password="x" * 12, role=Role.objects.get(builtin=BuiltinRole.READ_ONLY))

    with pytest.raises(PermissionDenied):
        services.import_upload(user=reader, file=csv_file([HEADER]), filename="clients.csv")

    assert not ImportJob.objects.exists()


def test_revert_removes_what_was_created_and_restores_what_was_updated(alice, alice_client):
    upload = csv_file(
        [
            ["Name", "IČO", "Country", "City", "Contact"],
            ["Pekárna", "25596641", "CZ", "Olomouc", "Jana Nováková"],
            ["Modrá Vlna s.r.o.", "27168352", "CZ", "Praha", "Petr Svoboda"],
        ]
    )
    job = run(
        alice, upload,
        {
            "Name": "name", "IČO": "registration_id", "Country": "country", "City": "billing_city",
            "Contact": "contact_name",
        },
    )  # fmt: skip
    assert outcomes(job) == [(2, "create"), (3, "update")]
    assert Contact.objects.count() == 2

    services.import_revert(job=job, user=alice)
    reverted = services.import_revert_execute(job.pk)

    assert reverted is not None and reverted.status == ImportStatus.REVERTED
    assert reverted.kept_count == 0
    assert list(Client.objects.values_list("name", flat=True)) == ["Modrá Vlna s.r.o."]
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Brno"
    assert not Contact.objects.exists()
    assert set(ImportRow.objects.filter(job=job).values_list("is_reverted", flat=True)) == {True}


def test_revert_keeps_and_lists_what_someone_changed_since(alice, alice_client):
    upload = csv_file(
        [HEADER, ["Pekárna", "25596641", "CZ", "Olomouc", ""], ["Modrá Vlna s.r.o.", "27168352", "CZ", "Praha", ""]]
    )
    job = run(alice, upload, MAPPING)
    bakery = Client.objects.get(registration_id="25596641")
    client_update(client=bakery, user=alice, version=bakery.version, values={"billing_city": "Prostějov"})

    services.import_revert(job=job, user=alice)
    reverted = services.import_revert_execute(job.pk)

    assert reverted.kept_count == 1
    assert job.rows.get(number=2).messages == ["Kept: changed since the import."]
    bakery.refresh_from_db()
    assert bakery.billing_city == "Prostějov"
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Brno"


def test_revert_is_refused_after_its_time_and_to_someone_else(alice, dave, settings):
    job = run(alice, csv_file([HEADER, ["Pekárna", "25596641", "CZ", "Olomouc", ""]]), MAPPING)

    with pytest.raises(PermissionDenied):
        services.import_revert(job=job, user=dave)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=73))
    job.refresh_from_db()
    with pytest.raises(DomainError, match="can no longer be reverted"):
        services.import_revert(job=job, user=alice)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Client.objects.filter(registration_id="25596641").exists()


def test_a_second_run_of_a_finished_import_is_refused(alice):
    job = run(alice, csv_file([HEADER, ["Pekárna", "25596641", "CZ", "Olomouc", ""]]), MAPPING)

    with pytest.raises(DomainError, match="already run"):
        services.import_start(job=job, user=alice, dry_run=False)

    assert Client.objects.count() == 1


def test_a_mapping_that_sends_two_columns_to_one_field_is_refused(alice):
    job = services.import_upload(user=alice, file=csv_file([HEADER]), filename="clients.csv")

    with pytest.raises(Exception) as raised:
        services.import_set_options(job=job, user=alice, mapping=["name", "name", "", "", ""], match_keys=["tax_id"])

    assert "“Název” and “IČO” both go to “Name”; choose one." in str(raised.value)
    job.refresh_from_db()
    assert job.mapping != ["name", "name", "", "", ""]


def test_saved_mappings_apply_by_header_in_any_case(alice):
    services.mapping_save(user=alice, name="From Raynet", headers=["NÁZEV", "IČO"], mapping=["name", "registration_id"])
    job = services.import_upload(user=alice, file=csv_file([HEADER]), filename="clients.csv")

    saved = selectors.mapping_list().get(name="From Raynet")
    job = services.import_apply_mapping(job=job, user=alice, mapping=saved)

    assert job.mapping[:2] == ["name", "registration_id"]


def test_a_registration_id_matches_only_within_its_country(alice, alice_client):
    # Czech and Slovak IČO are separate registers: the same eight digits are two companies.
    upload = csv_file([HEADER, ["Modrá Vlna Slovensko s.r.o.", "27168352", "SK", "Bratislava", ""]])

    job = run(alice, upload, MAPPING)

    assert outcomes(job) == [(2, RowOutcome.CREATE)]
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Brno"
    assert Client.objects.filter(registration_id="27168352").count() == 2


def test_name_and_country_match_companies_but_never_merge_two_people_of_one_name(alice):
    upload = csv_file(
        [
            ["Kind", "Name", "Country", "City"],
            ["Company", "Alfa s.r.o.", "CZ", "Brno"],
            ["Company", "Alfa s.r.o.", "CZ", "Zlín"],
            ["Individual", "Jan Novák", "CZ", "Brno"],
            ["Individual", "Jan Novák", "CZ", "Plzeň"],
        ]
    )

    job = run(alice, upload, {"Kind": "kind", "Name": "name", "Country": "country", "City": "billing_city"})

    assert outcomes(job) == [(2, "create"), (3, "update"), (4, "create"), (5, "create")]
    assert Client.objects.get(name="Alfa s.r.o.").billing_city == "Zlín"
    assert sorted(Client.objects.filter(name="Jan Novák").values_list("billing_city", flat=True)) == ["Brno", "Plzeň"]


def test_one_client_updated_by_two_rows_takes_both_changes(alice, alice_client):
    upload = csv_file(
        [
            HEADER,
            ["Modrá Vlna s.r.o.", "27168352", "CZ", "Praha", ""],
            ["Modrá Vlna s.r.o.", "27168352", "CZ", "Plzeň", ""],
        ]
    )

    job = run(alice, upload, MAPPING)

    assert outcomes(job) == [(2, "update"), (3, "update")]
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Plzeň"
    services.import_revert(job=job, user=alice)
    services.import_revert_execute(job.pk)
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Brno"
    assert job.rows.filter(is_reverted=True).count() == 2


def test_a_file_that_breaks_part_way_is_refused_with_the_row_before_anything_is_written(alice, monkeypatch):
    from clientela.exchange import importer, readers

    monkeypatch.setattr(readers, "_SAMPLE_BYTES", 2048)  # the detection sees only clean UTF-8 lines
    monkeypatch.setattr(importer, "BATCH_SIZE", 100)
    lines = ["Name,Country,City"] + [f"Firma {n},CZ,Brno" for n in range(250)]
    content = ("\r\n".join(lines) + "\r\n").encode("utf-8") + "Žluťoučký kůň,CZ,Plzeň\r\n".encode("cp1250")

    job = run(
        alice, SimpleUploadedFile("mixed.csv", content), {"Name": "name", "Country": "country", "City": "billing_city"}
    )

    # The worker reads the whole file (to count its rows) before the first batch: the broken row
    # stops the import before anything is written.
    assert job.status == ImportStatus.FAILED
    assert "252" in job.error and "utf-8" in job.error.lower()
    assert job.processed_rows == 0
    assert not Client.objects.exists()


def test_an_e_mail_matches_whatever_its_case(alice, alice_client):
    upload = csv_file([["Name", "Country", "E-mail", "City"], ["Modrá Vlna", "CZ", "INFO@ModraVlna.cz", "Jihlava"]])

    job = run(alice, upload, {"Name": "name", "Country": "country", "E-mail": "email", "City": "billing_city"},
              match_keys=["email"])  # fmt: skip

    assert outcomes(job) == [(2, "update")]
    alice_client.refresh_from_db()
    assert alice_client.billing_city == "Jihlava"
    assert Client.objects.count() == 1


VCARDS = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Modrá Vlna s.r.o.\r\nORG:Modrá Vlna s.r.o.\r\n"
    "EMAIL;TYPE=work:info@modravlna.cz\r\nADR;TYPE=work:;;Kounicova 684/12a;Brno;;602 00;Česko\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Dvořák;Jiří;;;\r\nFN:Jiří Dvořák\r\nORG:Modrá Vlna s.r.o.\r\n"
    "TITLE:Jednatel\r\nEMAIL;TYPE=INTERNET,WORK:jiri@modravlna.cz\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Țurcanu;Ștefan;;;\r\nFN:Ștefan Țurcanu\r\nEMAIL:stefan@example.ro\r\n"
    "ADR;TYPE=home:;;Str. Mihai Eminescu 5;Timișoara;;300011;România\r\nEND:VCARD\r\n"
)


def test_a_vcard_file_makes_the_organisation_once_its_people_contacts_and_a_lone_person_a_client(alice):
    upload = SimpleUploadedFile("contacts.vcf", VCARDS.encode("utf-8"), content_type="text/vcard")
    job = services.import_upload(user=alice, file=upload, filename=upload.name)
    services.import_set_options(job=job, user=alice, mapping=job.mapping, match_keys=["email", "name_country"])
    services.import_start(job=job, user=alice, dry_run=False, enqueue=False)

    job = services.import_execute(job.pk)

    assert outcomes(job) == [(1, "create"), (2, "update"), (3, "create")]
    company = Client.objects.get(name="Modrá Vlna s.r.o.")
    assert (company.kind, company.email, company.country, company.billing_city) == (
        "company", "info@modravlna.cz", "CZ", "Brno",
    )  # fmt: skip
    assert list(company.contacts.values_list("first_name", "last_name", "position", "email")) == [
        ("Jiří", "Dvořák", "Jednatel", "jiri@modravlna.cz")
    ]
    person = Client.objects.get(name="Ștefan Țurcanu")
    assert (person.kind, person.email, person.country, person.billing_city) == (
        "individual", "stefan@example.ro", "RO", "Timișoara",
    )  # fmt: skip
    assert not person.contacts.exists()


def test_the_worker_writes_each_rows_reasons_in_the_importers_language(alice):
    from clientela.accounts.services import user_set_language

    user_set_language(user=alice, language="cs")
    alice.refresh_from_db()

    job = run(alice, csv_file([HEADER, ["Bez čísla", "123", "CZ", "Brno", ""]]), MAPPING)

    assert job.rows.get().messages == ["IČO: „123“ není platné IČO pro zemi CZ."]
