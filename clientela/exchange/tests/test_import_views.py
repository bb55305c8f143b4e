"""The import wizard as a browser uses it, the API and the command, with the real worker (db_worker) running
each pass.

The worker closes stale connections between tasks, which only works outside a test transaction,
hence ``transaction=True`` (as in clientela/clients/tests/test_duplicate_scans.py).
"""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from clientela.clients.models import Client
from clientela.clients.tests.test_api import api
from clientela.clients.tests.test_duplicate_scans import run_worker
from clientela.clients.tests.test_views import as_user, htmx
from clientela.exchange.models import ImportJob, ImportStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def view_test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def semicolon_csv() -> bytes:
    """As Czech Excel saves "CSV (oddělený středníkem)": cp1250, semicolons, CRLF, a title above the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(
        [
            ["Seznam odběratelů – export 2026", "", "", ""],
            ["", "", "", ""],
            ["Název firmy", "IČO", "Země", "Město"],
            ["Pekárna U Zlatého klasu s.r.o.", "25596641", "CZ", "Olomouc"],
            ["Modrá Vlna s.r.o.", "27168352", "Česká republika", "Praha; Karlín"],
            ["Žluťoučký kůň a.s.", "123", "CZ", "Brno"],
        ]
    )
    return buffer.getvalue().encode("cp1250")


def upload(client, content: bytes, name: str = "odberatele.csv"):
    return client.post(reverse("exchange:import_list"), {"file": SimpleUploadedFile(name, content)})


def test_the_wizard_reads_suggests_dry_runs_in_the_worker_then_imports(client, alice, alice_client):
    as_user(client, alice)

    response = upload(client, semicolon_csv())
    job = ImportJob.objects.get()
    assertRedirects(response, reverse("exchange:import_detail", args=[job.pk]))
    page = client.get(reverse("exchange:import_detail", args=[job.pk]))

    # Read as it was written, with the title rows above the header skipped and the columns suggested.
    assert (job.encoding, job.delimiter, job.header_row) == ("cp1250", ";", 2)
    assert job.headers == ["Název firmy", "IČO", "Země", "Město"]
    assert job.mapping == ["name", "registration_id", "country", "billing_city"]
    assertContains(page, "Žluťoučký kůň a.s.")
    assertContains(page, '<option value="registration_id" selected>')

    form = {f"column_{i}": key for i, key in enumerate(job.mapping)}
    form.update({"match_keys": ["registration_id"], "mode": "upsert", "empty_cells": "keep", "action": "dry_run"})
    response = client.post(reverse("exchange:import_start", args=[job.pk]), form)
    assertRedirects(response, reverse("exchange:import_detail", args=[job.pk]), fetch_redirect_response=False)
    waiting = client.get(reverse("exchange:import_detail", args=[job.pk]))
    assertContains(waiting, "Waiting for the background worker.")
    assertContains(waiting, f'hx-get="/exchange/imports/{job.pk}/progress/"')

    run_worker()
    checked = client.get(reverse("exchange:import_detail", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.created_count, job.updated_count, job.rejected_count) == (ImportStatus.CHECKED, 1, 1, 1)
    assertContains(checked, "Dry run: what the import would do")
    assertContains(checked, "<del>Brno</del> → <ins>Praha; Karlín</ins>", html=False)
    assertContains(checked, "is not a valid company registration id for CZ.")
    assert Client.objects.count() == 1  # the dry run changed nothing

    client.post(reverse("exchange:import_run", args=[job.pk]))
    run_worker()
    done = client.get(reverse("exchange:import_detail", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert sorted(Client.objects.values_list("name", flat=True)) == [
        "Modrá Vlna s.r.o.",
        "Pekárna U Zlatého klasu s.r.o.",
    ]
    assertContains(done, "Revert this import…")
    assertContains(done, "Download the rejected rows to fix them")

    rejected = client.get(reverse("exchange:import_rejected", args=[job.pk]))
    text = b"".join(rejected.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffNázev firmy;IČO;Země;Město;Why it was rejected\r\n")
    assert "Žluťoučký kůň a.s.;123;CZ;Brno;Registration id:" in text
    assert "Pekárna" not in text


def test_the_progress_fragment_asks_for_a_reload_once_the_pass_ends(client, alice):
    as_user(client, alice)
    upload(client, semicolon_csv())
    job = ImportJob.objects.get()
    form = {f"column_{i}": key for i, key in enumerate(job.mapping)}
    form.update({"match_keys": ["registration_id"], "mode": "upsert", "empty_cells": "keep", "action": "run"})
    client.post(reverse("exchange:import_start", args=[job.pk]), form)

    pending = client.get(reverse("exchange:import_progress", args=[job.pk]), **htmx("import-progress"))
    run_worker()
    ended = client.get(reverse("exchange:import_progress", args=[job.pk]), **htmx("import-progress"))

    assert "HX-Refresh" not in pending
    assert ended["HX-Refresh"] == "true"


def test_a_file_that_is_not_a_table_is_refused_on_upload_and_nothing_is_kept(client, alice, settings):
    as_user(client, alice)

    response = upload(client, b"%PDF-1.7\n" + bytes(range(256)) * 20, name="clients.csv")

    assert response.status_code == 400
    assert ImportJob.objects.count() == 0
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.csv")) if Path(settings.MEDIA_ROOT).exists() else True


def test_someone_elses_import_is_not_found(client, alice, dave):
    as_user(client, alice)
    upload(client, semicolon_csv())
    job = ImportJob.objects.get()
    as_user(client, dave)

    assert client.get(reverse("exchange:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("exchange:import_revert", args=[job.pk])).status_code == 404
    assertNotContains(client.get(reverse("exchange:import_list")), "odberatele.csv")


def xlsx_with_title() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户名单"])
    sheet.append([])
    sheet.append(["公司名称", "统一社会信用代码", "国家", "城市", "联系人"])
    sheet.append(["北京科技有限公司", "91110000600037341L", "CN", "北京", "张伟"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_api_uploads_runs_reports_rows_and_reverts(alice):
    caller = api(alice)

    response = caller.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("客户.xlsx", xlsx_with_title()), "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["status"], body["headers"]) == ("queued", ["公司名称", "统一社会信用代码", "国家", "城市", "联系人"])
    assert body["mapping"] == ["name", "tax_id", "country", "billing_city", "contact_name"]

    run_worker()
    progress = caller.get(f"/api/v1/imports/{body['id']}/").json()
    rows = caller.get(f"/api/v1/imports/{body['id']}/rows/").json()

    assert (progress["status"], progress["progress"], progress["created_count"]) == ("done", 100, 1)
    assert [(r["number"], r["outcome"]) for r in rows["results"]] == [(4, "create")]
    client = Client.objects.get()
    assert (client.name, client.tax_id, client.billing_city) == ("北京科技有限公司", "91110000600037341L", "北京")
    assert client.contacts.get().last_name == "张伟"

    reverted = caller.post(f"/api/v1/imports/{body['id']}/revert/")
    run_worker()

    assert reverted.status_code == 202
    assert caller.get(f"/api/v1/imports/{body['id']}/").json()["status"] == "reverted"
    assert not Client.objects.exists()


def test_the_api_refuses_a_mapping_to_an_unknown_field_and_keeps_nothing(alice):
    response = api(alice).post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.csv", b"Name,Country\r\nAlfa,CZ\r\n"), "mapping": '{"Name": "nickname"}'},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"mapping": ["“Name”: there is no field “nickname”."]}
    assert not ImportJob.objects.exists()


def test_the_api_lists_only_the_callers_imports(alice, dave):
    api(alice).post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("a.csv", b"Name,Country\r\nAlfa,CZ\r\n")}, format="multipart"
    )

    assert api(dave).get("/api/v1/imports/").json() == []
    assert len(api(alice).get("/api/v1/imports/").json()) == 1


def test_the_command_suggests_the_mapping_dry_runs_and_imports(alice, tmp_path, capsys):
    path = tmp_path / "migrace.csv"
    path.write_bytes(semicolon_csv())

    call_command("import_clients", str(path), "--user", "alice", "--dry-run")
    dry = capsys.readouterr().out
    assert Client.objects.count() == 0
    call_command("import_clients", str(path), "--user", "alice")
    real = capsys.readouterr().out

    assert "  Název firmy → Name" in dry
    assert "  IČO → Registration id" in dry
    assert "2 would be created, 0 would be updated, 0 unchanged, 0 skipped, 1 rejected." in dry
    assert "2 created, 0 updated, 0 unchanged, 0 skipped, 1 rejected." in real
    assert "  row 6: Registration id:" in real
    assert Client.objects.count() == 2


def test_the_command_refuses_an_unknown_user_and_a_missing_file(alice, tmp_path):
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        call_command("import_clients", str(tmp_path / "x.csv"), "--user", "nobody")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_clients", str(tmp_path / "x.csv"), "--user", "alice")
