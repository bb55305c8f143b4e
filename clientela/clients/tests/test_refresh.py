"""The client page notices changes made by others since it was opened, and refreshes in place."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from clientela.clients.services import client_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def view_test_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def changes_url(record, version):
    return f"{reverse('clients:changes', args=[record.pk])}?version={version}"


def test_the_client_page_asks_for_changes_since_its_own_version_and_refreshes_in_place(client, alice, alice_client):
    client.force_login(alice)

    response = client.get(reverse("clients:detail", args=[alice_client.pk]))

    assertContains(response, f'hx-get="{changes_url(alice_client, 1)}"')
    assertContains(response, 'id="client-page"', count=1)
    assertContains(response, 'hx-select="#client-page" hx-target="#client-page" hx-swap="outerHTML"')


def test_nothing_is_shown_while_nobody_changed_the_client(client, alice, alice_client):
    client.force_login(alice)

    response = client.get(changes_url(alice_client, alice_client.version))

    assert response.status_code == 200
    assertNotContains(response, "changed-elsewhere")


def test_a_change_by_someone_else_is_announced_with_who_and_a_way_to_load_it(client, alice, carol, alice_client):
    client_update(client=alice_client, user=carol, version=1, values={"email": "nova@modravlna.cz"})
    client.force_login(alice)

    response = client.get(changes_url(alice_client, 1))

    assertContains(response, 'id="changed-elsewhere"')
    assertContains(response, "Carol Manager changed this client at")
    assertContains(response, 'id="load-latest"')


def test_an_own_change_from_another_tab_is_announced_without_naming_anyone(client, alice, alice_client):
    client_update(client=alice_client, user=alice, version=1, values={"email": "nova@modravlna.cz"})
    client.force_login(alice)

    response = client.get(changes_url(alice_client, 1))

    assertContains(response, "This client was changed at")


def test_the_change_check_is_subject_to_visibility(client, dave, alice_client):
    client.force_login(dave)

    assert client.get(changes_url(alice_client, 1)).status_code == 404


def test_a_bad_version_number_is_treated_as_nothing_new(client, alice, alice_client):
    client.force_login(alice)

    response = client.get(changes_url(alice_client, "abc"))

    assert response.status_code == 200
    assertNotContains(response, "changed-elsewhere")
