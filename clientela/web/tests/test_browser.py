"""The whole path a user walks, in the real Chromium: Playwright drives Debian's /usr/bin/chromium."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from clientela.accounts.services import user_create
from clientela.clients.models import Client, ClientGroup, ClientStatus
from clientela.clients.services import client_create, client_update

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a long browser test password"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # A missing browser fails the test: it is part of the set-up (`apt-get install chromium`), not optional.
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests.")
    # Playwright's sync API keeps an event loop running in this thread; the test's own database calls
    # are ordinary synchronous ones, which Django refuses next to a running loop unless told otherwise.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def client_rows(page: Page):
    return page.locator("#client-results tbody tr")


def test_a_user_creates_a_czech_client_in_a_new_group_finds_it_and_invalidates_it(page: Page, live_server):
    user_create(username="eva", password=PASSWORD, first_name="Eva", last_name="Svobodová")

    # Log in.
    page.goto("/login/")
    page.fill("[name=username]", "eva")
    page.fill("[name=password]", PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(f"{live_server.url}/clients/")

    # Switch the interface to Czech: the switcher submits itself on change.
    page.select_option("#language-select", "cs")
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    expect(page.locator("#language-select")).to_have_value("cs")

    # Create a group.
    page.goto("/clients/groups/")
    page.click("#new-group")
    page.fill("#id_name", "Velkoobchod")
    page.fill("#id_description", "Nákup po paletách")
    page.click("#save-group")
    expect(page.locator("#group-results")).to_contain_text("Velkoobchod")

    # Create a Czech company with a Czech IČO, in that group.
    page.goto("/clients/")
    page.click("#new-client")
    page.check("[name=kind][value=company]")
    page.fill("#id_name", "Modrá Vlna s.r.o.")
    page.select_option("#id_country", "CZ")
    page.fill("#id_registration_id", "271 68 352")
    page.fill("#id_phone", "601 123 456")
    page.fill("#id_billing_street", "Kounicova 684/12a")
    page.fill("#id_billing_city", "Brno")
    page.select_option("#id_language", "cs")  # (the top bar's switcher is a "language" too)
    expect(page.locator("#id_shipping_street")).to_be_hidden()  # "same as billing" is on
    page.get_by_label("Velkoobchod").check()
    page.click("#save-client")

    expect(page.locator("h1")).to_contain_text("Modrá Vlna s.r.o.")
    expect(page.locator(".side-panel").first).to_contain_text("27168352")
    expect(page.locator(".side-panel").first).to_contain_text("+420 601 123 456")
    expect(page.locator(".side-panel").first).to_contain_text("Velkoobchod")
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    created = Client.objects.get()
    assert (created.registration_id, created.country, created.currency) == ("27168352", "CZ", "CZK")
    assert list(created.groups.values_list("name", flat=True)) == ["Velkoobchod"]

    # Find it by live search (htmx swaps only the results).
    page.goto("/clients/")
    page.fill("#id_q", "27168352")
    expect(client_rows(page)).to_have_count(1)
    expect(client_rows(page).first).to_contain_text("Modrá Vlna s.r.o.")
    page.fill("#id_q", "modra vlna")
    expect(page).to_have_url(re.compile(r"/clients/\?q=modra(%20|\+)vlna&"))  # the search is in the address
    expect(client_rows(page)).to_have_count(1)

    # Open it and invalidate it.
    client_rows(page).first.locator("a.row-link").click()
    page.click("#invalidate-client")
    expect(page.locator("#client-status")).to_have_class(re.compile(r"\bbadge-invalid\b"))
    expect(page.locator("#restore-client")).to_be_visible()
    assert Client.objects.get().status == ClientStatus.INVALID

    # It vanishes from the list and from search; "show invalid too" brings it back.
    page.goto("/clients/")
    expect(page.locator("#client-results")).not_to_contain_text("Modrá Vlna")
    page.fill("#id_q", "modra")
    expect(page).to_have_url(re.compile(r"/clients/\?q=modra&"))
    expect(client_rows(page)).to_have_count(0)
    page.check("[name=show_invalid]")
    expect(client_rows(page)).to_have_count(1)
    expect(client_rows(page).first).to_contain_text("Modrá Vlna s.r.o.")
    assert ClientGroup.objects.get().clients.count() == 1


def test_tabs_load_in_place_and_restoring_a_version_asks_first(page: Page, live_server):
    user = user_create(username="eva", password=PASSWORD, first_name="Eva", last_name="Svobodová")
    created = client_create(user=user, values={"name": "Modrá Vlna s.r.o.", "country": "CZ"})
    client_update(client=created, user=user, version=1, values={"name": "Renamed a.s."})
    page.goto("/login/")
    page.fill("[name=username]", "eva")
    page.fill("[name=password]", PASSWORD)
    page.click("#login-submit")
    page.goto(f"/clients/{created.pk}/")
    page.evaluate("window.loadedOnce = true")  # survives only if the tabs swap without a page load

    page.click("#tab-history")
    expect(page).to_have_url(f"{live_server.url}/clients/{created.pk}/history/")
    expect(page.locator("#tab-history")).to_have_attribute("aria-current", "page")
    expect(page.locator(".history-entry")).to_have_count(2)
    assert page.evaluate("window.loadedOnce") is True

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("text=Restore this version")
    expect(page.locator(".history-entry")).to_have_count(2)
    assert len(questions) == 1
    assert Client.objects.get().name == "Renamed a.s."

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Restore this version")
    expect(page.locator(".history-entry")).to_have_count(3)
    expect(page.locator("h1")).to_contain_text("Modrá Vlna s.r.o.")
    assert Client.objects.get().name == "Modrá Vlna s.r.o."


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    page.click("#login-submit")


def test_a_change_by_someone_else_is_announced_and_the_page_refreshes_in_place(page: Page, live_server):
    manager = user_create(username="jana", password=PASSWORD, first_name="Jana", last_name="Dvořáková")
    owner = user_create(username="eva", password=PASSWORD, first_name="Eva", last_name="Svobodová", manager=manager)
    created = client_create(user=owner, values={"name": "Modrá Vlna s.r.o.", "country": "CZ"})
    log_in(page, "eva")
    page.goto(f"/clients/{created.pk}/")
    page.evaluate("window.loadedOnce = true")  # survives only if nothing reloads the page
    expect(page.locator("#changed-elsewhere")).to_have_count(0)

    client_update(client=created, user=manager, version=1, values={"email": "obchod@modravlna.cz"})
    # The page asks every 20 seconds and whenever it becomes visible again; make it visible now.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    expect(page.locator("#changed-elsewhere")).to_contain_text("Jana Dvořáková")
    expect(page.locator(".side-panel").first).not_to_contain_text("obchod@modravlna.cz")
    page.click("#load-latest")
    expect(page.locator(".side-panel").first).to_contain_text("obchod@modravlna.cz")
    expect(page.locator("#changed-elsewhere")).to_have_count(0)
    assert page.evaluate("window.loadedOnce") is True
    expect(page).to_have_url(f"{live_server.url}/clients/{created.pk}/")


def test_ticked_clients_are_locked_together_from_the_list(page: Page, live_server):
    owner = user_create(username="eva", password=PASSWORD, first_name="Eva", last_name="Svobodová")
    for name in ("Alfa s.r.o.", "Beta a.s.", "Gama spol. s r.o."):
        client_create(user=owner, values={"name": name, "country": "CZ"})
    log_in(page, "eva")
    page.goto("/clients/")

    expect(page.locator("#bulk-owner")).to_be_hidden()  # only a transfer needs a new owner
    client_rows(page).nth(0).locator("input[name=selected]").check()
    client_rows(page).nth(2).locator("input[name=selected]").check()
    page.select_option("#bulk-action", "lock")
    page.click("#bulk-form button[type=submit]")

    expect(page.locator(".messages")).to_contain_text("2 clients locked.")
    assert sorted(Client.objects.filter(locked_by=owner).values_list("name", flat=True)) == [
        "Alfa s.r.o.",
        "Gama spol. s r.o.",
    ]
    expect(client_rows(page).nth(1).locator(".badge-locked")).to_have_count(0)
    expect(client_rows(page).nth(0).locator(".badge-locked")).to_have_count(1)

    page.check("[data-select-all]")
    page.select_option("#bulk-action", "transfer")
    expect(page.locator("#bulk-owner")).to_be_visible()


def test_an_admin_adds_a_dropdown_with_chinese_options_and_fills_it_on_a_client(page: Page, live_server):
    from clientela.clients.fields import FieldDefinition

    user_create(username="wang", password=PASSWORD, first_name="Wang", last_name="Li", is_admin=True)
    log_in(page, "wang")
    expect(page).to_have_url(f"{live_server.url}/clients/")

    # A dropdown field for clients, labelled in Chinese.
    page.goto("/settings/fields/new/?record_type=client")
    page.fill("[name=name]", "city_tier")
    page.select_option("[name=field_type]", "choice")
    page.fill("[name=label_zh_hans]", "城市等级")
    page.click("#save-field")
    expect(page.locator("#add-option")).to_be_visible()  # on to its options

    # Two options, named in Chinese.
    add_form = page.locator("form", has=page.locator("#add-option"))
    for label in ("一线", "二线"):
        add_form.locator("[name=new-label_zh_hans]").fill(label)
        page.click("#add-option")
        expect(page.locator("#options")).to_contain_text(label)
    assert [o.labels for o in FieldDefinition.objects.get(name="city_tier").options.all()] == [
        {"zh-hans": "一线"},
        {"zh-hans": "二线"},
    ]

    # The client form offers it; the client page shows the choice.
    page.goto("/clients/new/")
    page.fill("[name=name]", "上海蓝海贸易有限公司")
    page.select_option("[name=country]", "CN")
    page.select_option("[name=cf_city_tier]", label="二线")
    page.click("#save-client")
    panel = page.locator("#custom-fields-panel")
    expect(panel).to_contain_text("城市等级")
    expect(panel).to_contain_text("二线")
    chosen = FieldDefinition.objects.get(name="city_tier").options.get(labels={"zh-hans": "二线"})
    assert Client.objects.get().custom_fields == {"city_tier": chosen.key}
