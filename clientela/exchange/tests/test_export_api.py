"""GET /api/v1/clients/export/: the list endpoint's filters, token and session auth, the schema."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clientela.accounts.models import Action, Role
from clientela.clients.services import client_invalidate
from clientela.clients.tests.factories import make_client
from clientela.exchange.tests.test_exports import by_header, custom_field, parse_csv, read_xlsx
from clientela.exchange.tests.test_views import api

pytestmark = pytest.mark.django_db

URL = "/api/v1/clients/export/"


def download(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content) if response.streaming else response.content


def names(response, **csv_options) -> list[str]:
    return [row["Name"] for row in by_header(parse_csv(download(response), **csv_options))]


def test_the_route_wins_over_the_clients_detail_route():
    assert reverse("api:client-export") == URL


def test_a_token_downloads_the_csv_of_the_list(alice, alice_client, bob_client):
    response = api(alice).get(URL, {"format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    assert sorted(names(response)) == sorted([alice_client.name, bob_client.name])


def test_a_session_downloads_it_too(alice, alice_client):
    browser = APIClient()
    browser.force_login(alice)

    assert names(browser.get(URL)) == [alice_client.name]


def test_the_list_filters_apply(alice, alice_client, bob_client):
    sk = make_client(user=alice, name="Modrá Hora a.s.", country="SK")

    assert sorted(names(api(alice).get(URL, {"search": "modra"}))) == sorted([sk.name, alice_client.name])
    assert names(api(alice).get(URL, {"country": "RO"})) == [bob_client.name]
    assert names(api(alice).get(URL, {"country": "SK", "search": "modra"})) == [sk.name]
    assert names(api(alice).get(URL, {"ordering": "-name"})) == [bob_client.name, alice_client.name, sk.name]


def test_status_and_custom_field_filters_apply(admin_user, alice, alice_client, bob_client):
    custom_field(admin_user, "code")
    coded = make_client(user=alice, name="Kódovaná s.r.o.", custom_fields={"code": "K-77"})
    client_invalidate(client=alice_client, user=alice)

    assert sorted(names(api(alice).get(URL))) == sorted([coded.name, bob_client.name])
    assert names(api(alice).get(URL, {"status": "invalid"})) == [alice_client.name]
    assert names(api(alice).get(URL, {"cf_code__contains": "77"})) == [coded.name]


def test_a_stranger_gets_none_of_alices_clients(alice, dave, alice_client):
    own = make_client(user=dave, name="Dave's Own Ltd", country="GB")

    assert names(api(dave).get(URL, {"status": "all"})) == [own.name]
    assert names(api(dave).get(URL, {"id": [alice_client.pk, own.pk]})) == [own.name]


def test_ids_export_those_clients_only(alice, alice_client, bob_client):
    make_client(user=alice, name="Not asked for s.r.o.")

    response = api(alice).get(f"{URL}?id={bob_client.pk}&id={alice_client.pk}")

    assert names(response) == [alice_client.name, bob_client.name]


def test_xlsx_and_vcard(alice, alice_client):
    xlsx = api(alice).get(URL, {"format": "xlsx", "column_set": "shown"})
    vcf = api(alice).get(URL, {"format": "vcf"})

    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = read_xlsx(download(xlsx))
    assert [cell.value for cell in sheet[1]] == [
        "Clientela id", "Name", "Kind", "Registration id", "Tax id", "VAT id", "Country", "E-mail", "Phone", "Owner",
        "Groups",
    ]  # fmt: skip
    assert [cell.value for cell in sheet[2]][:3] == [str(alice_client.pk), alice_client.name, "Company"]
    assert vcf["Content-Type"] == "text/vcard; charset=utf-8"
    assert download(vcf).decode().count("BEGIN:VCARD") == 1


def test_encoding_and_delimiter(alice):
    make_client(user=alice, name="Příliš žluťoučký kůň")

    response = api(alice).get(URL, {"encoding": "iso-8859-2", "delimiter": ";"})

    assert response["Content-Type"] == "text/csv; charset=iso-8859-2"
    assert names(response, encoding="iso-8859-2", delimiter=";") == ["Příliš žluťoučký kůň"]


def test_bad_parameters_are_a_json_400_naming_them(alice, alice_client):
    response = api(alice).get(URL, {"format": "pdf", "encoding": "latin-9", "delimiter": "|", "id": "x"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert sorted(response.json()) == ["delimiter", "encoding", "format", "id"]
    assert api(alice).get(URL, {"status": "gone"}).json() == {"status": ['"gone" is not a valid choice.']}


def test_a_header_the_encoding_cannot_hold_is_a_400_before_any_byte(admin_user, alice, alice_client):
    custom_field(admin_user, "region", labels={"en": "地区"})

    response = api(alice).get(URL, {"encoding": "cp1252"})

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "The column “地区” cannot be written in windows-1252. Choose UTF-8 (with BOM for Excel), "
            "or an encoding for this language."
        ]
    }


def test_a_role_without_export_gets_403_json_and_no_file(alice, alice_client):
    alice.role = Role.objects.create(name="Look only", actions=[Action.VIEW, Action.EDIT])
    alice.save()

    response = api(alice).get(URL, {"format": "xlsx"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Your role does not allow this: Export. Ask an administrator.",
        "code": "permission_denied",
    }


def test_anonymous_callers_get_401(alice_client):
    response = APIClient().get(URL, {"format": "csv"})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_the_schema_describes_the_export(admin_user):
    browser = APIClient()
    browser.force_login(admin_user)

    schema = browser.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/clients/export/"]["get"]
    assert operation["operationId"] == "clients_export"
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/vcard",
    }
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"format", "encoding", "delimiter", "column_set", "version", "id"} <= parameters
    assert {"search", "status", "kind", "country", "group", "owner", "ordering"} <= parameters
    assert {"400", "403"} <= set(operation["responses"])
