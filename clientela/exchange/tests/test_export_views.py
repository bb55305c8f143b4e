"""The client list page's Export menu and /exchange/clients/export/: the list's filters, the ticks, who gets a file."""

import pytest
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone

from clientela.accounts.models import Action, Role
from clientela.clients.services import client_invalidate
from clientela.clients.tests.factories import make_client
from clientela.exchange.tests.test_exports import (
    FORMULA_NAME,
    by_header,
    custom_field,
    every_custom_type,
    parse_csv,
    read_xlsx,
)
from clientela.web.tests.test_browser import browser  # noqa: F401  (a fixture: Chromium, once for the module)

pytestmark = pytest.mark.django_db

URL = "/exchange/clients/export/"


def web(user) -> WebClient:
    visitor = WebClient()
    visitor.force_login(user)
    return visitor


def download(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content) if response.streaming else response.content


def names(response, **csv_options) -> list[str]:
    return [row["Name"] for row in by_header(parse_csv(download(response), **csv_options))]


def test_the_url_is_named():
    assert reverse("exchange:client_export") == URL


def test_a_csv_of_the_list_is_streamed_as_a_named_download(alice, alice_client):
    response = web(alice).get(URL)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="clients-{timezone.localdate().isoformat()}.csv"'
    assert response["Cache-Control"] == "private, no-store"
    data = download(response)
    assert data.startswith(b"\xef\xbb\xbfClientela id,")
    assert names(web(alice).get(URL)) == [alice_client.name]


def test_a_stranger_downloads_none_of_alices_clients(alice, dave, alice_client, bob_client):
    own = make_client(user=dave, name="Dave's Own Ltd", country="GB")

    assert names(web(dave).get(URL, {"show_invalid": "on"})) == [own.name]
    assert names(web(dave).get(URL, {"selected": [alice_client.pk], "scope": "selected"})) == []


def test_the_manager_downloads_the_team_and_the_subordinate_only_his_own(alice, bob, carol, alice_client, bob_client):
    assert sorted(names(web(carol).get(URL))) == sorted([alice_client.name, bob_client.name])
    assert names(web(bob).get(URL)) == [bob_client.name]


def test_a_role_without_export_gets_403_and_no_file(alice, alice_client):
    alice.role = Role.objects.create(name="Look only", actions=[Action.VIEW, Action.EDIT])
    alice.save()

    response = web(alice).get(URL, {"format": "xlsx"})
    asked_by_htmx = web(alice).get(URL, HTTP_HX_REQUEST="true")
    page = web(alice).get(reverse("clients:list"))

    assert response.status_code == 403
    assert "Content-Disposition" not in response
    assert "Your role does not allow this: Export." in response.content.decode()
    assert asked_by_htmx.status_code == 200
    assert "HX-Redirect" not in asked_by_htmx
    assert "Your role does not allow this: Export." in asked_by_htmx.content.decode()
    assert page.status_code == 200
    assert b'id="export-list"' not in page.content


def test_anonymous_visitors_are_sent_to_log_in(alice_client):
    response = WebClient().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_lists_filters_and_search_apply(alice, alice_client, bob_client, group):
    sk = make_client(user=alice, name="Modrá Hora a.s.", country="SK")

    assert sorted(names(web(alice).get(URL, {"q": "modra"}))) == sorted([sk.name, alice_client.name])
    assert names(web(alice).get(URL, {"country": "RO"})) == [bob_client.name]
    assert names(web(alice).get(URL, {"group": group.pk})) == [alice_client.name]
    assert names(web(alice).get(URL, {"sort": "-name"})) == [bob_client.name, alice_client.name, sk.name]


def test_invalid_clients_come_only_with_show_invalid(alice, alice_client, bob_client):
    client_invalidate(client=alice_client, user=alice)

    assert names(web(alice).get(URL)) == [bob_client.name]
    assert sorted(names(web(alice).get(URL, {"show_invalid": "on"}))) == sorted([alice_client.name, bob_client.name])


def test_custom_field_filters_apply(admin_user, alice):
    every_custom_type(admin_user)
    gold = make_client(user=alice, name="Zlatá s.r.o.", custom_fields={"tier": "tier2"})
    make_client(user=alice, name="Stříbrná s.r.o.", custom_fields={"tier": "tier1"})

    assert names(web(alice).get(URL, {"cf_tier": "tier2"})) == [gold.name]


def test_the_ticked_clients_are_exported_and_only_those_the_user_sees(alice, dave, alice_client, bob_client):
    strangers = make_client(user=dave, name="Not Yours Ltd", country="GB")
    make_client(user=alice, name="Not ticked s.r.o.")

    response = web(alice).get(
        URL, {"scope": "selected", "selected": [bob_client.pk, strangers.pk], "id": [alice_client.pk]}
    )

    assert names(response) == [alice_client.name, bob_client.name]


def test_export_the_list_ignores_ticks_sent_with_it(alice, alice_client, bob_client):
    response = web(alice).get(URL, {"scope": "list", "selected": [bob_client.pk]})

    assert sorted(names(response)) == sorted([alice_client.name, bob_client.name])


def test_export_the_ticked_with_nothing_ticked_is_refused_not_the_whole_list(alice, alice_client):
    plain = web(alice).get(URL, {"scope": "selected"})
    htmx = web(alice).get(URL, {"scope": "selected"}, HTTP_HX_REQUEST="true")

    assert plain.status_code == 400
    assert "Content-Disposition" not in plain
    assert "Tick the clients to export first." in plain.content.decode()
    assert htmx.status_code == 200
    assert htmx.content.decode() == '<p class="alert error" role="alert">Tick the clients to export first.</p>'


def test_bad_options_are_refused(alice, alice_client):
    for query in ({"format": "pdf"}, {"encoding": "latin-9"}, {"delimiter": "|"}, {"selected": "x"}):
        response = web(alice).get(URL, query)
        assert response.status_code == 400, query
        assert "Content-Disposition" not in response


def test_htmx_asks_first_and_is_sent_to_the_download(alice, alice_client):
    query = "?q=modra&format=csv&encoding=cp1250&delimiter=%3B&scope=list"

    response = web(alice).get(URL + query, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == URL + query
    assert names(web(alice).get(response["HX-Redirect"]), encoding="cp1250", delimiter=";") == [alice_client.name]


def test_a_header_the_encoding_cannot_hold_is_refused_before_the_download(admin_user, alice, alice_client):
    custom_field(admin_user, "region", labels={"en": "地区"})

    response = web(alice).get(URL, {"encoding": "iso-8859-2"}, HTTP_HX_REQUEST="true")

    assert "HX-Redirect" not in response
    assert "The column “地区” cannot be written in iso-8859-2." in response.content.decode()


def test_the_encoding_and_delimiter_are_the_ones_chosen(alice):
    make_client(user=alice, name="Příliš žluťoučký kůň")

    response = web(alice).get(URL, {"encoding": "cp1250", "delimiter": ";"})

    assert response["Content-Type"] == "text/csv; charset=windows-1250"
    data = download(response)
    assert "Příliš žluťoučký kůň".encode("cp1250") in data
    assert data.startswith(b"Clientela id;Kind;Name;")
    tabbed = download(web(alice).get(URL, {"delimiter": "tab", "encoding": "utf-16"}))
    assert tabbed.startswith("\ufeffClientela id\tKind\tName\t".encode("utf-16-le"))


def test_xlsx_and_vcard_downloads(alice, alice_client):
    make_client(user=alice, name=FORMULA_NAME)

    xlsx = web(alice).get(URL, {"format": "xlsx"})
    vcf = web(alice).get(URL, {"format": "vcf", "version": "4.0"})

    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = read_xlsx(download(xlsx))
    assert [row[2].value for row in sheet.iter_rows(min_row=2)] == [FORMULA_NAME, alice_client.name]
    assert vcf["Content-Type"] == "text/vcard; charset=utf-8"
    text = download(vcf).decode()
    assert text.count("BEGIN:VCARD") == 2
    assert "VERSION:4.0" in text


def test_the_lists_columns_are_its_own_plus_the_custom_ones_chosen_on_the_page(admin_user, alice, alice_client):
    every_custom_type(admin_user)
    visitor = web(alice)
    visitor.get(reverse("clients:list"), {"columns": ["tier"], "columns_set": "1"})  # chosen on the page

    chosen_now = parse_csv(download(visitor.get(URL, {"column_set": "shown", "columns": ["vip"], "columns_set": "1"})))
    remembered = parse_csv(download(visitor.get(URL, {"column_set": "shown"})))

    list_columns = ["Clientela id", "Name", "Kind", "Registration id", "Tax id", "VAT id", "Country", "E-mail", "Phone"]
    assert chosen_now[0] == [*list_columns, "Owner", "Groups", "Vip"]
    assert remembered[0] == [*list_columns, "Owner", "Groups", "Tier"]  # the export changed nothing the page keeps
    assert chosen_now[1][:3] == [str(alice_client.pk), alice_client.name, "Company"]


def test_the_list_page_offers_the_export_menu_with_its_filters(alice, alice_client):
    page = web(alice).get(reverse("clients:list"), {"q": "modrá", "country": "CZ", "after": "abc"}).content.decode()

    assert 'id="client-filters"' in page
    assert f'action="{URL}"' in page
    assert f'hx-get="{URL}" hx-include="#export-form, #client-filters"' in page
    assert 'hx-include="#export-form, #client-filters, input[name=selected][form=bulk-form]"' in page
    # Without JavaScript the form carries the page's filters itself (not its page cursor).
    noscript = page[page.index("<noscript><input") : page.index("</noscript>", page.index("<noscript><input"))]
    assert '<input type="hidden" name="q" value="modrá">' in noscript
    assert '<input type="hidden" name="country" value="CZ">' in noscript
    assert 'name="after"' not in noscript
    for value in ("csv", "xlsx", "vcf", "utf-8-sig", "gb18030", "cp1250", "iso-8859-2", "cp1252", ";", "tab"):
        assert f'<option value="{value}"' in page


# In the browser ----------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_export_menu_downloads_the_list_as_filtered_now_and_the_ticked_clients(
    settings,
    browser,  # noqa: F811  (the fixture imported above)
    live_server,
):
    from playwright.sync_api import expect

    from clientela.clients.services import client_create
    from clientela.web.tests.test_browser import PASSWORD, client_rows, log_in

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from clientela.accounts.services import user_create

    owner = user_create(username="eva", password=PASSWORD, first_name="Eva", last_name="Svobodová")
    for name, country in (("Alfa s.r.o.", "CZ"), ("Beta a.s.", "SK"), ("Gama spol. s r.o.", "CZ")):
        client_create(user=owner, values={"name": name, "country": country})
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 800}, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, "eva")
        page.goto("/clients/")
        page.select_option("#id_country", "CZ")  # the list changes in place (htmx), the page is not reloaded
        expect(client_rows(page)).to_have_count(2)
        page.click("#export-list summary")
        page.select_option("#export-delimiter", "tab")

        with page.expect_download() as listed:
            page.click("#export-list-button")
        page.click("#export-selected-button")
        expect(page.locator("#export-messages")).to_have_text("Tick the clients to export first.")
        client_rows(page).nth(1).locator("input[name=selected]").check()
        page.select_option("#export-format", "xlsx")
        with page.expect_download() as ticked:
            page.click("#export-selected-button")

        assert listed.value.suggested_filename.endswith(".csv")
        table = parse_csv(open(listed.value.path(), "rb").read(), delimiter="\t")  # noqa: SIM115
        assert [row["Name"] for row in by_header(table)] == ["Alfa s.r.o.", "Gama spol. s r.o."]
        sheet = read_xlsx(open(ticked.value.path(), "rb").read())  # noqa: SIM115
        assert [row[2].value for row in sheet.iter_rows(min_row=2)] == ["Gama spol. s r.o."]
        expect(page.locator("#export-messages")).to_be_empty()
    finally:
        context.close()
