"""The export buttons of the client page and the API's file answers: who gets the file, and how it is named."""

from urllib.parse import quote

import pytest
import vobject
from django.test import Client as WebClient
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clientela.accounts.models import Action, Role
from clientela.accounts.services import share_create
from clientela.clients.services import client_invalidate
from clientela.clients.tests.factories import make_client

SEE = ["alice", "carol", "admin_user"]  # the owner, her manager, an admin
NOT_SEE = ["bob", "dave"]  # her subordinate, a stranger


def web(user) -> WebClient:
    browser = WebClient()
    browser.force_login(user)
    return browser


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _web_pdf(pk: int) -> str:
    return reverse("exchange:client_pdf", args=[pk])


def _web_vcard(pk: int, version: str = "3.0") -> str:
    return reverse("exchange:client_vcard", args=[pk]) + f"?version={version}"


def _api_url(pk: int, kind: str) -> str:
    return f"/api/v1/clients/{pk}/{kind}/"


@pytest.mark.parametrize("actor", SEE)
def test_those_who_see_a_client_download_its_pdf_and_vcards_from_the_page(request, actor, alice_client):
    browser = web(request.getfixturevalue(actor))

    pdf = browser.get(_web_pdf(alice_client.pk))
    vcard3 = browser.get(_web_vcard(alice_client.pk, "3.0"))
    vcard4 = browser.get(_web_vcard(alice_client.pk, "4.0"))

    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert (vcard3.status_code, vcard3["Content-Type"]) == (200, "text/vcard; charset=utf-8")
    assert [card.version.value for card in vobject.readComponents(vcard3.content.decode())] == ["3.0"]
    assert [card.version.value for card in vobject.readComponents(vcard4.content.decode())] == ["4.0"]


@pytest.mark.parametrize("actor", NOT_SEE)
def test_others_get_not_found_from_the_page_exports(request, actor, alice_client):
    browser = web(request.getfixturevalue(actor))

    assert browser.get(_web_pdf(alice_client.pk)).status_code == 404
    assert browser.get(_web_vcard(alice_client.pk)).status_code == 404
    assert browser.get(_web_vcard(alice_client.pk, "4.0")).status_code == 404


@pytest.mark.parametrize("actor", SEE)
def test_those_who_see_a_client_download_its_files_over_the_api(request, actor, alice_client):
    caller = api(request.getfixturevalue(actor))

    pdf = caller.get(_api_url(alice_client.pk, "pdf"))
    vcard3 = caller.get(_api_url(alice_client.pk, "vcard"))
    vcard4 = caller.get(_api_url(alice_client.pk, "vcard"), {"version": "4.0"})

    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert (vcard3.status_code, vcard3["Content-Type"]) == (200, "text/vcard; charset=utf-8")
    assert [card.fn.value for card in vobject.readComponents(vcard3.content.decode())] == ["Modrá Vlna s.r.o."]
    assert [card.kind.value for card in vobject.readComponents(vcard4.content.decode())] == ["org"]


@pytest.mark.parametrize("actor", NOT_SEE)
def test_others_get_not_found_from_the_api_exports(request, actor, alice_client):
    caller = api(request.getfixturevalue(actor))

    for kind in ("pdf", "vcard"):
        response = caller.get(_api_url(alice_client.pk, kind))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"] == "No such client."


def test_a_not_found_answer_is_json_even_when_the_caller_asks_for_a_pdf(dave, alice_client):
    response = api(dave).get(_api_url(alice_client.pk, "pdf"), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "No such client."


def test_a_caller_asking_for_a_pdf_by_accept_gets_it(alice, alice_client):
    response = api(alice).get(_api_url(alice_client.pk, "pdf"), HTTP_ACCEPT="application/pdf")

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


def test_an_unknown_vcard_version_is_a_bad_request(alice, alice_client):
    over_api = api(alice).get(_api_url(alice_client.pk, "vcard"), {"version": "2.1"})
    on_page = web(alice).get(_web_vcard(alice_client.pk, "2.1"))

    assert over_api.status_code == 400
    assert list(over_api.json()) == ["version"]
    assert on_page.status_code == 400


def test_anonymous_callers_get_no_file(alice_client):
    assert WebClient().get(_web_pdf(alice_client.pk)).status_code == 302
    assert APIClient().get(_api_url(alice_client.pk, "pdf")).status_code == 401
    assert APIClient().get(_api_url(alice_client.pk, "vcard")).status_code == 401


def test_an_invalidated_client_is_still_exported_for_those_who_see_it(alice, carol, admin_user, dave, alice_client):
    client_invalidate(client=alice_client, user=alice)

    for user in (alice, carol, admin_user):
        assert web(user).get(_web_pdf(alice_client.pk)).status_code == 200
        assert web(user).get(_web_vcard(alice_client.pk)).status_code == 200
        assert api(user).get(_api_url(alice_client.pk, "pdf")).status_code == 200
        assert api(user).get(_api_url(alice_client.pk, "vcard")).status_code == 200
    assert web(dave).get(_web_pdf(alice_client.pk)).status_code == 404
    assert api(dave).get(_api_url(alice_client.pk, "vcard")).status_code == 404


def test_files_are_named_after_the_client_with_an_ascii_fallback(alice, alice_client):
    pdf = web(alice).get(_web_pdf(alice_client.pk))
    vcard = api(alice).get(_api_url(alice_client.pk, "vcard"))

    assert pdf["Content-Disposition"] == (
        "attachment; filename=\"Modra Vlna s.r.o.pdf\"; filename*=UTF-8''Modr%C3%A1%20Vlna%20s.r.o.pdf"
    )
    assert vcard["Content-Disposition"] == (
        "attachment; filename=\"Modra Vlna s.r.o.vcf\"; filename*=UTF-8''Modr%C3%A1%20Vlna%20s.r.o.vcf"
    )
    assert pdf["Cache-Control"] == "private, no-store"


def test_a_chinese_name_falls_back_to_the_client_id_in_ascii(alice):
    client = make_client(user=alice, name="蓝色波浪贸易有限公司", country="CN")

    response = web(alice).get(_web_vcard(client.pk))

    assert response["Content-Disposition"] == (
        f"attachment; filename=\"client-{client.pk}.vcf\"; filename*=UTF-8''{quote('蓝色波浪贸易有限公司.vcf')}"
    )


def test_an_ascii_name_needs_no_encoded_filename(alice):
    client = make_client(user=alice, name='Acme "Tools": A/B Ltd', country="GB")

    response = web(alice).get(_web_vcard(client.pk))

    assert response["Content-Disposition"] == 'attachment; filename="Acme Tools A B Ltd.vcf"'


def test_the_client_page_offers_the_three_exports(alice, alice_client):
    page = web(alice).get(reverse("clients:detail", args=[alice_client.pk])).content.decode()

    assert f'href="{_web_pdf(alice_client.pk)}"' in page
    assert f'href="{_web_vcard(alice_client.pk, "3.0")}"' in page
    assert f'href="{_web_vcard(alice_client.pk, "4.0")}"' in page


def test_a_role_without_export_gets_no_file_and_no_export_menu(alice, alice_client):
    alice.role = Role.objects.create(name="Look only", actions=[Action.VIEW, Action.EDIT])
    alice.save()

    assert web(alice).get(_web_pdf(alice_client.pk)).status_code == 403
    assert web(alice).get(_web_vcard(alice_client.pk)).status_code == 403
    refused = api(alice).get(_api_url(alice_client.pk, "pdf"))
    assert refused.status_code == 403
    assert "Export" in refused.json()["detail"]
    page = web(alice).get(reverse("clients:detail", args=[alice_client.pk]))
    assert page.status_code == 200
    assert b'id="export-client"' not in page.content


def test_a_client_shared_to_read_can_be_exported_by_whom_it_is_shared_with(alice, dave, alice_client):
    share_create(actor=alice, record=alice_client, user=dave, access="read")

    response = web(dave).get(_web_pdf(alice_client.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
