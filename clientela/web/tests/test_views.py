"""The frame around every page: sign-in, layout, navigation and the language switcher."""

import pytest
from django.conf import settings
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from clientela.accounts.models import User
from clientela.accounts.services import user_set_language
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def test_home_sends_a_signed_in_user_to_the_client_list(client, alice):
    client.force_login(alice)

    response = client.get(reverse("web:home"))

    assertRedirects(response, reverse("clients:list"))


def test_home_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(reverse("web:home"))

    assertRedirects(response, f"{reverse('login')}?next=/")


def test_the_login_page_renders_with_the_language_switcher(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assertContains(response, '<html lang="en">')
    assertContains(response, 'name="username"')
    assertContains(response, f'action="{reverse("web:set_language")}"')
    assertNotContains(response, 'action="/logout/"')


def test_logging_in_applies_the_users_saved_language(client, alice):
    user_set_language(user=alice, language="cs")

    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assertRedirects(response, reverse("clients:list"), fetch_redirect_response=False)
    assert response.cookies[LANGUAGE_COOKIE].value == "cs"
    assertContains(client.get(reverse("clients:list")), '<html lang="cs">')


def test_a_wrong_password_shows_an_error_and_logs_nobody_in(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert LANGUAGE_COOKIE not in response.cookies
    assert "_auth_user_id" not in client.session


def test_the_layout_links_every_section_and_logs_out_by_post(client, alice):
    client.force_login(alice)

    response = client.get(reverse("clients:list"))

    for url in (
        reverse("clients:list"),
        reverse("clients:group_list"),
        reverse("clients:contact_list"),
        "/api/docs/",
    ):
        assertContains(response, f'href="{url}"')
    assertContains(response, f'<form method="post" action="{reverse("logout")}">')
    assertContains(response, "django_htmx/htmx-2")
    assertContains(response, "web/clientela.css")
    assertContains(response, 'hx-headers=\'{"X-CSRFToken": ')
    assertNotContains(response, 'href="/admin/"')


def test_admins_get_a_link_to_the_admin(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("clients:list"))

    assertContains(response, 'href="/admin/"')


def test_the_language_switcher_offers_the_six_languages_in_their_own_names(client, alice):
    client.force_login(alice)

    response = client.get(reverse("clients:list"))

    for code, name in (
        ("en", "English"),
        ("es", "Español"),
        ("ca", "Català"),
        ("ro", "Română"),
        ("cs", "Česky"),
        ("zh-hans", "简体中文"),
    ):
        assertContains(response, f'<option value="{code}" lang="{code}"')
        assertContains(response, name)


def test_switching_the_language_saves_it_sets_the_cookie_and_pages_render_in_it(client, alice):
    client.force_login(alice)

    response = client.post(reverse("web:set_language"), {"language": "cs", "next": "/clients/groups/"})

    assertRedirects(response, "/clients/groups/", fetch_redirect_response=False)
    assert response.cookies[LANGUAGE_COOKIE].value == "cs"
    assert User.objects.get(pk=alice.pk).language == "cs"
    page = client.get(reverse("clients:list"))
    assertContains(page, '<html lang="cs">')
    assertContains(page, '<option value="cs" lang="cs" selected>')


def test_an_anonymous_visitor_can_switch_but_nothing_is_saved(client, alice):
    response = client.post(reverse("web:set_language"), {"language": "ro", "next": "/login/"})

    assertRedirects(response, "/login/", fetch_redirect_response=False)
    assert response.cookies[LANGUAGE_COOKIE].value == "ro"
    assert User.objects.get(pk=alice.pk).language == "en"
    assertContains(client.get(reverse("login")), '<html lang="ro">')


def test_an_unknown_language_changes_nothing(client, alice):
    client.force_login(alice)

    response = client.post(reverse("web:set_language"), {"language": "de", "next": "/clients/"})

    assertRedirects(response, "/clients/", fetch_redirect_response=False)
    assert LANGUAGE_COOKIE not in response.cookies
    assert User.objects.get(pk=alice.pk).language == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", ""])
def test_the_switcher_never_redirects_off_site(client, alice, target):
    client.force_login(alice)

    response = client.post(reverse("web:set_language"), {"language": "es", "next": target})

    assertRedirects(response, "/", fetch_redirect_response=False)
    assert response.cookies[LANGUAGE_COOKIE].value == "es"


def test_the_switcher_must_be_posted(client, alice):
    client.force_login(alice)

    response = client.get(reverse("web:set_language"), {"language": "cs"})

    assert response.status_code == 405
    assert User.objects.get(pk=alice.pk).language == "en"


def test_logging_out_takes_a_post_and_ends_the_session(client, alice):
    client.force_login(alice)

    response = client.post(reverse("logout"))

    assertRedirects(response, reverse("login"))
    assert "_auth_user_id" not in client.session
    assertRedirects(client.get(reverse("clients:list")), f"{reverse('login')}?next=/clients/")
